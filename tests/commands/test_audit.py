"""``twscan audit`` and ``twscan report`` on generated local repositories, as a new user would.

Real repositories made with the real git: a secret only on a branch, one only in a tag, one only
in history, the same Auth Token in two repositories, and one repository that cannot be cloned.
Every run goes through the real command line into a real SQLite file.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests import creds
from tests.conftest import REPO, run_twscan
from tests.gitutil import Repo


@dataclass
class Org:
    root: Path
    paths: dict[str, Path]
    secrets: dict[str, str]  # what was planted, by name
    shared_sid: str
    shared_token: str


def _pair() -> tuple[str, str]:
    return creds.account_sid(), creds.auth_token()


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    root = tmp_path_factory.mktemp("org")
    secrets: dict[str, str] = {}
    paths: dict[str, Path] = {}

    branch = Repo(root / "api")
    branch.commit_file("README.md", "# api\n", "init")
    branch.git("checkout", "-q", "-b", "feature")
    sid, tok = _pair()
    secrets["branch"] = tok
    branch.commit_file("config/dev.env", f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n",
                       "dev settings")
    branch.git("checkout", "-q", "main")
    paths["api"] = branch.path

    tagged = Repo(root / "web")
    tagged.commit_file("README.md", "# web\n", "init")
    sid, tok = _pair()
    secrets["tag"] = tok
    tagged.commit_file("release.env", f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n", "rel")
    tagged.git("tag", "v1.0")
    tagged.git("reset", "-q", "--hard", "HEAD~1")
    paths["web"] = tagged.path

    past = Repo(root / "jobs")
    sid, tok = _pair()
    secrets["history"] = tok
    past.commit_file("jobs.py", f'SID = "{sid}"\nTOKEN = "{tok}"\n', "jobs")
    past.commit_file("jobs.py", "import os\nTOKEN = os.environ['TWILIO_AUTH_TOKEN']\n", "env")
    paths["jobs"] = past.path

    shared_sid, shared_tok = _pair()
    for name in ("billing", "notify"):
        r = Repo(root / name)
        r.commit_file("settings.py", f'TWILIO_ACCOUNT_SID = "{shared_sid}"\n'
                      f'TWILIO_AUTH_TOKEN = "{shared_tok}"\n', "settings")
        paths[name] = r.path
    secrets["shared"] = shared_tok

    clean = Repo(root / "docs")
    clean.commit_file("index.md", "# nothing here\n", "docs")
    paths["docs"] = clean.path
    return Org(root, paths, secrets, shared_sid, shared_tok)


def audit(tmp: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_twscan("audit", "--mirror-dir", str(tmp / "mirrors"), "-q", *args, cwd=tmp,
                      env={"TWSCAN_AUDIT_SALT": "", **(env or {})})


def report(tmp: Path, db: Path, *args: str) -> Any:
    proc = run_twscan("report", "--db", str(db), "--format", "json", *args, cwd=tmp)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def all_paths(org: Org) -> list[str]:
    return [str(p) for p in org.paths.values()]


def test_first_audit_finds_every_planted_secret_and_names_the_broken_repository(
    org: Org, tmp_path: Path
) -> None:
    db = tmp_path / "org.sqlite"
    missing = str(org.root / "does-not-exist")
    proc = audit(tmp_path, *all_paths(org), missing, "--db", str(db), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()[-1]
    assert err.startswith("twscan: error: 1 repository could not be audited") and "does-not-exist" in err
    doc = json.loads(proc.stdout)  # the report is written before the exit 2
    by_repo: dict[str, set[str]] = {}
    for f in doc["findings"]:
        by_repo.setdefault(f["repo"].rsplit("/", 1)[-1], set()).add(f["kind"])
    assert set(by_repo) == {"api", "web", "jobs", "billing", "notify"}
    incidents = doc["incidents"]
    assert len(incidents) == 4  # branch, tag, history, and the shared one once
    shared = [i for i in incidents if len(i["repos"]) == 2]
    assert len(shared) == 1
    assert {p["repo"].rsplit("/", 1)[-1] for p in shared[0]["places"]} == {"billing", "notify"}
    assert all(p["path"] == "settings.py" and p["in_head"] for p in shared[0]["places"])
    hist = next(f for f in doc["findings"] if f["repo"].endswith("jobs"))
    assert hist["in_head"] is False and hist["paths"][0]["path"] == "jobs.py"
    assert hist["author"] and hist["commit"]
    failed = [r for r in doc["repositories"] if r["status"] == "failed"]
    assert [r["name"].rsplit("/", 1)[-1] for r in failed] == ["does-not-exist"] and failed[0]["error"]
    # the datastore: private, and no raw secret in it
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("org.sqlite*"))
    for value in (*org.secrets.values(), org.shared_sid):
        assert value.encode() not in blob
    assert not any(v in proc.stdout + proc.stderr for v in org.secrets.values())


def test_a_second_audit_reads_nothing_new_and_reports_nothing_new(org: Org, tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite"
    first = audit(tmp_path, *all_paths(org), "--db", str(db))
    assert first.returncode == 1, first.stderr
    before = report(tmp_path, db)
    again = run_twscan("audit", "--mirror-dir", str(tmp_path / "mirrors"), *all_paths(org),
                       "--db", str(db), cwd=tmp_path)
    assert again.returncode == 1, again.stderr
    assert "(6 unchanged, 0 new object(s) read)" in again.stderr
    after = report(tmp_path, db)
    assert [i["id"] for i in after["incidents"]] == [i["id"] for i in before["incidents"]]
    assert after["summary"]["new"] == 0 and not any(f["new"] for f in after["findings"])


def test_a_new_commit_is_all_a_re_audit_reads(org: Org, tmp_path: Path) -> None:
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(org.paths["docs"]), str(work)], check=True)
    repo = Repo(work)  # git init on an existing clone only re-initialises it
    for k, v in (("user.name", "Dev"), ("user.email", "dev@example.com")):
        repo.git("config", k, v)
    db = tmp_path / "org.sqlite"
    assert audit(tmp_path, str(work), "--db", str(db)).returncode == 0
    sid, tok = _pair()
    repo.commit_file("deploy.env", f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n", "oops")
    second = run_twscan("audit", "--mirror-dir", str(tmp_path / "mirrors"), str(work),
                        "--db", str(db), cwd=tmp_path)
    assert second.returncode == 1, second.stderr
    assert "(0 unchanged, 2 new object(s) read)" in second.stderr  # the commit and its blob
    doc = report(tmp_path, db)
    (incident,) = doc["incidents"]
    assert incident["new"] is True and incident["places"][0]["path"] == "deploy.env"
    assert incident["first"]["author"] == "Dev"


def test_shards_merged_equal_one_audit(org: Org, tmp_path: Path) -> None:
    salt = {"TWSCAN_AUDIT_SALT": "ci-secret-" + creds.auth_token()}
    whole = tmp_path / "whole.sqlite"
    assert audit(tmp_path, *all_paths(org), "--db", str(whole), env=salt).returncode == 1
    for i in (1, 2):
        proc = audit(tmp_path, *all_paths(org), "--shard", f"{i}/2", "--db",
                     str(tmp_path / f"s{i}.sqlite"), env=salt)
        assert proc.returncode in (0, 1), proc.stderr
    merged = tmp_path / "org.sqlite"
    for _ in range(2):  # merging the same shards twice changes nothing
        proc = run_twscan("audit", "merge", str(tmp_path / "s1.sqlite"), str(tmp_path / "s2.sqlite"),
                          "--db", str(merged), "-q", cwd=tmp_path, env=salt)
        assert proc.returncode == 1, proc.stderr

    def essence(doc: Any) -> Any:
        return sorted(
            (i["id"], i["kind"], i["severity"], i["secret"],
             sorted((p["repo"], p["path"], p["commit"], p["in_head"]) for p in i["places"]))
            for i in doc["incidents"]
        )  # fmt: skip

    one, two = report(tmp_path, whole), report(tmp_path, merged)
    assert essence(one) == essence(two)
    assert sorted(r["name"] for r in one["repositories"]) == sorted(r["name"] for r in two["repositories"])
    # a shard made with another salt is refused, not merged wrongly
    other = tmp_path / "other.sqlite"
    assert audit(tmp_path, all_paths(org)[0], "--db", str(other)).returncode == 1
    bad = run_twscan("audit", "merge", str(other), "--db", str(merged), cwd=tmp_path, env=salt)
    assert bad.returncode == 2 and "salt" in bad.stderr


def test_report_formats(org: Org, tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite"
    assert audit(tmp_path, *all_paths(org), "--db", str(db)).returncode == 1
    text = run_twscan("report", "--db", str(db), cwd=tmp_path)
    assert text.returncode == 1 and "4 incident(s)" in text.stdout
    assert "2 place(s) in 2 repositories" in text.stdout
    sarif = run_twscan("report", "--db", str(db), "--format", "sarif", cwd=tmp_path)
    assert sarif.returncode == 1
    import jsonschema

    schema = json.loads((REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json").read_text())
    log = json.loads(sarif.stdout)
    jsonschema.validate(log, schema)
    assert len(log["runs"][0]["results"]) == 5
    for proc in (text, sarif):
        assert not any(v in proc.stdout for v in org.secrets.values())
    page = tmp_path / "a.html"  # the audit itself writes any of the report's formats
    again = audit(tmp_path, *all_paths(org), "--db", str(db), "--format", "html", "-o", str(page))
    assert again.returncode == 1 and page.read_text().startswith("<!DOCTYPE html>")
    for dropped in ("--baseline", "--fail-on"):  # one repository's decisions, not an audit's
        assert dropped not in run_twscan("audit", "--help").stdout


def test_store_secrets_keeps_raw_values_only_when_asked(org: Org, tmp_path: Path) -> None:
    db = tmp_path / "raw.sqlite"
    assert audit(tmp_path, str(org.paths["billing"]), "--db", str(db), "--store-secrets").returncode == 1
    redacted = report(tmp_path, db)
    assert org.shared_token not in json.dumps(redacted)
    shown = report(tmp_path, db, "--show-secrets")
    assert shown["incidents"][0]["secret"] == org.shared_token or any(
        f["secret"] == org.shared_token for f in shown["findings"])


class _Stall(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        time.sleep(60)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def stall() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stall)
    server.daemon_threads = True
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/org/stuck.git"
    finally:
        server.shutdown()
        server.server_close()


def test_a_killed_audit_loses_only_the_repository_in_flight(
    org: Org, tmp_path: Path, stall: str
) -> None:
    db = tmp_path / "org.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TWSCAN_AUDIT_SALT": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "twscan", "audit", "--mirror-dir", str(tmp_path / "m"), "-q",
         str(org.paths["billing"]), stall, "--db", str(db)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until billing's results are in
        time.sleep(0.2)
        try:
            with sqlite3.connect(db) as c:
                if c.execute("SELECT COUNT(*) FROM findings").fetchone()[0]:
                    break
        except sqlite3.Error:
            continue
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = run_twscan("audit", "--mirror-dir", str(tmp_path / "m"), str(org.paths["billing"]),
                       "--db", str(db), cwd=tmp_path, env={"TWSCAN_AUDIT_SALT": ""})
    assert again.returncode == 1, again.stderr
    assert "(1 unchanged, 0 new object(s) read)" in again.stderr


def test_no_repositories_is_a_usage_error(tmp_path: Path) -> None:
    proc = audit(tmp_path, "--db", str(tmp_path / "x.sqlite"))
    assert proc.returncode == 2 and "no repositories to audit" in proc.stderr


def test_an_empty_shard_is_not_an_error(org: Org, tmp_path: Path) -> None:
    """A matrix job whose shard holds none of the repositories writes an empty datastore."""
    from twscan.sources.repos import from_arguments, shard_of

    (spec,) = from_arguments([str(org.paths["docs"])])
    other = 2 if shard_of(spec.name, 2) == 1 else 1
    db = tmp_path / "empty.sqlite"
    proc = run_twscan("audit", str(org.paths["docs"]), "--shard", f"{other}/2", "--db", str(db),
                      "--mirror-dir", str(tmp_path / "m"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"shard {other}/2 holds none of the 1 repositories" in proc.stderr
    assert report(tmp_path, db)["summary"]["repositories"] == 0


def test_the_html_report_of_a_real_audit_renders_in_chromium(org: Org, tmp_path: Path) -> None:
    """From the datastore to the page: every incident is a row, no raw secret is in the file,
    the page logs no error; the screenshot is kept as a test artifact."""
    from tests.browser import artifacts_dir, chromium

    db = tmp_path / "org.sqlite"
    assert audit(tmp_path, *all_paths(org), "--db", str(db)).returncode == 1
    html = tmp_path / "audit.html"
    proc = run_twscan("report", "--db", str(db), "--format", "html", "-o", str(html), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    text = html.read_text("utf-8")
    assert not any(v in text for v in (*org.secrets.values(), org.shared_sid))
    expected = [i["id"] for i in report(tmp_path, db)["incidents"]]
    for driver in chromium():
        driver.get(html.as_uri())
        rows = driver.execute_script(
            "return Array.from(document.querySelectorAll('#inc-body tr.inc'))"
            ".map(function(r){return r.dataset.id})")
        assert rows == expected  # every incident, in the datastore's risk order
        logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert logs == []
        driver.save_screenshot(str(artifacts_dir(tmp_path) / "audit-report.png"))


def test_verify_and_check_github_on_an_audit_are_kept_in_the_datastore(tmp_path: Path) -> None:
    """Live and exposed incidents come first; a re-audit within the TTL asks neither Twilio nor
    GitHub again (the exposure check's own file cache is off here: the datastore's is tested)."""
    from tests.fake_github import FakeGitHub, FakeTwilio, RealClock, new_github_token

    live_sid, live_tok = _pair()
    quiet_sid, quiet_tok = _pair()
    r = Repo(tmp_path / "svc")
    r.commit_file("live.env", f"TWILIO_ACCOUNT_SID={live_sid}\nTWILIO_AUTH_TOKEN={live_tok}\n", "a")
    r.commit_file("old.env", f"TWILIO_ACCOUNT_SID={quiet_sid}\nTWILIO_AUTH_TOKEN={quiet_tok}\n", "b")
    token = new_github_token()
    db = tmp_path / "org.sqlite"
    with FakeGitHub(token, RealClock()).running() as gh, FakeTwilio().running() as tw:
        tw.answers[(live_sid, live_tok)] = 200
        gh.add_file("leaky/app", "config.py", f'Client("{quiet_sid}")\n', [])
        args = [str(r.path), "--db", str(db), "--verify", "--verify-url", tw.url, "--check-github",
                "--github-api-url", gh.url, "--no-cache", "--format", "json"]
        env = {"GITHUB_TOKEN": token}
        first = audit(tmp_path, *args, env=env)
        assert first.returncode == 1, first.stderr
        asked = (len(tw.requests), len(gh.search_requests()))
        assert asked[0] == 2 and asked[1] == 2
        again = audit(tmp_path, *args, env=env)
        assert again.returncode == 1, again.stderr
        assert (len(tw.requests), len(gh.search_requests())) == asked
        sent = "".join(q.path + json.dumps(q.query) for q in gh.requests)
        assert live_tok not in sent and quiet_tok not in sent
    doc = json.loads(again.stdout)
    live, exposed = doc["incidents"]
    assert live["live"] == "live" and live["places"][0]["path"] == "live.env"
    assert exposed["exposed"] is True and exposed["live"] == "invalid"
    assert not any(t in again.stdout for t in (live_tok, quiet_tok))


def test_two_repositories_with_one_name_are_both_audited(tmp_path: Path) -> None:
    tokens = []
    for parent in ("a", "b"):
        r = Repo(tmp_path / parent / "x" / "repo")
        sid, tok = _pair()
        tokens.append(tok)
        r.commit_file(".env", f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n", "settings")
    db = tmp_path / "o.sqlite"
    proc = audit(tmp_path, str(tmp_path / "a/x/repo"), str(tmp_path / "b/x/repo"), "--db", str(db))
    assert proc.returncode == 1, proc.stderr
    assert "would also be named x/repo" in proc.stderr
    doc = report(tmp_path, db)
    assert len(doc["repositories"]) == 2 and len(doc["incidents"]) == 2


def test_a_deleted_branch_removes_its_secret_and_head_changes_are_seen(tmp_path: Path) -> None:
    r = Repo(tmp_path / "svc")
    r.commit_file("README.md", "# svc\n", "init")
    r.git("checkout", "-q", "-b", "feature")
    sid, tok = _pair()
    r.commit_file("f.env", f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n", "feature")
    r.git("checkout", "-q", "main")
    sid2, tok2 = _pair()
    r.commit_file("m.env", f"TWILIO_ACCOUNT_SID={sid2}\nTWILIO_AUTH_TOKEN={tok2}\n", "main")
    db = tmp_path / "o.sqlite"
    assert audit(tmp_path, str(r.path), "--db", str(db)).returncode == 1
    doc = report(tmp_path, db)
    assert sorted(p["path"] for i in doc["incidents"] for p in i["places"]) == ["f.env", "m.env"]
    assert {p["path"]: p["in_head"] for i in doc["incidents"] for p in i["places"]} == {
        "f.env": False, "m.env": True}
    r.git("branch", "-q", "-D", "feature")  # the branch is gone, and with it the secret
    r.git("rm", "-q", "m.env")
    r.commit("remove m.env")  # still in history, no longer in HEAD
    assert audit(tmp_path, str(r.path), "--db", str(db)).returncode == 1
    doc = report(tmp_path, db)
    (only,) = doc["incidents"]
    assert [p["path"] for p in only["places"]] == ["m.env"]
    assert only["in_head"] is False and only["places"][0]["in_head"] is False


def test_progress_on_a_terminal_names_each_repository_of_the_total(org: Org, tmp_path: Path) -> None:
    """On a terminal (stderr a pty): the repositories done of the total, each one's bar."""
    from tests.tty import run_on_pty

    env = {**os.environ, "PYTHONPATH": str(REPO), "TWSCAN_AUDIT_SALT": ""}
    code, text, _ = run_on_pty(
        [sys.executable, "-m", "twscan", "audit", "--mirror-dir", str(tmp_path / "m"),
         str(org.paths["billing"]), str(org.paths["docs"]), "--db", str(tmp_path / "p.sqlite"),
         "-o", os.devnull],
        cwd=tmp_path, env=env, stream="stderr",
    )
    assert code == 1, text
    billing, docs = (f"{org.root.name}/{n}" for n in ("billing", "docs"))
    assert f"\r[1/2] {billing} [" in text and "objects" in text  # the current one's bar
    assert f"[1/2] {billing}: " in text and f"[2/2] {docs}: " in text  # then a line each


