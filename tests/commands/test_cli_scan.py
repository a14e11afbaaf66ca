"""``twscan scan`` end to end, as a user runs it: real files, real process, real exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from tests import creds
from tests.conftest import DATA, run_twscan

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())


def make_project(root: Path) -> dict[str, str]:
    v = {
        "sid": creds.account_sid(), "tok": creds.auth_token(), "key": creds.api_key_sid(),
        "sec": creds.api_secret(), "sg": creds.sendgrid_key(), "sid2": creds.account_sid(),
    }
    (root / "src").mkdir(parents=True)
    (root / ".env").write_text(f"TWILIO_ACCOUNT_SID={v['sid']}\nTWILIO_AUTH_TOKEN={v['tok']}\n")
    (root / "src" / "sms.py").write_text(
        f'client = Client("{v["key"]}", "{v["sec"]}", "{v["sid"]}")\n'
    )
    (root / "src" / "mail.js").write_text(f"const key = '{v['sg']}';\n")
    (root / "dir with space").mkdir()
    (root / "dir with space" / "nötes.md").write_text(f"Our account: {v['sid2']}\n")
    (root / "package-lock.json").write_text(
        '{"integrity": "sha512-' + creds.auth_token() + '", "md5": "' + creds.auth_token() + '"}'
    )
    return v


def test_clean_directory_exits_0(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('hello')\n")
    r = run_twscan("scan", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "No Twilio credentials found" in r.stdout


def test_findings_exit_1_and_json_contract(tmp_path: Path) -> None:
    v = make_project(tmp_path)
    r = run_twscan("scan", str(tmp_path), "--format", "json", "--show-secrets")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["version"] == 1 and doc["tool"]["name"] == "twscan"
    required = {"rule", "kind", "severity", "file", "line", "column", "secret", "fingerprint",
                "pair", "commit", "author", "date"}
    for f in doc["findings"]:
        assert required <= set(f), f.keys()
        assert f["commit"] is None and f["author"] is None and f["date"] is None
    by_secret = {f["secret"]: f for f in doc["findings"]}
    env = by_secret[v["tok"]]
    assert env["kind"] == "credential-pair" and env["severity"] == "critical"
    assert env["pair"]["secret"] == v["sid"] and env["pair"]["line"] == 1
    assert env["file"].endswith(".env") and (env["line"], env["column"]) == (2, 19)
    assert by_secret[v["sec"]]["pair"]["secret"] == v["key"]
    assert by_secret[v["sg"]]["kind"] == "sendgrid-api-key"
    assert by_secret[v["sid2"]]["file"].endswith("dir with space/nötes.md")
    reported = set(by_secret) | {f["pair"]["secret"] for f in doc["findings"] if f["pair"]}
    assert reported == set(v.values())  # lockfile hashes are not tokens
    assert doc["summary"]["files_scanned"] == 5
    assert doc["summary"]["findings"] == len(doc["findings"])


def test_fingerprint_stable_when_lines_move(tmp_path: Path) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    f = tmp_path / ".env"
    f.write_text(f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n")
    a = json.loads(run_twscan("scan", str(f), "-f", "json").stdout)["findings"]
    f.write_text(f"# moved\n\nTWILIO_AUTH_TOKEN={tok}\nX=1\nTWILIO_ACCOUNT_SID={sid}\n")
    b = json.loads(run_twscan("scan", str(f), "-f", "json").stdout)["findings"]
    assert [x["fingerprint"] for x in a] == [x["fingerprint"] for x in b]
    assert a[0]["line"] != b[0]["line"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_format_prints_a_secret(tmp_path: Path, fmt: str) -> None:
    v = make_project(tmp_path)
    r = run_twscan("scan", str(tmp_path), "--format", fmt)
    assert r.returncode == 1
    for value in v.values():
        if value.startswith("AC"):
            continue  # SIDs are identifiers, shown redacted too, checked below
        assert value not in r.stdout and value not in r.stderr, fmt
    for value in (v["sid"], v["key"], v["sid2"]):
        assert value not in r.stdout, fmt
    shown = run_twscan("scan", str(tmp_path), "--format", fmt, "--show-secrets")
    assert v["tok"] in shown.stdout


def test_sarif_validates_against_oasis_schema(tmp_path: Path) -> None:
    make_project(tmp_path)
    r = run_twscan("scan", ".", "--format", "sarif", cwd=tmp_path)
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {"twilio-account-credentials", "twilio-auth-token", "twilio-account-sid"} <= ids
    for res in run["results"]:
        assert res["ruleId"] in ids
        assert res["partialFingerprints"]["twscan/v1"]
        loc = res["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "dir%20with%20space/n%C3%B6tes.md" in uris
    help_text = run["tool"]["driver"]["rules"][0]["help"]["text"]
    assert "Rotate the Auth Token" in json.dumps(run["tool"]["driver"]["rules"]) and help_text


def test_sarif_clean_run_validates(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("nothing\n")
    r = run_twscan("scan", str(tmp_path), "-f", "sarif")
    assert r.returncode == 0
    jsonschema.validate(json.loads(r.stdout), SCHEMA)


def test_github_annotations(tmp_path: Path) -> None:
    make_project(tmp_path)
    r = run_twscan("scan", ".", "-f", "github", cwd=tmp_path)
    lines = r.stdout.splitlines()
    assert any(x.startswith("::error file=.env,line=2,col=19") for x in lines), lines


def test_stdin(tmp_path: Path) -> None:
    tok, sid = creds.auth_token(), creds.account_sid()
    r = run_twscan("scan", "-", "-f", "json", input=f"{sid}:{tok}".encode())
    assert r.returncode == 1
    [f] = json.loads(r.stdout)["findings"]
    assert f["file"] == "-" and f["kind"] == "credential-pair"


def test_output_file_and_japanese(tmp_path: Path) -> None:
    make_project(tmp_path / "p")
    out = tmp_path / "report.txt"
    r = run_twscan("scan", str(tmp_path / "p"), "--lang", "ja", "--output", str(out))
    assert r.returncode == 1 and r.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "対処方法" in text and "ローテーション" in text


def test_locale_selects_japanese(tmp_path: Path) -> None:
    make_project(tmp_path)
    r = run_twscan("scan", str(tmp_path), env={"LANG": "ja_JP.UTF-8"})
    assert "対処方法" in r.stdout


def test_oversized_file_is_reported_not_dropped(tmp_path: Path) -> None:
    tok = creds.auth_token()
    (tmp_path / "big.log").write_text("x" * 5000 + f"\nTWILIO_AUTH_TOKEN={tok}\n")
    r = run_twscan("scan", str(tmp_path), "--max-file-size", "1K", "-f", "json")
    doc = json.loads(r.stdout)
    assert r.returncode == 0
    assert doc["summary"]["skipped"][0]["path"].endswith("big.log")
    assert "size limit" in doc["summary"]["skipped"][0]["reason"]
    text = run_twscan("scan", str(tmp_path), "--max-file-size", "1K")
    assert "big.log" in text.stdout


def test_git_dir_is_skipped_and_gitignore_on_request(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".git" / "leak").write_text(f"TWILIO_ACCOUNT_SID={creds.account_sid()}\n")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "x.env").write_text(f"TWILIO_ACCOUNT_SID={creds.account_sid()}\n")
    assert run_twscan("scan", str(tmp_path)).returncode == 1
    assert run_twscan("scan", str(tmp_path), "--gitignore").returncode == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["scan", "/nonexistent/path"], "no such file or directory"),
        (["scan", ".", "--rules", "/nonexistent.toml"], "rules file not found"),
        (["scan", ".", "--format", "xml"], "invalid choice"),
        (["nosuchcommand"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    r = run_twscan(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    p = tmp_path / "secret.env"
    p.write_text("x")
    p.chmod(0)
    r = run_twscan("scan", str(tmp_path), "-f", "json")
    assert "unreadable" in r.stdout


def test_parallel_scan_matches_serial(tmp_path: Path) -> None:
    planted = set()
    for i in range(40):
        sid, tok = creds.account_sid(), creds.auth_token()
        planted |= {sid, tok}
        (tmp_path / f"f{i}.env").write_bytes(
            b"# filler\n" * 120_000 + f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n".encode()
        )
    r = run_twscan("scan", str(tmp_path), "-f", "json", "--show-secrets", "-j", "2")
    doc = json.loads(r.stdout)
    got = {f["secret"] for f in doc["findings"]} | {f["pair"]["secret"] for f in doc["findings"]}
    assert got == planted and doc["summary"]["files_scanned"] == 40


def test_fast_commands_do_not_import_requests_or_every_command() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from twscan.cli import main\n"
        "rc = main(['rules'])\n"
        "bad = [m for m in ('requests', 'twscan.net.github.exposure', 'twscan.commands.exposure',"
        " 'concurrent.futures.process') if m in sys.modules]\n"
        "print('LOADED', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "LOADED []" in out, out
