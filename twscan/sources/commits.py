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
from twscan.core.errors import TwscanError
from twscan.core.model import CommitInfo, Finding, ScanSummary
from twscan.git import RawEntry
from twscan.sources import BlobScanner, introduced, secret_values

Repo = str | os.PathLike[str]

#: Pseudo path under which a secret found in a commit message is reported.
MESSAGE_PATH = "<commit message>"

_ZERO_BASE = re.compile(r"^0+(\.\.\.?)(.*)$")
_SEP = "\x1f"
_FORMAT = "%x01" + "%x1f".join(["%H", "%P", "%an", "%ae", "%aI"])


class EmptyRangeError(TwscanError):
    """A range that resolves to no commits where commits were expected."""


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


def log_commits(repo: Repo, revs: Revisions) -> Iterator[Commit]:
    """Each commit of the range (oldest first) with the raw changes it made.

    The range goes to git on standard input as commit ids only (``--stdin``), so nothing a
    user, a branch name or a push can put there is ever read as an option.
    """
    args = [
        "log", "--reverse", "--topo-order", "--raw", "-z", "--no-abbrev", "-M", "-c", "--root",
        "--no-ext-diff", "--no-textconv", "--ignore-submodules=none", f"--format={_FORMAT}",
        "--stdin", "--",
    ]  # fmt: skip
    out = git.run(args, cwd=repo, stdin=revs.stdin())
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


@dataclass
class Revisions:
    """A range resolved to commit ids: what it includes, what it leaves out, and its base.

    ``base`` is the commit whose configuration and baseline govern the range (the one it is
    merged into or pushed onto), None when the range reaches back to the root commits.
    ``label`` is the range as the user or the push named it, for messages.
    """

    include: list[str]
    exclude: list[str] = field(default_factory=list)
    base: str | None = None
    label: str = ""
    #: An empty range is expected (a push of commits the remote already has), not an error.
    may_be_empty: bool = False

    def stdin(self) -> bytes:
        lines = [*self.include, *(f"^{x}" for x in self.exclude)]
        return "".join(f"{line}\n" for line in lines).encode("ascii")


_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def resolve_range(repo: Repo, specs: Sequence[str], since: str | None = None) -> Revisions:
    """Turn the user's range into commit ids, refusing anything git could read as an option.

    ``--since REV`` means ``REV..HEAD``. An all-zero base (what git hands a pre-push hook for
    a new branch) means the commits that no remote-tracking ref already has, the branch's own
    remote-tracking refs aside: in a CI clone the pushed branch is on the remote already, and
    leaving it in would leave nothing to scan.
    """
    wanted = list(specs)
    if since is not None:
        wanted.append(f"{since}..HEAD")
    if not wanted:
        raise TwscanError("give a revision range such as origin/main..HEAD, or --since REV")
    git.require_repo(repo)
    include: list[str] = []
    exclude: list[str] = []
    explicit_at: int | None = None  # where the first explicit base (^A of A..B) is in exclude
    for spec in wanted:
        m = _ZERO_BASE.match(spec)
        if m:
            tip_name = m.group(2) or "HEAD"
            tip = resolve_commit(repo, tip_name)
            include.append(tip)
            exclude += remote_tips(repo, own_branch=tip_name, tip=tip)
            continue
        if git.is_zero(spec) and spec:
            raise TwscanError("an all-zero revision is only meaningful as the base of a range")
        for line in _rev_parse(repo, spec):
            if line.startswith("^"):
                if explicit_at is None:
                    explicit_at = len(exclude)
                exclude.append(line[1:])
            else:
                include.append(line)
    # One rev-parse peels them all: the explicit bases are among the excluded.
    peeled = _commits(repo, include + exclude)
    include, exclude = peeled[: len(include)], peeled[len(include) :]
    base = exclude[explicit_at] if explicit_at is not None else boundary(repo, include, exclude)
    return Revisions(_unique(include), _unique(exclude), base, " ".join(wanted))


def _refuse_option(word: str, what: str) -> None:
    """A revision is never an option (``--output=F``) nor holds a line break for git's stdin."""
    if not word or word.startswith("-") or "\n" in word or "\0" in word:
        raise TwscanError(f"not a {what}: {word!r}")


def _rev_parse(repo: Repo, spec: str) -> list[str]:
    """``git rev-parse`` of one revision or range, as ids and ``^``ids."""
    _refuse_option(spec, "revision or range")
    rc, out, _ = git.run_rc(["rev-parse", "--revs-only", "--end-of-options", spec], cwd=repo)
    lines = out.decode("ascii", "replace").split()
    if rc != 0 or not lines or not all(_OID.fullmatch(ln.removeprefix("^")) for ln in lines):
        raise _unknown(repo, f"unknown revision or range: {spec!r}")
    return lines


