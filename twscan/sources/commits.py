"""The commits of a revision range: what a pull request or a push would bring in.

Only commits in the range are looked at, and in each only what that commit itself changed: a
path's new blob is compared with the blob it replaces in the parent (for a rename, the source
path's), and a merge is shown with ``-c`` so that only paths differing from *every* parent
count, which is exactly a conflict resolution's own content. A branch merged in from elsewhere
therefore brings no findings with it, and neither do commits outside the range.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from twscan import git
from twscan.errors import TwscanError
from twscan.git import RawEntry
from twscan.model import CommitInfo, Finding, ScanSummary
from twscan.sources import BlobScanner, introduced, secret_values

Repo = str | os.PathLike[str]

#: Pseudo path under which a secret found in a commit message is reported.
MESSAGE_PATH = "<commit message>"

_ZERO_BASE = re.compile(r"^0+(\.\.\.?)(.*)$")
_SEP = "\x1f"
_FORMAT = "%x01" + "%x1f".join(["%H", "%P", "%an", "%ae", "%aI"])


@dataclass
class Commit:
    info: CommitInfo
    parents: list[str]
    entries: list[RawEntry] = field(default_factory=list)


def commit_info_from_header(header: bytes) -> tuple[CommitInfo, list[str]]:
    """Parse the ``_FORMAT`` header that precedes each commit's entries."""
    text = header.lstrip(b"\n\x01").decode("utf-8", "replace")
    sha, parents, name, email, date = (text.split(_SEP) + [""] * 5)[:5]
    return CommitInfo(sha=sha, author=name, email=email, date=date), parents.split()


def log_commits(repo: Repo, rev_args: Sequence[str]) -> Iterator[Commit]:
    """Each commit of ``git log REV_ARGS`` (oldest first) with the raw changes it made."""
    args = [
        "log", "--reverse", "--topo-order", "--raw", "-z", "--no-abbrev", "-M", "-c", "--root",
        "--no-ext-diff", "--ignore-submodules=none", f"--format={_FORMAT}", *rev_args, "--",
    ]  # fmt: skip
    out = git.run(args, cwd=repo)
    current: Commit | None = None
    for item in git.iter_raw(iter(git.zsplit(out))):
        if isinstance(item, RawEntry):
            if current is not None:
                current.entries.append(item)
        elif item.lstrip(b"\n")[:1] == b"\x01":
            if current is not None:
                yield current
            info, parents = commit_info_from_header(item)
            current = Commit(info, parents)
    if current is not None:
        yield current


def has_commit(repo: Repo, sha: str) -> bool:
    return git.run_rc(["cat-file", "-e", f"{sha}^{{commit}}"], cwd=repo)[0] == 0


def commit_message(data: bytes) -> bytes:
    """The message of a raw commit or tag object: everything after the header block."""
    cut = data.find(b"\n\n")
    return data[cut + 2 :] if cut >= 0 else b""


# --- which revisions ---------------------------------------------------------------------


def range_revs(revs: Sequence[str], since: str | None = None) -> list[str]:
    """Turn the user's range into ``git rev-list`` arguments.

    ``--since REV`` means ``REV..HEAD``. An all-zero base (what git hands a pre-push hook for a
    new branch) means "the commits no remote ref already has", not the whole history.
    """
    specs = list(revs)
    if since is not None:
        specs.append(f"{since}..HEAD")
    if not specs:
        raise TwscanError("give a revision range such as origin/main..HEAD, or --since REV")
    out: list[str] = []
    for spec in specs:
        m = _ZERO_BASE.match(spec)
        if m:
            out += [m.group(2) or "HEAD", "--not", "--remotes", "--not"]
        elif git.is_zero(spec) and spec:
            raise TwscanError("an all-zero revision is only meaningful as the base of a range")
        else:
            out.append(spec)
    # A trailing "--not" toggles nothing that follows; drop it so rev-list sees clean args.
    while out and out[-1] == "--not":
        out.pop()
    return out


def pre_push_revs(
    env: Mapping[str, str],
    stdin_lines: Sequence[str],
    known: Callable[[str], bool] = lambda sha: True,
) -> list[str] | None:
    """The pushed commits, from pre-commit's variables or git's own pre-push hook input.

    pre-commit sets PRE_COMMIT_FROM_REF/TO_REF (already resolved for a new branch), or only
    PRE_COMMIT_LOCAL_BRANCH when the whole branch is new. A plain git hook reads
    ``<local ref> <local sha> <remote ref> <remote sha>`` lines. Commits any remote-tracking
    ref of the pushed-to remote already has are left out: they were pushed before.
    A remote sha this clone does not have (someone pushed since the last fetch) cannot bound
    the range; ``known`` tells, and such a push is treated like a new branch.
    Returns None when nothing is being pushed.
    """
    remote = env.get("PRE_COMMIT_REMOTE_NAME") or ""
    not_remote = ["--not", f"--remotes={remote}" if remote else "--remotes"]
    src, dst = env.get("PRE_COMMIT_FROM_REF"), env.get("PRE_COMMIT_TO_REF")
    if src and dst:
        if git.is_zero(src):
            return [dst, *not_remote]
        return [f"{src}..{dst}", *(not_remote if remote else [])]
    if env.get("PRE_COMMIT_LOCAL_BRANCH"):
        return [env["PRE_COMMIT_LOCAL_BRANCH"], *not_remote]
    revs: list[str] = []
    for line in stdin_lines:
        parts = line.split()
        if len(parts) != 4 or git.is_zero(parts[1]):
            continue  # malformed, or a branch deletion: nothing to scan
        local_sha, remote_sha = parts[1], parts[3]
        if git.is_zero(remote_sha) or not known(remote_sha):
            revs += [local_sha, "--not", "--remotes", "--not"]
        else:
            revs += [local_sha, f"^{remote_sha}"]
    if stdin_lines:
        while revs and revs[-1] == "--not":
            revs.pop()
        return revs or None
    return ["HEAD", "--not", "--remotes"]


