"""The baseline as a team uses it: accept today's secrets, fail only on new ones, never churn.

Everything runs the real CLI on real files (and real git repositories for the git modes).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import creds
from tests.conftest import run_twscan
from tests.gitutil import Repo
from tests.gitutil import twscan as run_git_mode

BASELINE = ".twscan-baseline.json"


def make_repo(root: Path) -> dict[str, str]:
    """A small project holding known secrets, under git like a real one."""
    v = {
        "sid": creds.account_sid(), "tok": creds.auth_token(), "key": creds.api_key_sid(),
        "sec": creds.api_secret(), "sg": creds.sendgrid_key(), "sid2": creds.account_sid(),
    }  # fmt: skip
    Repo(root)
    (root / "src").mkdir()
    (root / ".env").write_text(f"TWILIO_ACCOUNT_SID={v['sid']}\nTWILIO_AUTH_TOKEN={v['tok']}\n")
    (root / "src" / "sms.py").write_text(
        f'client = Client("{v["key"]}", "{v["sec"]}", "{v["sid"]}")\n'
    )
    (root / "src" / "mail.js").write_text(f"const key = '{v['sg']}';\n")
    (root / "docs.md").write_text(f"Our account: {v['sid2']}\n")
    return v


def scan_json(root: Path, *args: str, cwd: Path | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = run_twscan("scan", *args, "-f", "json", cwd=cwd or root)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


def test_round_trip_accept_move_reformat_then_one_new_secret(tmp_path: Path) -> None:
    v = make_repo(tmp_path)
    code, first = scan_json(tmp_path, ".")
    assert code == 1
    n = len(first["findings"])

    created = run_twscan("baseline", "create", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert f"{n} entries" in created.stdout
    path = tmp_path / BASELINE
    text = path.read_text()
    for value in v.values():
        assert value not in text
    doc = json.loads(text)
    assert all(set(e) == {"fingerprint", "rule", "path", "reason"} for e in doc["entries"])
    assert not re.search(r'"(line|column|offset|date|time\w*)"', text)
    assert [e["path"] for e in doc["entries"]] == sorted(e["path"] for e in doc["entries"])

    again = run_twscan("scan", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stdout
    assert "No new Twilio credentials found" in again.stdout
    assert f"Accepted in the baseline .twscan-baseline.json ({n})" in again.stdout

    # Move every secret to other lines and reformat the files.
    (tmp_path / ".env").write_text(
        f"# Twilio\n\n\nTWILIO_AUTH_TOKEN = {v['tok']}\nDEBUG=1\n\nTWILIO_ACCOUNT_SID = {v['sid']}\n"
    )
    (tmp_path / "src" / "sms.py").write_text(
        "import os\n\n\ndef client():\n    return Client(\n"
        f"        '{v['key']}',\n        '{v['sec']}',\n        '{v['sid']}',\n    )\n"
    )
    (tmp_path / "src" / "mail.js").write_text(
        f'// mail\nconst other = 1;\n\nconst key = "{v["sg"]}"\n'
    )
    (tmp_path / "docs.md").write_text(f"# Docs\n\nSome text.\n\n> account `{v['sid2']}`\n")
    moved = run_twscan("scan", ".", cwd=tmp_path)
    assert moved.returncode == 0, moved.stdout
    updated = run_twscan("baseline", "update", cwd=tmp_path)
    assert updated.returncode == 0 and "unchanged" in updated.stdout, updated.stdout
    assert path.read_text() == text  # byte for byte

    new = creds.auth_token()
    (tmp_path / "src" / "settings.py").write_text(f"TWILIO_AUTH_TOKEN = '{new}'\n")
    code, report = scan_json(tmp_path, ".", "--show-secrets")
    assert code == 1
    assert [f["secret"] for f in report["findings"]] == [new]
    assert report["summary"]["counts"]["baselined"] == n
    assert path.read_text() == text


def test_an_accepted_token_beside_a_new_account_sid_is_new(tmp_path: Path) -> None:
    Repo(tmp_path)
    sid, tok = creds.account_sid(), creds.auth_token()
    env = tmp_path / ".env"
    env.write_text(f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n")
    assert run_twscan("baseline", "create", cwd=tmp_path).returncode == 0
    other = creds.account_sid()
    env.write_text(f"TWILIO_ACCOUNT_SID={other}\nTWILIO_AUTH_TOKEN={tok}\n")
    code, report = scan_json(tmp_path, ".", "--show-secrets")
    assert code == 1
    assert [(f["secret"], f["pair"]["secret"]) for f in report["findings"]] == [(tok, other)]


def test_same_secrets_match_however_the_scan_is_invoked(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    make_repo(root)
    assert run_twscan("baseline", "create", cwd=root).returncode == 0
    # From elsewhere, with an absolute path: the baseline is found above the scan root.
    r = run_twscan("scan", str(root), cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    # From a subdirectory, scanning only it.
    r = run_twscan("scan", ".", cwd=root / "src")
    assert r.returncode == 0, r.stdout
    # Named explicitly.
    r = run_twscan("scan", "src", "--baseline", str(root / BASELINE), cwd=root)
    assert r.returncode == 0, r.stdout


def test_salt_is_random_and_fingerprints_reveal_nothing(tmp_path: Path) -> None:
    make_repo(tmp_path)
    run_twscan("baseline", "create", cwd=tmp_path)
    first = json.loads((tmp_path / BASELINE).read_text())
    run_twscan("baseline", "create", "--force", cwd=tmp_path)
    second = json.loads((tmp_path / BASELINE).read_text())
    assert first["salt"] != second["salt"]
    assert {e["fingerprint"] for e in first["entries"]}.isdisjoint(
        e["fingerprint"] for e in second["entries"]
    )
    _, report = scan_json(tmp_path, ".", "--no-baseline")
    public = {f["fingerprint"] for f in report["findings"]} | {
        f["secret_hash"] for f in report["findings"]
    }
    assert public.isdisjoint(e["fingerprint"] for e in second["entries"])


def test_create_refuses_to_replace_a_baseline(tmp_path: Path) -> None:
    make_repo(tmp_path)
    assert run_twscan("baseline", "create", cwd=tmp_path).returncode == 0
    r = run_twscan("baseline", "create", cwd=tmp_path)
    assert r.returncode == 2 and "baseline update" in r.stderr and "--force" in r.stderr


def test_reasons_are_kept_and_shown(tmp_path: Path) -> None:
    make_repo(tmp_path)
    r = run_twscan("baseline", "create", "--reason", "test-credential", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    path = tmp_path / BASELINE
    doc = json.loads(path.read_text())
    assert {e["reason"] for e in doc["entries"]} == {"test-credential"}
    doc["entries"][0]["reason"] = "revoked"
    doc["entries"][0]["note"] = "rotated, see SEC-12"
    path.write_text(json.dumps(doc, indent=2) + "\n")

    text = run_twscan("scan", ".", cwd=tmp_path)
    assert text.returncode == 0
    n = len(doc["entries"])
    assert f"1 revoked, {n - 1} test credential" in text.stdout
    _, report = scan_json(tmp_path, ".")
    reasons = sorted(f["baseline_reason"] for f in report["summary"]["baselined"])
    assert reasons == ["revoked"] + ["test-credential"] * (n - 1)

    assert run_twscan("baseline", "update", cwd=tmp_path).returncode == 0
    after = json.loads(path.read_text())
    assert after["salt"] == doc["salt"]
    assert {(e["fingerprint"], e["reason"], e.get("note")) for e in after["entries"]} == {
        (e["fingerprint"], e["reason"], e.get("note")) for e in doc["entries"]
    }


def test_update_adds_new_and_lists_removed_stale_entries(tmp_path: Path) -> None:
    v = make_repo(tmp_path)
    run_twscan("baseline", "create", cwd=tmp_path)
    (tmp_path / "docs.md").write_text("nothing here any more\n")
    new = creds.sendgrid_key()
    (tmp_path / "src" / "more.js").write_text(f"const k = '{new}';\n")
    r = run_twscan("baseline", "update", "--reason", "false-positive", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 added" in r.stdout and "1 stale removed" in r.stdout
    assert "Removed stale entries" in r.stdout and "docs.md  twilio-account-sid" in r.stdout
    for value in (*v.values(), new):
        assert value not in r.stdout
    doc = json.loads((tmp_path / BASELINE).read_text())
    by_path = {e["path"]: e for e in doc["entries"]}
    assert "docs.md" not in by_path
    assert by_path["src/more.js"]["reason"] == "false-positive"
    assert run_twscan("scan", ".", cwd=tmp_path).returncode == 0


def test_update_of_a_subdirectory_keeps_entries_outside_it(tmp_path: Path) -> None:
    make_repo(tmp_path)
    run_twscan("baseline", "create", cwd=tmp_path)
    before = (tmp_path / BASELINE).read_text()
    r = run_twscan("baseline", "update", "scan", "src", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "0 stale removed" in r.stdout
    assert (tmp_path / BASELINE).read_text() == before


def test_inline_ignored_findings_are_not_baselined(tmp_path: Path) -> None:
    Repo(tmp_path)
    (tmp_path / "a.py").write_text(f"TWILIO_AUTH_TOKEN = '{creds.auth_token()}'  # twscan:ignore\n")
    r = run_twscan("baseline", "create", cwd=tmp_path)
    assert r.returncode == 0 and "ignored inline" in r.stdout
    assert json.loads((tmp_path / BASELINE).read_text())["entries"] == []


def test_no_baseline_reports_everything(tmp_path: Path) -> None:
    make_repo(tmp_path)
    run_twscan("baseline", "create", cwd=tmp_path)
    assert run_twscan("scan", ".", "--no-baseline", cwd=tmp_path).returncode == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON (line 1"),
        (
            '{"version": 2, "salt": "00112233445566778899aabbccddeeff", "entries": []}',
            "unsupported version 2",
        ),
        ('{"version": 1, "salt": "xyz", "entries": []}', "'salt' must be"),
        (
            '{"version": 1, "salt": "00112233445566778899aabbccddeeff", "entries": {}}',
            "'entries' must be a list",
        ),
        (
            '{"version": 1, "salt": "00112233445566778899aabbccddeeff", "entries": [{"fingerprint": "'
            + "0" * 32
            + '", "rule": "r", "path": "p", "reason": "meh"}]}',
            "entries[0]: 'reason' must be one of",
        ),
        (
            '{"version": 1, "salt": "00112233445566778899aabbccddeeff", "entries": [{"fingerprint": "'
            + "0" * 32
            + '", "rule": "r", "path": "p", "line": 3}]}',
            "entries[0]: unknown key 'line'",
        ),
    ],
)
def test_malformed_baseline_exits_2_naming_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "a.txt").write_text("nothing\n")
    (tmp_path / "b.json").write_text(content)
    r = run_twscan("scan", ".", "--baseline", "b.json", cwd=tmp_path)
    assert r.returncode == 2
    assert "malformed baseline b.json" in r.stderr and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    # A malformed baseline found on its own stops the scan just the same.
    (tmp_path / BASELINE).write_text(content)
    r = run_twscan("scan", ".", cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr


def test_missing_baseline_and_bad_mode_exit_2(tmp_path: Path) -> None:
    r = run_twscan("scan", ".", "--baseline", "nope.json", cwd=tmp_path)
    assert r.returncode == 2 and "baseline file not found: nope.json" in r.stderr
    r = run_twscan("baseline", "update", cwd=tmp_path)
    assert r.returncode == 2 and "no baseline to update" in r.stderr
    r = run_twscan("baseline", "create", "rules", cwd=tmp_path)
    assert r.returncode == 2 and "'rules' is not a scan mode" in r.stderr


# --- the git modes -----------------------------------------------------------------------


def test_baseline_from_history_matches_a_scan_of_the_files(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    tok = creds.auth_token()
    repo.commit_file("a.env", f"TWILIO_AUTH_TOKEN={tok}\n", "a")
    repo.commit_file("copy/b.env", f"TWILIO_AUTH_TOKEN={tok}\n", "a copy")
    r = run_git_mode("baseline", "create", "history", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    paths = {e["path"] for e in json.loads((tmp_path / BASELINE).read_text())["entries"]}
    assert paths == {"a.env", "copy/b.env"}  # history reports once; the baseline covers both
    assert run_twscan("scan", ".", cwd=tmp_path).returncode == 0
    assert run_git_mode("history", cwd=tmp_path).returncode == 0
    r = run_git_mode("baseline", "update", "history", cwd=tmp_path)
    assert "0 stale removed" in r.stdout


def test_staged_and_range_honour_the_baseline_and_never_prune_it(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    old, new = creds.auth_token(), creds.auth_token()
    repo.commit_file("README.md", "# p\n", "init")
    base = repo.head()
    repo.commit_file("conf/app.env", f"TWILIO_AUTH_TOKEN={old}\n", "accepted secret")
    assert run_git_mode("range", f"{base}..HEAD", cwd=tmp_path).returncode == 1
    r = run_git_mode("baseline", "create", "range", f"{base}..HEAD", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # The baseline is in the checkout only: the range's base has none, so by default nothing
    # is accepted (a pull request cannot accept its own secrets); a trusted checkout can say so.
    assert run_git_mode("range", f"{base}..HEAD", cwd=tmp_path).returncode == 1
    trusted = ("--config-from", "worktree")
    assert run_git_mode("range", f"{base}..HEAD", *trusted, cwd=tmp_path).returncode == 0
    # Run from a subdirectory with --repo: paths are still the repository's.
    (tmp_path / "conf" / "sub").mkdir()
    sub = tmp_path / "conf" / "sub"
    r = run_git_mode("range", f"{base}..HEAD", "--repo", "..", *trusted, cwd=sub)
    assert r.returncode == 0, r.stdout + r.stderr
    # Once the baseline is committed below the range, the base has it.
    repo.git("add", BASELINE)
    repo.commit("accept the secret")
    head = repo.commit_file("more.txt", "nothing\n")
    assert run_git_mode("range", f"{head}~1..{head}", cwd=tmp_path).returncode == 0
    assert run_git_mode("range", f"{base}..HEAD", "--repo", "..", cwd=sub).returncode == 1

    repo.stage("other.env", f"TWILIO_AUTH_TOKEN={new}\n")
    r = run_git_mode("staged", "-f", "json", "--show-secrets", cwd=tmp_path)
    assert r.returncode == 1
    assert [f["secret"] for f in json.loads(r.stdout)["findings"]] == [new]
    before = (tmp_path / BASELINE).read_text()
    r = run_git_mode("baseline", "update", "staged", cwd=tmp_path)
    assert r.returncode == 0 and "no entry was judged stale" in r.stdout, r.stdout
    assert len(json.loads((tmp_path / BASELINE).read_text())["entries"]) == 2
    assert run_git_mode("staged", cwd=tmp_path).returncode == 0
    assert before != (tmp_path / BASELINE).read_text()