def _unknown(repo: Repo, message: str) -> TwscanError:
    """The error for a revision git does not know, plainer in a repository without commits."""
    if git.run_rc(["rev-parse", "-q", "--verify", "HEAD"], cwd=repo)[0] != 0:
        return TwscanError("the repository has no commits yet: there is no range to scan")
    return TwscanError(message)


def resolve_commit(repo: Repo, rev: str) -> str:
    """The commit a revision names; an error naming it when there is none."""
    _refuse_option(rev, "revision")
    rc, out, _ = git.run_rc(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd=repo
    )
    oid = out.decode("ascii", "replace").strip()
    if rc != 0 or not _OID.fullmatch(oid):
        raise _unknown(repo, f"unknown revision: {rev!r} (no such commit)")
    return oid


def _commits(repo: Repo, oids: list[str]) -> list[str]:
    """The commits these ids name (an annotated tag names its commit)."""
    if not oids:
        return []
    rc, out, _ = git.run_rc(
        ["rev-parse", "--revs-only", "--end-of-options", *(f"{o}^{{commit}}" for o in oids)],
        cwd=repo,
    )
    lines = out.decode("ascii", "replace").split()
    if rc != 0 or len(lines) != len(oids):
        raise TwscanError(f"not a commit: {' '.join(oids)}"[:400])
    return lines


def _unique(oids: list[str]) -> list[str]:
    return list(dict.fromkeys(oids))


def remote_tips(
    repo: Repo,
    remote: str | None = None,
    *,
    own_branch: str | None = None,
    tip: str | None = None,
) -> list[str]:
    """The commits the remote-tracking refs (of ``remote``, or all) point at.

    With ``tip``, the refs that are the range's own branch already pushed are left out: any
    ref at the tip itself, and the branch's remote-tracking namesake when it holds the tip
    (a CI clone of the pushed branch). A namesake behind the tip still bounds the range.
    """
    prefix = f"refs/remotes/{remote}/" if remote else "refs/remotes/"
    out = git.run(["for-each-ref", "--format=%(objectname) %(refname)", prefix], cwd=repo)
    short = own_branch.removeprefix("refs/heads/") if own_branch else None
    holding: set[str] = set()
    if tip is not None and short:
        args = ["for-each-ref", "--format=%(refname)", f"--contains={tip}", prefix]
        holding = set(git.run(args, cwd=repo).decode("utf-8", "replace").split())
    tips: list[str] = []
    for line in out.decode("utf-8", "replace").splitlines():
        oid, _, ref = line.partition(" ")
        if ref.endswith("/HEAD"):
            continue  # a symbolic ref: its target is listed under its own name
        if oid == tip or (ref in holding and ref.split("/", 3)[-1] == short):
            continue
        tips.append(oid)
    return _commits(repo, _unique(tips))


def local_tips(repo: Repo) -> list[str]:
    """The commits every local branch and tag points at."""
    out = git.run(["for-each-ref", "--format=%(objectname)", "refs/heads/", "refs/tags/"], cwd=repo)
    return _commits(repo, _unique(out.decode("ascii", "replace").split()))


def boundary(repo: Repo, include: list[str], exclude: list[str]) -> str | None:
    """The newest commit the range grows from (one left out that a commit of it has as
    parent), None when the range reaches the root."""
    if not include:
        return None
    revs = Revisions(include, exclude)
    out = git.run(["rev-list", "--boundary", "--stdin", "--"], cwd=repo, stdin=revs.stdin())
    for line in out.decode("ascii", "replace").split():
        if line.startswith("-"):
            return line[1:]
    return None


def pre_push_ranges(
    repo: Repo,
    env: Mapping[str, str],
    stdin_lines: Sequence[str],
    known: Callable[[str], bool] = lambda sha: True,
) -> list[Revisions] | None:
    """The pushed commits, from pre-commit's variables or git's own pre-push hook input.

    pre-commit sets PRE_COMMIT_FROM_REF/TO_REF (already resolved for a new branch), or only
    PRE_COMMIT_LOCAL_BRANCH when the whole branch is new. It tells a hook about the first
    pushed ref only, so under pre-commit's hook the push's other refs are found too (see
    :func:`_also_pushed`): ``git push origin a b`` cannot slip ``b`` through. Every range may
    be empty: a push of commits the remote already has brings nothing new. A
    plain git hook reads ``<local ref> <local sha> <remote ref> <remote sha>`` lines, one per
    pushed ref. Commits any remote-tracking ref of the pushed-to remote already has are left
    out: they were pushed before. A remote sha this clone does not have (someone pushed since
    the last fetch) cannot bound the range; ``known`` tells, and such a push is treated like a
    new branch. Returns None when nothing is being pushed.
    """
    ranges = _pushed_ranges(repo, env, stdin_lines, known)
    for r in ranges or ():
        r.may_be_empty = True
    return ranges