# --- scanning ----------------------------------------------------------------------------


class _BlobCache:
    """Scan each distinct blob once, however many commits or paths hold it."""

    def __init__(
        self, scanner: BlobScanner, repo: Repo, summary: ScanSummary, max_size: int | None
    ) -> None:
        self.scanner = scanner
        self.repo = repo
        self.summary = summary
        self.max_size = max_size
        self.found: dict[bytes, list[Finding]] = {}
        self.types: dict[bytes, bytes] = {}

    def load(self, wanted: dict[bytes, str]) -> None:
        """Read and scan the objects not seen yet; ``wanted`` maps id to a display path."""
        todo = [oid for oid in wanted if oid not in self.found]
        if not todo:
            return
        with git.BatchReader(todo, cwd=self.repo) as reader:
            for obj in reader:
                self.types[obj.oid] = obj.type
                data = obj.data
                path = wanted[obj.oid]
                if obj.type != b"blob":
                    data = commit_message(data)
                elif self.max_size is not None and len(data) > self.max_size:
                    reason = f"larger than the size limit ({len(data)} > {self.max_size} bytes)"
                    self.summary.skipped.append((path, reason))
                    self.found[obj.oid] = []
                    continue
                else:
                    self.summary.files_scanned += 1
                self.summary.bytes_scanned += len(data)
                self.found[obj.oid] = self.scanner.scan_bytes(data, path)

    def values(self, oids: Sequence[bytes]) -> set[str]:
        out: set[str] = set()
        for oid in oids:
            out |= secret_values(self.found.get(oid, ()))
        return out


def scan_commits(
    scanner: BlobScanner, repo: Repo, rev_args: Sequence[str], max_size: int | None = None
) -> tuple[list[Finding], ScanSummary]:
    """Findings for the secrets each commit of the range introduces, oldest commit first.

    A secret is reported once per path (and once for commit messages), at the first commit of
    the range that introduced it there. Blobs over ``max_size`` bytes are listed as skipped.
    """
    started = time.perf_counter()
    git.require_repo(repo)
    summary = ScanSummary()
    if git.run(["rev-parse", "--is-shallow-repository"], cwd=repo).strip() == b"true":
        summary.notes.append("shallow clone: commits before the shallow boundary are not there")
    try:
        commits = list(log_commits(repo, rev_args))
    except git.GitError:
        if git.run_rc(["rev-parse", "-q", "--verify", "HEAD"], cwd=repo)[0] != 0:
            raise TwscanError(
                "the repository has no commits yet: there is no range to scan"
            ) from None
        raise
    summary.commits_scanned = len(commits)

    cache = _BlobCache(scanner, repo, summary, max_size)
    wanted: dict[bytes, str] = {}
    skipped: set[str] = set()
    for c in commits:
        wanted[c.info.sha.encode()] = MESSAGE_PATH
        for e in c.entries:
            if e.is_gitlink:
                skipped.add(git.display_path(e.path))
            elif not e.is_deletion and e.new_oid not in e.old_oids:
                wanted.setdefault(e.new_oid, git.display_path(e.path))
    cache.load(wanted)
    summary.skipped.extend((p, "submodule: scan it on its own") for p in sorted(skipped))

    # Old sides are needed only where the new blob holds something.
    old_wanted: dict[bytes, str] = {}
    for c in commits:
        for e in c.entries:
            if cache.found.get(e.new_oid) and e.new_oid not in e.old_oids:
                for oid in e.old_oids:
                    if not git.is_zero(oid):
                        old_wanted.setdefault(oid, git.display_path(e.old_path or e.path))
    cache.load(old_wanted)

    findings: list[Finding] = []
    reported: set[tuple[str, tuple[str, ...]]] = set()

    def report(found: list[Finding], path: str, commit: CommitInfo, old: set[str]) -> None:
        for f in introduced(found, old):
            key = (path, tuple(sorted(secret_values([f]))))
            if key not in reported:
                reported.add(key)
                # a copy: one scanned blob can be reported at several commits
                findings.append(f.replace(file=path, commit=commit, extra=dict(f.extra)))

    for c in commits:
        report(cache.found.get(c.info.sha.encode(), []), MESSAGE_PATH, c.info, set())
        for e in c.entries:
            found = cache.found.get(e.new_oid)
            if not found or e.is_deletion or e.new_oid in e.old_oids:
                continue
            path = git.display_path(e.path)
            report(found, path, c.info, cache.values(e.old_oids))
    summary.duration_s = time.perf_counter() - started
    return findings, summary
