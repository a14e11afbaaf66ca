"""``twscan history``: each secret once, at the commit that introduced it, wherever it hides."""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path

import pytest

from tests.gitutil import Repo, sid, token, token_line, twscan
from twscan.core.errors import TwscanError
from twscan.core.model import Finding
from twscan.detect.engine import Detector
from twscan.sources import history
from twscan.sources.commits import MESSAGE_PATH
from twscan.sources.history import HistoryOptions, scan_history

# As `twscan history` loads it: with the detector's fast gate.
FACTORY = functools.partial(Detector.load, fast_gate=True)


def audit(repo: Path, **opts: object) -> dict[str, Finding]:
    findings, _ = scan_history(FACTORY, str(repo), HistoryOptions(**opts))  # type: ignore[arg-type]
    by_value = {f.secret: f for f in findings}
    assert len(by_value) == len(findings), "a secret was reported twice"
    return by_value


class Story:
    """One repository holding a secret in every hiding place issue 4 lists."""

    def __init__(self, root: Path) -> None:
        r = self.repo = Repo(root / "story")
        self.expected: dict[str, tuple[str, str]] = {}  # secret -> (commit, path)
        r.commit_file("README.md", "# story\n", "initial")

        self.removed = token()
        c = r.commit_file("config.py", "DEBUG = True\n" + token_line(self.removed), "add config")
        self.expected[self.removed] = (c, "config.py")
        r.commit_file("config.py", "DEBUG = True\n", "remove the token")

        self.deleted = token()
        c = r.commit_file("old/creds.env", token_line(self.deleted), "creds")
        self.expected[self.deleted] = (c, "old/creds.env")
        r.git("rm", "-q", "old/creds.env")
        r.commit("drop creds")

        self.renamed = token()
        c = r.commit_file("a/settings.ini", "[app]\n" + token_line(self.renamed), "settings")
        self.expected[self.renamed] = (c, "a/settings.ini")
        (r.path / "b").mkdir()
        r.git("mv", "a/settings.ini", "b/moved settings é.ini")
        r.commit("move settings")

        self.binary = token()
        blob = bytes(range(256)) * 8 + b"\0" + token_line(self.binary).encode() + bytes(99)
        c = r.commit_file("assets/app.bin", blob, "binary asset")
        self.expected[self.binary] = (c, "assets/app.bin")

        self.utf16 = token()
        text = "\ufeff[twilio]\r\n" + token_line(self.utf16)
        c = r.commit_file("win/app.ini", text.encode("utf-16-le"), "windows config")
        self.expected[self.utf16] = (c, "win/app.ini")

        self.message = token()
        r.write("m.txt", "m\n")
        r.add("m.txt")
        c = r.commit(f"temporary: curl -u {sid()}:{self.message} https://api.twilio.com/")
        self.expected[self.message] = (c, MESSAGE_PATH)

        self.head = token()
        c = r.commit_file("live.env", token_line(self.head), "live config")
        self.expected[self.head] = (c, "live.env")
        r.commit_file("copy.env", token_line(self.head), "copy it elsewhere")

        # an unmerged branch
        r.git("checkout", "-q", "-b", "experiment")
        self.unmerged = token()
        c = r.commit_file("exp.env", token_line(self.unmerged), "experiment")
        self.expected[self.unmerged] = (c, "exp.env")

        # only on a tag: the branch is deleted, the tag keeps the commit
        r.git("checkout", "-q", "-b", "release", "main")
        self.tagged = token()
        c = r.commit_file("release.env", token_line(self.tagged), "release")
        self.expected[self.tagged] = (c, "release.env")
        r.git("tag", "v1.0")
        r.git("checkout", "-q", "main")
        r.git("branch", "-q", "-D", "release")

        # only in a merge resolution
        r.git("checkout", "-q", "-b", "side")
        r.commit_file("shared.cfg", "side = 1\n", "side")
        r.git("checkout", "-q", "main")
        r.commit_file("shared.cfg", "main = 1\n", "main")
        subprocess.run(["git", "merge", "-q", "side"], cwd=r.path, capture_output=True)
        self.merge = token()
        r.stage("shared.cfg", "main = 1\nside = 1\n" + token_line(self.merge))
        c = r.commit("merge side")
        self.expected[self.merge] = (c, "shared.cfg")


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return Story(tmp_path_factory.mktemp("history"))


def test_every_hiding_place_is_found_at_its_commit(story: Story) -> None:
    found = audit(story.repo.path)
    for value, (commit, path) in story.expected.items():
        assert value in found, f"missed the secret expected in {path}"
        f = found[value]
        assert f.commit is not None
        assert (f.commit.sha, f.file) == (commit, path)
        assert f.extra["introduced_path"] == path
        assert f.commit.author == "Test Author" and f.commit.date.startswith("2024-")
    unexpected = set(found) - set(story.expected)
    assert not unexpected, f"{len(unexpected)} finding(s) nobody planted"


def test_head_or_history_only_and_other_places(story: Story) -> None:
    found = audit(story.repo.path)
    assert found[story.head].extra["in_head"] is True
    assert found[story.head].extra["paths"] == ["copy.env", "live.env"]
    assert found[story.head].extra["occurrences"] == 1
    for gone in (story.removed, story.deleted, story.unmerged, story.tagged):
        assert found[gone].extra["in_head"] is False
    assert found[story.renamed].extra["in_head"] is True
    assert found[story.renamed].extra["paths"] == ["a/settings.ini", "b/moved settings é.ini"]