def _pushed_ranges(
    repo: Repo,
    env: Mapping[str, str],
    stdin_lines: Sequence[str],
    known: Callable[[str], bool],
) -> list[Revisions] | None:
    git.require_repo(repo)
    remote = env.get("PRE_COMMIT_REMOTE_NAME") or None
    src, dst = env.get("PRE_COMMIT_FROM_REF"), env.get("PRE_COMMIT_TO_REF")
    local_branch = env.get("PRE_COMMIT_LOCAL_BRANCH")
    if (src and dst) or local_branch:
        ranges: list[Revisions] = []
        if src and dst:
            tip = resolve_commit(repo, dst)
            if git.is_zero(src):
                ranges.append(_grow(repo, tip, remote_tips(repo, remote), dst))
            else:
                old = resolve_commit(repo, src)
                extra = remote_tips(repo, remote) if remote else []
                ranges.append(Revisions([tip], _unique([old, *extra]), old, f"{src}..{dst}"))
        else:
            assert local_branch is not None
            tip = resolve_commit(repo, local_branch)
            ranges.append(_grow(repo, tip, remote_tips(repo, remote), local_branch))
        if remote:  # a real push through pre-commit's hook, not `pre-commit run --from-ref`
            ranges += _also_pushed(repo, remote, ranges[0].include)
        return ranges
    ranges = []
    for line in stdin_lines:
        parts = line.split()
        if len(parts) != 4 or git.is_zero(parts[1]):
            continue  # malformed, or a branch deletion: nothing to scan
        local_sha, remote_sha = parts[1], parts[3]
        tip = resolve_commit(repo, local_sha)
        if git.is_zero(remote_sha) or not _OID.fullmatch(remote_sha) or not known(remote_sha):
            ranges.append(_grow(repo, tip, remote_tips(repo), parts[0]))
        else:
            ranges.append(Revisions([tip], [remote_sha], remote_sha, f"{remote_sha}..{local_sha}"))
    if stdin_lines:
        return ranges or None
    return [_grow(repo, resolve_commit(repo, "HEAD"), remote_tips(repo), "HEAD")]


def _also_pushed(repo: Repo, remote: str, named: list[str]) -> list[Revisions]:
    """The other refs of the push that pre-commit did not name (see :mod:`.pushed`): those
    the push command names, or, where it cannot be read exactly, every local branch and tag
    the remote does not have."""
    from twscan.sources import pushed

    words = pushed.push_command()
    sources = pushed.pushed_sources(repo, words) if words is not None else None
    unpushed = remote_tips(repo, remote)
    if sources is None:
        others = [t for t in local_tips(repo) if t not in named]
        if not others:
            return []
        label = "the local branches and tags the remote does not have"
        return [Revisions(others, unpushed, boundary(repo, others, unpushed), label)]
    ranges = []
    for src in sources:
        tip = resolve_commit(repo, src)
        if tip not in named:
            ranges.append(_grow(repo, tip, unpushed, src))
    return ranges


def _grow(repo: Repo, tip: str, exclude: list[str], label: str) -> Revisions:
    """A new branch: its commits that none of ``exclude`` has, based where it grows from."""
    return Revisions([tip], exclude, boundary(repo, [tip], exclude), label)


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
    scanner: BlobScanner,
    repo: Repo,
    revs: Revisions | Sequence[Revisions],
    max_size: int | None = None,
) -> tuple[list[Finding], ScanSummary]:
    """Findings for the secrets each commit of the range(s) introduces, oldest commit first.

    A secret is reported once per path (and once for commit messages), at the first commit of
    the range that introduced it there. Blobs over ``max_size`` bytes are listed as skipped.
    Several ranges (the refs of one push) are scanned as one: each commit once.
    A range with no commits is an error unless it ``may_be_empty``: a gate that checked
    nothing must not pass as if it had checked something.
    """
    started = time.perf_counter()
    git.require_repo(repo)
    summary = ScanSummary()
    if git.run(["rev-parse", "--is-shallow-repository"], cwd=repo).strip() == b"true":
        summary.notes.append("shallow clone: commits before the shallow boundary are not there")
    summary.notes.extend(git.rewrite_notes(repo))
    ranges = [revs] if isinstance(revs, Revisions) else list(revs)
    commits: list[Commit] = []
    seen: set[str] = set()
    for r in ranges:
        got = [c for c in log_commits(repo, r) if c.info.sha not in seen]
        if not got and not r.may_be_empty:
            raise EmptyRangeError(
                f"the range {r.label} holds no commits: every commit it names is already in "
                "what it excludes (a reversed range, or a branch the remote-tracking refs "
                "already have?); nothing was scanned. Pass --allow-empty if that is expected"
            )
        seen.update(c.info.sha for c in got)
        commits += got
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
