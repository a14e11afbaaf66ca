"""Hostile names and hostile environments: what a report shows, and that it always ends well.

A scanned repository names its files, its keys and sections, and its commits' authors; GitHub
names repositories and paths. None of it may forge a report line or drive a terminal (issue 11,
item 4). And whatever the input or the terminal, a run ends with a report or one error line,
exit 2, never a traceback (item 16).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import creds
from tests.conftest import REPO, run_twscan
from tests.gitutil import Repo
from tests.gitutil import twscan as run_git_mode

FORGED = "No Twilio credentials found"
# The raw characters no human-facing output may carry.
RAW = ("\x1b", "\r", "\x07", "\x9b", "\u202e", "\u2066", "\u2069", "\u2028")
HOSTILE_NAMES = [
    "clear\x1b[2J.env",
    "carriage\rreturn.env",
    f"newline\n{FORGED}.env",
    "bidi\u202evne.txt",
    "isolate\u2066x\u2069.env",
    "bell\x07csi\x9b31m.env",
]


def assert_no_raw(text: str) -> None:
    for c in RAW:
        assert c not in text, f"raw {c!r} in output"
    for line in text.splitlines():
        assert not line.startswith(FORGED), line


def one_error_line(r: subprocess.CompletedProcess[str]) -> str:
    lines = r.stderr.splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(lines) == 1 and lines[0].startswith("twscan: error: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


def pair(sid: str | None = None, tok: str | None = None) -> str:
    return f"TWILIO_ACCOUNT_SID={sid or creds.account_sid()}\n" \
        f"TWILIO_AUTH_TOKEN={tok or creds.auth_token()}\n"


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    d = tmp_path / "d"
    d.mkdir()
    for name in HOSTILE_NAMES:
        (d / name).write_text(pair())
    return d


# -- item 4: output injection ---------------------------------------------------------------


def test_file_names_cannot_forge_lines_or_drive_the_terminal(hostile_dir: Path) -> None:
    r = run_twscan("scan", ".", cwd=hostile_dir)
    assert r.returncode == 1, r.stderr
    assert_no_raw(r.stdout + r.stderr)
    assert "clear\\x1b[2J.env" in r.stdout and "carriage\\rreturn.env" in r.stdout
    assert f"newline\\n{FORGED}.env" in r.stdout and "bidi\\u202evne.txt" in r.stdout
    assert "isolate\\u2066x\\u2069.env" in r.stdout and "bell\\x07csi\\x9b31m.env" in r.stdout
    assert r.stdout.count("CRITICAL") == len(HOSTILE_NAMES)  # every finding still shown
    doc = json.loads(run_twscan("scan", ".", "-f", "json", cwd=hostile_dir).stdout)
    assert {f["file"] for f in doc["findings"]} == set(HOSTILE_NAMES)  # JSON: exact


def test_a_backslash_is_doubled_so_escapes_are_unambiguous(tmp_path: Path) -> None:
    (tmp_path / "lit\\x1b.env").write_text(pair())  # a real backslash, not an escape
    (tmp_path / "esc\x1b.env").write_text(pair())
    r = run_twscan("scan", ".", cwd=tmp_path)
    assert "lit\\\\x1b.env" in r.stdout and "esc\\x1b.env" in r.stdout


def test_github_annotations_cannot_inject_commands_or_escapes(tmp_path: Path) -> None:
    names = ["x\n::error::forged.env", "esc\x1b[31m.env", "bidi\u202e.env"]
    for name in names:
        (tmp_path / name).write_text(pair())
    # A section name from the file's content reaches the message as the reason's detail.
    (tmp_path / "cfg.yml").write_text(f"twilio\x1b[2J\u202e:\n  token: {creds.auth_token()}\n")
    r = run_twscan("scan", ".", "-f", "github", cwd=tmp_path)
    assert r.returncode == 1
    assert_no_raw(r.stdout)
    lines = r.stdout.splitlines()
    assert len(lines) == 4 and all(ln.startswith("::error file=") for ln in lines), lines
    assert "file=x%0A%3A%3Aerror%3A%3Aforged.env," in r.stdout  # the runner decodes it exactly
    assert "file=esc\\x1b[31m.env," in r.stdout and "file=bidi\\u202e.env," in r.stdout
    assert "in the Twilio section twilio\\x1b[2J\\u202e" in r.stdout


def test_key_and_section_names_from_content_are_escaped(tmp_path: Path) -> None:
    (tmp_path / "cfg.yml").write_text(
        f"twilio\x1b[2J\u202e:\n  token: {creds.auth_token()}\n"
    )
    r = run_twscan("scan", "cfg.yml", cwd=tmp_path)
    assert r.returncode == 1
    assert_no_raw(r.stdout)
    assert "(in the Twilio section twilio\\x1b[2J\\u202e)" in r.stdout
    doc = json.loads(run_twscan("scan", "cfg.yml", "-f", "json", cwd=tmp_path).stdout)
    assert doc["findings"][0]["reason"] == "in the Twilio section twilio\x1b[2J\u202e"


def test_custom_rule_titles_are_escaped_in_reports_and_the_rule_list(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        "[[rules]]\n"
        'id = "acme\\u001b[2J"\n'
        f'title = "ACME key\\r\\n{FORGED}\\u001b[2J"\n'
        'kind = "acme-key"\nseverity = "high"\n'
        "pattern = 'acme_[0-9a-f]{24}'\n"
    )
    (tmp_path / "k.txt").write_text("key = acme_0f1e2d3c4b5a69788796a5b4\n")
    for fmt in ("text", "github"):
        r = run_twscan("scan", "k.txt", "--rules", str(rules), "-f", fmt, cwd=tmp_path)
        assert r.returncode == 1, r.stderr
        assert_no_raw(r.stdout)
        assert f"ACME key\\r\\n{FORGED}\\x1b[2J" in r.stdout
    listed = run_twscan("rules", "--rules", str(rules), cwd=tmp_path)
    assert listed.returncode == 0
    assert_no_raw(listed.stdout)
    assert "acme\\x1b[2J" in listed.stdout


def test_commit_author_with_ansi_is_escaped(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.stage("app.env", pair())
    evil = "Eve\x1b[31m\u202eevE"
    r.git(
        "commit", "-q", "--no-verify", "-m", "add",
        env={"GIT_AUTHOR_NAME": evil, "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00"},
    )
    out = run_git_mode("history", "--repo", str(r.path), cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert_no_raw(out.stdout)
    assert "by Eve\\x1b[31m\\u202eevE on" in out.stdout
    doc = json.loads(run_git_mode("history", "--repo", str(r.path), "-f", "json", cwd=tmp_path).stdout)
    assert {f["author"] for f in doc["findings"]} == {evil}


def test_the_commit_hook_escapes_staged_file_names(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    names = [f"hook\x1b[2J\n{FORGED}.env", "bidi\u202evne.txt", os.fsdecode(b"raw\xff.env")]
    for name in names:
        r.stage(name, pair())
    out = run_git_mode("staged", "--repo", str(r.path), cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert_no_raw(out.stdout + out.stderr)
    assert f"hook\\x1b[2J\\n{FORGED}.env" in out.stdout and "bidi\\u202evne.txt" in out.stdout
    assert out.stdout.count("CRITICAL") == len(names)
    doc = json.loads(run_git_mode("staged", "--repo", str(r.path), "-f", "json", cwd=tmp_path).stdout)
    assert {f["file"] for f in doc["findings"]} == {*names[:2], "raw\\xff.env"}


def test_skipped_list_and_baseline_name_are_escaped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / f"fifo\n{FORGED}\x1b[2J")
    (tmp_path / "a.env").write_text(pair())
    base = tmp_path / "base\x1b[2J.json"
    assert run_twscan("baseline", "create", "-o", str(base), "scan", ".", cwd=tmp_path).returncode == 0
    r = run_twscan("scan", ".", "--baseline", str(base), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert_no_raw(r.stdout)
    assert f"fifo\\n{FORGED}\\x1b[2J: not a regular file" in r.stdout
    assert "Accepted in the baseline base\\x1b[2J.json" in r.stdout


def test_stale_baseline_entries_are_listed_escaped(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(pair())
    assert run_twscan("baseline", "create", cwd=tmp_path).returncode == 0
    base = tmp_path / ".twscan-baseline.json"
    doc = json.loads(base.read_text())
    doc["entries"].append({**doc["entries"][0], "fingerprint": "0" * 32,
                           "path": f"gone\n{FORGED}\x1b[2J.env", "rule": "r\u202e"})
    base.write_text(json.dumps(doc))
    r = run_twscan("baseline", "update", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert_no_raw(r.stdout)
    assert f"  gone\\n{FORGED}\\x1b[2J.env  r\\u202e  (reason: none)" in r.stdout


def test_error_messages_escape_the_paths_they_name(tmp_path: Path) -> None:
    line = one_error_line(run_twscan("scan", f"no\x1b[2J\n{FORGED}", cwd=tmp_path))
    assert f"no\\x1b[2J\\n{FORGED}" in line
    line = one_error_line(run_twscan("scan", ".", "--config", "c\x1b]0;x\x07.toml", cwd=tmp_path))
    assert "c\\x1b]0;x\\x07.toml" in line


def test_usage_errors_escape_what_was_typed(tmp_path: Path) -> None:
    line = one_error_line(run_twscan("scan", "--no-such\x1b[2J", cwd=tmp_path))
    assert "--no-such\\x1b[2J" in line


def test_exposure_report_escapes_what_github_says(tmp_path: Path) -> None:
    from tests.fake_github import FakeCommit, FakeGitHub, RealClock, new_github_token, new_sid

    sid, gh_token = new_sid(), new_github_token()
    with FakeGitHub(gh_token, RealClock()).running() as fake:
        fake.add_file(
            "evil/repo", f"x\x1b[2J\n{FORGED}.py", f'SID = "{sid}"\n',
            [FakeCommit("ab" * 20, "2024-01-01T00:00:00Z", "Mal\x1b[31m\u202elory", None)],
        )
        env = {
            "GITHUB_TOKEN": gh_token, "TWSCAN_CACHE_DIR": str(tmp_path / "cache"),
            "GH_TOKEN": "", "TWSCAN_GITHUB_API_URL": "",
        }
        r = run_twscan("exposure", sid, "--github-api-url", fake.url, cwd=tmp_path, env=env)
        g = run_twscan(
            "exposure", sid, "--github-api-url", fake.url, "-f", "github", cwd=tmp_path, env=env
        )
    assert r.returncode == 1, r.stderr
    assert_no_raw(r.stdout + r.stderr + g.stdout)
    assert f"x\\x1b[2J\\n{FORGED}.py" in r.stdout and "Mal\\x1b[31m\\u202elory" in r.stdout


# -- item 16: no traceback, ever ------------------------------------------------------------

BAD_NAME = os.fsdecode(b"bad\xffname.env")  # not UTF-8: held as a lone surrogate


@pytest.fixture
def undecodable(tmp_path: Path) -> Path:
    d = tmp_path / "u"
    d.mkdir()
    (d / BAD_NAME).write_text(pair())
    return d


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_non_utf8_file_name_is_reported_in_every_format(undecodable: Path, fmt: str) -> None:
    r = run_twscan("scan", ".", "-f", fmt, cwd=undecodable)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "\ufffd" not in r.stdout  # valid UTF-8 throughout
    if fmt == "json":
        files = {f["file"] for f in json.loads(r.stdout)["findings"]}
        assert files == {"bad\\xffname.env"}  # as twscan.git.display_path shows git paths
    elif fmt == "sarif":
        uris = [x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for x in json.loads(r.stdout)["runs"][0]["results"]]
        assert uris == ["bad%5Cxffname.env"]
    else:
        assert "bad\\" in r.stdout and "xffname.env" in r.stdout


def test_a_non_utf8_file_name_with_output_file_and_baseline(undecodable: Path) -> None:
    r = run_twscan("scan", ".", "-f", "json", "-o", "report.json", cwd=undecodable)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    doc = json.loads((undecodable / "report.json").read_text(encoding="utf-8"))
    assert doc["findings"][0]["file"] == "bad\\xffname.env"
    c = run_twscan("baseline", "create", cwd=undecodable)
    assert c.returncode == 0 and "Traceback" not in c.stderr, c.stderr
    # The baseline names it as the report does, and accepts it on the next scan.
    again = run_twscan("scan", ".", cwd=undecodable)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Accepted in the baseline" in again.stdout


def test_a_non_utf8_name_in_the_skipped_list_is_representable(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / os.fsdecode(b"pipe\xfe"))
    (tmp_path / "a.env").write_text(pair())
    r = run_twscan("scan", ".", "-f", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    skipped = json.loads(r.stdout)["summary"]["skipped"]
    assert skipped == [{"path": "./pipe\\xfe", "reason": "not a regular file"}]


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_report_prints_on_a_stdout_that_is_not_utf8(
    tmp_path: Path, encoding: str, lang: str
) -> None:
    (tmp_path / "a.env").write_text(pair())
    (tmp_path / "emoji\U0001f600.env").write_text(pair())
    for fmt in ("text", "json", "sarif", "github"):
        r = run_twscan(
            "scan", ".", "--lang", lang, "-f", fmt, cwd=tmp_path,
            env={"PYTHONIOENCODING": encoding},
        )
        assert r.returncode == 1 and "Traceback" not in r.stderr, (fmt, r.stderr)
        if fmt in ("json", "sarif"):  # JSON is UTF-8 whatever the locale (RFC 8259)
            doc = json.loads(r.stdout)
            assert "\u2026" in r.stdout
            if fmt == "json":
                assert "emoji\U0001f600.env" in {f["file"] for f in doc["findings"]}
        else:
            assert "\\u2026" in r.stdout  # the redaction's ellipsis, escaped
            assert "emoji\\U0001f600.env" in r.stdout
    bad = run_twscan("scan", "nowhere\u2026", cwd=tmp_path, env={"PYTHONIOENCODING": encoding})
    assert "nowhere\\u2026" in one_error_line(bad)


def test_a_deeply_nested_baseline_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(pair())
    (tmp_path / "deep.json").write_text("[" * 100_000)
    line = one_error_line(run_twscan("scan", ".", "--baseline", "deep.json", cwd=tmp_path))
    assert "deep.json" in line and "nested too deeply" in line


def test_deeply_nested_config_and_rules_are_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(pair())
    (tmp_path / "deep.toml").write_text("a = " + "[" * 100_000)
    line = one_error_line(run_twscan("scan", ".", "--config", "deep.toml", cwd=tmp_path))
    assert "deep.toml" in line and "nested too deeply" in line
    line = one_error_line(run_twscan("scan", ".", "--rules", "deep.toml", cwd=tmp_path))
    assert "deep.toml" in line and "nested too deeply" in line


def _bounded(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Today these read until MemoryError (or forever, for a FIFO): bound the wait."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "LANG": "C.UTF-8"}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "twscan", *args], cwd=cwd, capture_output=True, env=env,
        timeout=30,
    )
    assert time.monotonic() - started < 30
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


@pytest.mark.parametrize("how", ["option", "config"])
def test_a_baseline_that_is_a_device_is_refused(tmp_path: Path, how: str) -> None:
    (tmp_path / "a.env").write_text(pair())
    if how == "config":
        (tmp_path / ".twscan.toml").write_text("baseline = '/dev/zero'\n")
        args = ["scan", "."]
    else:
        args = ["scan", ".", "--baseline", "/dev/zero"]
    line = one_error_line(_bounded(*args, cwd=tmp_path))
    assert "/dev/zero" in line and "not a regular file" in line


def test_a_baseline_that_is_a_fifo_or_huge_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(pair())
    os.mkfifo(tmp_path / "fifo.json")
    line = one_error_line(_bounded("scan", ".", "--baseline", "fifo.json", cwd=tmp_path))
    assert "fifo.json" in line and "not a regular file" in line
    with open(tmp_path / "huge.json", "wb") as f:  # sparse: no disk, no time
        f.truncate(65 * 1024 * 1024)
    line = one_error_line(_bounded("scan", ".", "--baseline", "huge.json", cwd=tmp_path))
    assert "huge.json" in line and "larger than 64 MiB" in line


def test_config_and_rules_files_that_are_devices_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(pair())
    line = one_error_line(_bounded("scan", ".", "--config", "/dev/zero", cwd=tmp_path))
    assert "config file /dev/zero is not a regular file" in line
    line = one_error_line(_bounded("scan", ".", "--rules", "/dev/zero", cwd=tmp_path))
    assert "rules file /dev/zero is not a regular file" in line


def test_baseline_create_never_reads_or_replaces_a_device(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(pair())
    os.mkfifo(tmp_path / "fifo.json")
    r = _bounded("baseline", "create", "--force", "-o", "fifo.json", cwd=tmp_path)
    assert "not a regular file" in one_error_line(r)
    assert (tmp_path / "fifo.json").is_fifo()


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["scan", "--format", "nope"], "(see twscan scan --help)"),
        (["scan", "--max-file-size", "lots"], "(see twscan scan --help)"),
        (["no-such-command"], "(see twscan --help)"),
        ([], "(see twscan --help)"),
        (["baseline"], "(see twscan baseline --help)"),
        (["history", "--jobs", "x"], "(see twscan history --help)"),
    ],
)
def test_usage_errors_are_one_line_with_a_hint(tmp_path: Path, argv: list[str], hint: str) -> None:
    line = one_error_line(run_twscan(*argv, cwd=tmp_path))
    assert line.endswith(hint), line
    assert not line.startswith("usage:")


def test_an_unexpected_exception_is_one_line_naming_its_type(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from twscan import cli
    from twscan.commands import rules_cmd

    secret = creds.auth_token()

    def broken(args: object) -> int:
        raise ValueError(f"a message that could hold {secret}")

    monkeypatch.setattr(rules_cmd, "run", broken)
    monkeypatch.delenv("TWSCAN_DEBUG", raising=False)
    assert cli.main(["rules"]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("twscan: internal error: ValueError at ")
    assert "twscan/" in lines[0] and secret not in err and out == ""


def test_a_closed_stdout_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(pair())
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "LANG": "C.UTF-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "twscan", "scan", ".", "-q"], cwd=tmp_path, env=env,
        stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1), timeout=60,
    )
    r = subprocess.CompletedProcess(proc.args, proc.returncode, "", proc.stderr.decode())
    assert "standard output is closed" in one_error_line(r)


# -- reports of many findings are written a piece at a time --------------------------------


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(doc=json_values, items=st.lists(json_values, max_size=4), where=st.integers(0, 3))
def test_streamed_json_is_byte_for_byte_json_dumps(
    doc: object, items: list[object], where: int
) -> None:
    """A Lazy array anywhere in a document writes exactly what json.dumps(indent=2) writes."""
    import json as _json

    from twscan.reports.jsonstream import Lazy, chunks

    lazy = Lazy(items, lambda x: x)
    nested: object = {"a": doc, "lazy": lazy} if where == 0 else [doc, {"k": [lazy]}]
    if where == 2:
        nested = lazy
    if where == 3:
        nested = {"runs": [{"results": lazy, "tool": doc}], "n": 1}
    plain = _json.loads(_json.dumps(nested, default=list))  # the same with the list made
    assert "".join(chunks(nested)) == _json.dumps(plain, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_report_of_many_findings_is_never_held_whole(fmt: str, tmp_path: Path) -> None:
    """60,000 credentials in a CSV export: JSON took 575 MB and SARIF 916 MB when the whole
    document was built before writing; the bound here is what the findings themselves take
    (about 190 MB for the text report) plus a margin."""
    rows = [f"{creds.account_sid()},{creds.auth_token()}" for _ in range(30000)]
    path = tmp_path / "export.csv"
    path.write_text("sid,token\n" + "\n".join(rows) + "\n")
    code = (
        "import runpy, sys\n"
        "sys.argv = ['twscan', 'scan', sys.argv[1], '-q', '-f', sys.argv[2], '-o', sys.argv[3]]\n"
        "try:\n    runpy.run_module('twscan', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent (pytest)
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "print(hwm.split()[1], file=sys.stderr)\n"
    )
    out = tmp_path / f"report.{fmt}"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path), fmt, str(out)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    doc = json.loads(out.read_text())
    found = doc["findings"] if fmt == "json" else doc["runs"][0]["results"]
    assert len(found) == 30000
    assert peak_mb < 200, peak_mb
