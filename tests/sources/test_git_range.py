"""``twscan range``: only the commits of the range, each finding at the commit that added it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.gitutil import Repo, detector, secrets_of, sid, token, token_line, twscan
from twscan.core.errors import TwscanError
from twscan.core.model import Finding
from twscan.sources.commits import (
    MESSAGE_PATH,
    EmptyRangeError,
    Revisions,
    pre_push_ranges,
    resolve_range,
    scan_commits,
)

ZERO = "0" * 40


def scan(repo: Repo, *revs: str, since: str | None = None) -> list[Finding]:
    findings, _ = scan_commits(detector(), repo.path, resolve_range(repo.path, list(revs), since))
    return findings


def by_secret(findings: list[Finding]) -> dict[str, Finding]:
    return {f.secret: f for f in findings}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """main holds an old secret and is pushed to a bare ``origin``."""
    r = Repo(tmp_path / "work")
    r.commit_file("README.md", "# project\n", "initial")
    r.commit_file("old.env", token_line(), "old secret on main")
    Repo(tmp_path / "origin.git", bare=True)
    r.git("remote", "add", "origin", str(tmp_path / "origin.git"))
    r.git("push", "-q", "origin", "main")
    return r


def test_feature_range_reports_only_its_own_commits(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    tok = token()
    added = repo.commit_file("feature.env", token_line(tok), "add feature config")
    repo.commit_file("notes.txt", "nothing here\n", "notes")
    findings = scan(repo, "main..feature")
    assert secrets_of(findings) == {tok}
    f = findings[0]
    assert f.file == "feature.env"
    assert f.commit is not None
    assert f.commit.sha == added
    assert f.commit.author == "Test Author"
    assert f.commit.email == "author@example.com"
    assert f.commit.date.startswith("2024-01-01T")


def test_since_means_rev_to_head(repo: Repo) -> None:
    base = repo.head()
    tok = token()
    repo.commit_file("b.env", token_line(tok))
    assert secrets_of(scan(repo, since=base)) == {tok}
    with pytest.raises(EmptyRangeError, match="holds no commits"):
        scan(repo, since="HEAD")  # an empty range checked nothing: it is not a clean one


def test_secret_added_then_removed_inside_the_range(repo: Repo) -> None:
    base = repo.head()
    tok = token()
    added = repo.commit_file("tmp.env", token_line(tok), "oops")
    repo.git("rm", "-q", "tmp.env")
    repo.commit("remove it")
    findings = scan(repo, f"{base}..HEAD")
    assert [(f.secret, f.commit.sha if f.commit else None) for f in findings] == [(tok, added)]


def test_old_secret_touched_renamed_or_deleted_is_not_reported(repo: Repo) -> None:
    base = repo.head()
    old = repo.read("old.env")
    repo.commit_file("old.env", "# comment\n" + old, "touch")
    repo.git("mv", "old.env", "renamed.env")
    repo.commit("rename")
    repo.git("rm", "-q", "renamed.env")
    repo.commit("delete")
    assert scan(repo, f"{base}..HEAD") == []


def test_token_replaced_by_another(repo: Repo) -> None:
    base = repo.head()
    new = token()
    repo.commit_file("old.env", token_line(new), "rotate")
    assert secrets_of(scan(repo, f"{base}..HEAD")) == {new}


def test_secret_in_commit_message(repo: Repo) -> None:
    base = repo.head()
    account, tok = sid(), token()
    repo.write("x.txt", "x\n")
    repo.add("x.txt")
    c = repo.commit(f"debug: client = Client('{account}', '{tok}')")
    findings = scan(repo, f"{base}..HEAD")
    assert findings and {f.file for f in findings} == {MESSAGE_PATH}
    assert tok in secrets_of(findings)
    assert all(f.commit is not None and f.commit.sha == c for f in findings)


def test_merge_resolution_introducing_a_secret(repo: Repo) -> None:
    base = repo.head()
    repo.git("checkout", "-q", "-b", "side")
    repo.commit_file("conf.txt", "side\n", "side edit")
    repo.git("checkout", "-q", "main")
    repo.commit_file("conf.txt", "main\n", "main edit")
    proc = subprocess.run(["git", "merge", "-q", "side"], cwd=repo.path, capture_output=True)
    assert proc.returncode != 0  # a conflict, resolved by hand below
    tok = token()
    repo.stage("conf.txt", "resolved\n" + token_line(tok))
    merge = repo.commit("merge side")
    findings = scan(repo, f"{base}..HEAD")
    assert [(f.secret, f.commit.sha if f.commit else "") for f in findings] == [(tok, merge)]


def test_branch_merged_in_from_outside_the_range_brings_nothing(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "other")
    repo.commit_file("other.env", token_line(), "other branch secret")
    repo.git("push", "-q", "origin", "other")
    repo.git("checkout", "-q", "-b", "feature", "main")
    tok = token()
    repo.commit_file("feature.env", token_line(tok), "feature secret")
    repo.merge("other")
    # what a push of feature brings: the remote already has `other`
    env = {"PRE_COMMIT_FROM_REF": ZERO, "PRE_COMMIT_TO_REF": repo.head()}
    revs = pre_push_ranges(repo.path, env, [])
    assert revs is not None
    findings, _ = scan_commits(detector(), repo.path, revs)
    assert secrets_of(findings) == {tok}


def test_new_branch_with_zero_base_scans_only_unpushed_commits(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    tok = token()
    repo.commit_file("feature.env", token_line(tok))
    assert secrets_of(scan(repo, f"{ZERO}..feature")) == {tok}
    assert secrets_of(scan(repo, f"{ZERO}..{repo.head()}")) == {tok}


def _shape(r: Revisions) -> tuple[list[str], list[str], str | None]:
    return r.include, r.exclude, r.base


def test_pre_push_ranges_from_pre_commit_and_git(repo: Repo) -> None:
    a = repo.head()
    b = repo.commit_file("b.txt", "b\n")
    origin_main = repo.git("rev-parse", "refs/remotes/origin/main")
    got = pre_push_ranges(repo.path, {"PRE_COMMIT_FROM_REF": a, "PRE_COMMIT_TO_REF": b}, [])
    assert got is not None and _shape(got[0]) == ([b], [a], a)
    env = {"PRE_COMMIT_FROM_REF": a, "PRE_COMMIT_TO_REF": b, "PRE_COMMIT_REMOTE_NAME": "origin"}
    got = pre_push_ranges(repo.path, env, [])
    assert got is not None and _shape(got[0]) == ([b], list(dict.fromkeys([a, origin_main])), a)
    env = {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin"}
    got = pre_push_ranges(repo.path, env, [])
    assert got is not None and _shape(got[0]) == ([b], [origin_main], origin_main)
    lines = [f"refs/heads/x {b} refs/heads/x {a}\n", f"refs/heads/y {b} refs/heads/y {ZERO}\n"]
    got = pre_push_ranges(repo.path, {}, lines)
    assert got is not None and [_shape(r) for r in got] == [
        ([b], [a], a),
        ([b], [origin_main], origin_main),
    ]
    assert pre_push_ranges(repo.path, {}, [f"(delete) {ZERO} refs/heads/x {a}\n"]) is None
    got = pre_push_ranges(repo.path, {}, [])
    assert got is not None and _shape(got[0]) == ([b], [origin_main], origin_main)
    unknown = pre_push_ranges(repo.path, {}, lines[:1], known=lambda sha: False)
    assert unknown is not None and _shape(unknown[0]) == ([b], [origin_main], origin_main)


def test_resolve_range(repo: Repo) -> None:
    a = repo.head()
    b = repo.commit_file("b.txt", "b\n")
    assert _shape(resolve_range(repo.path, ["HEAD~1..HEAD"])) == ([b], [a], a)
    assert _shape(resolve_range(repo.path, [], since="HEAD~1")) == ([b], [a], a)
    # a new branch: what no remote-tracking ref has; its base is where it grows from
    assert _shape(resolve_range(repo.path, [f"{ZERO}..main"])) == ([b], [a], a)
    with pytest.raises(TwscanError):
        resolve_range(repo.path, [])


def test_bad_revision_and_empty_repository(repo: Repo, tmp_path: Path) -> None:
    with pytest.raises(TwscanError, match="no-such-branch"):
        scan(repo, "main..no-such-branch")
    empty = Repo(tmp_path / "empty")
    with pytest.raises(TwscanError, match="no commits"):
        scan(empty, since="HEAD~1")


def test_shallow_clone_is_noted(repo: Repo, tmp_path: Path) -> None:
    repo.commit_file("c.txt", "c\n")
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    findings, summary = scan_commits(detector(), clone, resolve_range(clone, ["HEAD"]))
    assert any("shallow" in n for n in summary.notes)


def test_cli_json_carries_commit_author_and_date(repo: Repo) -> None:
    base = repo.head()
    tok = token()
    c = repo.commit_file("j.env", token_line(tok))
    proc = twscan("range", f"{base}..HEAD", "--format", "json", cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    assert tok not in proc.stdout
    doc = json.loads(proc.stdout)
    items = doc["findings"] if isinstance(doc, dict) else doc
    assert items[0]["commit"] == c
    assert items[0]["author"]
    assert items[0]["date"].startswith("2024-01-01")
    empty = twscan("range", "--since", "HEAD", cwd=repo.path)
    assert empty.returncode == 2 and "holds no commits" in empty.stderr
    assert twscan("range", "--since", "HEAD", "--allow-empty", cwd=repo.path).returncode == 0