def test_new_rules_read_every_object_again(tmp_path: Path) -> None:
    """Objects an older engine read are not trusted to hold nothing: with another rules file
    the next audit reads them all again, and finds what the new rule finds."""
    from tests.conftest import ACME_RULES

    r = Repo(tmp_path / "svc")
    r.commit_file("internal.env", "ACME_KEY=acme_0f1e2d3c4b5a69788796a5b4\n", "internal key")
    rules = tmp_path / "acme.toml"
    rules.write_text(ACME_RULES)
    db = tmp_path / "o.sqlite"
    assert audit(tmp_path, str(r.path), "--db", str(db)).returncode == 0
    again = run_twscan("audit", "--mirror-dir", str(tmp_path / "mirrors"), str(r.path), "--db",
                       str(db), "--rules", str(rules), cwd=tmp_path, env={"TWSCAN_AUDIT_SALT": ""})
    assert again.returncode == 1, again.stderr
    assert "(0 unchanged, 2 new object(s) read)" in again.stderr  # the commit and blob again
    (incident,) = report(tmp_path, db)["incidents"]
    assert incident["kind"] == "acme-key"
    third = run_twscan("audit", "--mirror-dir", str(tmp_path / "mirrors"), str(r.path), "--db",
                       str(db), "--rules", str(rules), cwd=tmp_path, env={"TWSCAN_AUDIT_SALT": ""})
    assert "(1 unchanged, 0 new object(s) read)" in third.stderr