def test_parallel_workers_agree_with_one_process(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = audit(story.repo.path, jobs=1)
    monkeypatch.setattr(history, "_SMALL", 0)
    two = audit(story.repo.path, jobs=2)
    assert {v: (f.commit, f.file) for v, f in one.items()} == {
        v: (f.commit, f.file) for v, f in two.items()
    }
    assert list(one) == list(two), "the report's order depends on which worker finished first"


def test_branches_only_leaves_out_tags(story: Story) -> None:
    found = audit(story.repo.path, refs=["--branches"])
    assert story.tagged not in found
    assert story.unmerged in found


def test_annotated_tag_message(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    c = r.commit_file("a.txt", "a\n")
    tok = token()
    r.git("tag", "-a", "v2", "-m", f"release notes\nauth token {sid()}:{tok}\n")
    found = audit(r.path)
    assert tok in found
    assert found[tok].commit is not None and found[tok].commit.sha == c


def test_same_secret_reintroduced_is_reported_once_at_the_first(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    tok = token()
    first = r.commit_file("x.env", token_line(tok))
    r.commit_file("x.env", "gone\n")
    r.commit_file("x.env", token_line(tok))
    found = audit(r.path)
    assert found[tok].commit is not None and found[tok].commit.sha == first


def test_unreachable_objects_are_not_reported_but_noted(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.commit_file("a.txt", "a\n")
    r.write("loose.env", token_line())
    r.git("hash-object", "-w", "loose.env")
    findings, summary = scan_history(Detector.load, str(r.path), HistoryOptions(jobs=1))
    assert findings == []
    assert any("no scanned ref reaches" in n for n in summary.notes)


def test_empty_repository(tmp_path: Path) -> None:
    r = Repo(tmp_path / "empty")
    findings, summary = scan_history(Detector.load, str(r.path))
    assert findings == []
    assert any("no commits" in n for n in summary.notes)


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(TwscanError, match="not a git repository"):
        scan_history(Detector.load, str(tmp_path))


def test_shallow_clone_detached_head_and_submodule(tmp_path: Path) -> None:
    src = Repo(tmp_path / "src")
    old = token()
    src.commit_file("old.env", token_line(old))
    new = token()
    src.commit_file("new.env", token_line(new))
    sub = Repo(tmp_path / "sub")
    sub.commit_file("s.txt", "s\n")
    allow = "protocol.file.allow=always"
    src.git("-c", allow, "submodule", "add", "-q", str(sub.path), "vendor/sub")
    src.commit("add submodule")
    clone = tmp_path / "clone"
    src.git("clone", "-q", "--depth", "1", f"file://{src.path}", str(clone))
    subprocess.run(["git", "checkout", "-q", "--detach"], cwd=clone, check=True)
    findings, summary = scan_history(Detector.load, str(clone))
    assert any("shallow" in n for n in summary.notes)
    assert {f.secret for f in findings} == {old, new}  # both in the one commit that is there
    assert ("vendor/sub", "submodule: scan it on its own") in summary.skipped


def test_corrupt_object_is_named(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.commit_file("a.txt", "some content to damage\n")
    oid = r.damage("HEAD:a.txt")
    with pytest.raises(TwscanError, match=oid):
        scan_history(Detector.load, str(r.path))


def test_cli_json_report(story: Story) -> None:
    proc = twscan("history", "--format", "json", "--quiet", cwd=story.repo.path)
    assert proc.returncode == 1, proc.stderr
    for value in story.expected:
        assert value not in proc.stdout, "a secret was printed"
    doc = json.loads(proc.stdout)
    items = doc["findings"] if isinstance(doc, dict) else doc
    assert len(items) == len(story.expected)
    for item in items:
        assert {"commit", "author", "date", "paths", "occurrences", "in_head"} <= set(item)


def test_a_sid_is_folded_into_its_pair(tmp_path: Path) -> None:
    """The SID of a reported pair is not reported again where it stands alone."""
    r = Repo(tmp_path / "r")
    account, tok = sid(), token()
    r.commit_file("app.env", f"TWILIO_ACCOUNT_SID={account}\nTWILIO_AUTH_TOKEN={tok}\n")
    r.commit_file("other.cfg", f"account = {account}\n")
    found = audit(r.path)
    assert set(found) == {tok}
    pair = found[tok].pair
    assert pair is not None and pair.secret == account


def test_progress_bar_draws_only_on_a_terminal() -> None:
    import io

    from twscan.core.progress import Progress

    quiet = io.StringIO()
    p = Progress(10, 1000, stream=quiet)
    p.update(5, 500, force=True)
    assert quiet.getvalue() == ""  # StringIO is not a TTY
    shown = io.StringIO()
    p = Progress(10, 2_000_000, enabled=True, stream=shown)
    p.update(5, 1_000_000, force=True)
    p.finish()
    text = shown.getvalue()
    assert "5/10 objects" in text and "MB/s" in text and "ETA" in text
    assert text.endswith("\r")


def test_blobs_over_the_size_limit_are_listed_as_skipped(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.commit_file("big.env", token_line() + "x" * 5000)
    small = token()
    r.commit_file("small.env", token_line(small))
    findings, summary = scan_history(FACTORY, str(r.path), HistoryOptions(max_size=1000))
    assert {f.secret for f in findings} == {small}
    assert [p for p, _ in summary.skipped] == ["big.env"]
