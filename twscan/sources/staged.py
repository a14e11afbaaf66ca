"""What the next commit would add: the staged blobs, against what ``HEAD`` already holds.

The index is what gets committed, so it is read rather than the work tree: a secret staged and
then deleted from the file is still blocked, an unstaged one is not the commit's business.
This runs inside a commit hook, so it costs two git processes, started side by side: the raw
diff, and one ``cat-file`` that reads the staged blobs and, only when something was found, the
blobs they replace, to tell a new secret from one already committed. (A merge being concluded
costs a third, to list the commits merged in.)

Under the pre-commit framework the hook is handed file names (pre-commit's ``files:``,
``exclude:`` and ``types:`` already applied): :func:`scan_staged_files` then scans the staged
changes of those paths only, in the same two processes plus a ``rev-parse`` that places the
names in the repository. It also tells when the names are *not* a commit's staged files
(``pre-commit run --all-files`` or ``--files``), so that the caller can scan the files
themselves instead of passing on an empty index.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Collection, Iterator, Sequence

from twscan import git
from twscan.core.model import Finding, ScanSummary
from twscan.git import RawEntry
from twscan.sources import BlobScanner, introduced, secret_values

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import NamedTuple

Repo = str | os.PathLike[str]

_READ_AT_ONCE = 64
# Asked for beside the old blobs: whether a merge is being concluded, without a git process of
# its own in the common case that none is.
_MERGE_HEAD = b"MERGE_HEAD"

# -M: a renamed file is compared with its source, so moving a file with an old secret passes.
# No `HEAD` argument: on an unborn branch git then diffs the index against the empty tree.
_DIFF = ["diff", "--cached", "--raw", "-z", "--no-abbrev", "-M", "--ignore-submodules=none"]


def staged_changes(repo: Repo = ".") -> list[RawEntry]:
    """The index's changes against ``HEAD`` (all of it for the first commit of a repository)."""
    try:
        out = git.run(_DIFF, cwd=repo)
    except git.GitError:
        git.require_repo(repo)
        raise
    return [e for e in git.iter_raw(iter(git.zsplit(out))) if isinstance(e, RawEntry)]


def scan_staged(
    scanner: BlobScanner, repo: Repo = ".", max_size: int | None = None
) -> tuple[list[Finding], ScanSummary]:
    """Findings for the secrets the staged changes introduce, and what was looked at.

    Files over ``max_size`` bytes are not scanned and are listed as skipped in the summary.
    """
    started = time.perf_counter()
    # The object reader starts now: its git's start-up overlaps the diff's run.
    with git.ObjectReader(cwd=repo) as reader:
        return _scan(scanner, repo, max_size, reader, staged_changes(repo), started)


if TYPE_CHECKING:

    class StagedFiles(NamedTuple):
        """What :func:`scan_staged_files` found: a commit's verdict, or that there is no commit.

        ``result`` is None when some named file is not among the staged changes: the names
        are not what a commit hands a hook (``pre-commit run --all-files``, ``--files``), and
        the index has nothing to say about those files. ``top`` is the top of the work tree.
        """

        result: tuple[list[Finding], ScanSummary] | None
        top: str

else:  # the same class typing.NamedTuple makes, without importing typing
    from collections import namedtuple

    StagedFiles = namedtuple("StagedFiles", "result top")


def scan_staged_files(
    scanner: BlobScanner, names: Sequence[str], repo: Repo = ".", max_size: int | None = None
) -> StagedFiles:
    """The secrets the staged changes of ``names`` introduce, if they are a commit's files.

    ``names`` are relative to the current directory (pre-commit runs hooks at the top of the
    work tree, so its names are the repository's own). They are a commit's files when every
    one is staged (added, modified, renamed, type-changed; while a merge is being concluded,
    also one the merged-in side changed, which pre-commit hands over too). Then only those
    paths are scanned, with the same "introduced against HEAD" verdict as :func:`scan_staged`
    (a renamed file is still compared with its source, whatever the names). Otherwise nothing
    is scanned and ``result`` is None.
    """
    started = time.perf_counter()
    with git.ObjectReader(cwd=repo) as reader:
        if not os.path.isdir(repo):
            staged_changes(repo)  # says so, as the command does without names
        # Started before the diff, so that its git's start-up overlaps the diff's run too.
        proc = git.popen(["rev-parse", "--show-toplevel"], cwd=repo, stderr=subprocess.DEVNULL)
        try:
            changes = staged_changes(repo)
            out, _ = proc.communicate()
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.communicate()
        if proc.returncode != 0 or not out.strip():
            raise git.GitError("git rev-parse --show-toplevel failed: no work tree")
        top = os.fsdecode(out.rstrip(b"\n"))
        wanted = {repo_path(name, top) for name in names}
        if None in wanted or not _are_staged(wanted, changes, repo):
            return StagedFiles(None, top)
        chosen = [e for e in changes if e.path in wanted]
        return StagedFiles(_scan(scanner, repo, max_size, reader, chosen, started), top)


def toplevel(repo: Repo = ".") -> str:
    """The top of the work tree, where the paths git prints start."""
    return os.fsdecode(git.run(["rev-parse", "--show-toplevel"], cwd=repo).rstrip(b"\n"))


def repo_path(name: str, top: str) -> bytes | None:
    """A file name's path in the work tree whose top is ``top``, spelled as git spells it.

    ``b"."`` is the top itself; None is a name outside the work tree.
    """
    rel = os.path.relpath(os.path.abspath(name), top)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return os.fsencode(rel.replace(os.sep, "/"))


def report_name(name: str, top: str) -> str:
    """How a work-tree file is named in a report: as git names it; absolute when outside."""
    path = repo_path(name, top)
    return git.display_path(path) if path is not None else os.path.abspath(name)


def _are_staged(wanted: Collection[bytes | None], changes: list[RawEntry], repo: Repo) -> bool:
    """Whether every path is one the commit being made changes (or, in a merge, brings in)."""
    staged = {e.path for e in changes if not e.is_deletion}
    rest = [p for p in wanted if p not in staged]
    if not rest:
        return True
    heads = _merge_heads(repo)  # rarely reached: only when the names are not all staged
    if not heads:
        return False
    merged: set[bytes] = set()
    diff = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "HEAD"]
    for head in heads:
        if head.strip(b"0123456789abcdef"):
            continue  # not an object id: nothing git wrote there
        merged.update(git.zsplit(git.run([*diff, head.decode(), "--"], cwd=repo)))
    return all(p in merged for p in rest)


def _scan(
    scanner: BlobScanner,
    repo: Repo,
    max_size: int | None,
    reader: git.ObjectReader,
    changes: list[RawEntry],
    started: float,
) -> tuple[list[Finding], ScanSummary]:
    summary = ScanSummary()
    todo: list[RawEntry] = []
    candidates: list[tuple[RawEntry, list[Finding]]] = []
    for e in changes:
        if e.is_deletion or e.status[:1] == b"U":
            continue
        if e.is_gitlink:
            skipped = (git.display_path(e.path), "submodule: scan it on its own")
            summary.skipped.append(skipped)
            continue
        if e.old_oids and e.old_oids[0] == e.new_oid:
            continue  # rename or mode change: the content is what HEAD already has
        todo.append(e)

    for e, data in _staged_blobs(todo, repo, reader):
        if max_size is not None and len(data) > max_size:
            reason = f"larger than the size limit ({len(data)} > {max_size} bytes)"
            summary.skipped.append((git.display_path(e.path), reason))
            continue
        summary.files_scanned += 1
        summary.bytes_scanned += len(data)
        found = scanner.scan_bytes(data, git.display_path(e.path))
        if found:
            candidates.append((e, found))

    findings: list[Finding] = []
    if candidates:
        old = _old_values(scanner, candidates, repo, reader)
        for e, found in candidates:
            findings.extend(introduced(found, old.get(e.path, set())))
    findings.sort(key=lambda f: (f.file, f.line, f.column))
    summary.duration_s = time.perf_counter() - started
    return findings, summary


def _staged_blobs(
    todo: list[RawEntry], repo: Repo, reader: git.ObjectReader
) -> Iterator[tuple[RawEntry, bytes]]:
    """The staged content of each entry: one read for a typical commit, a stream for a huge one.

    A commit of a few files is read with a single ``cat-file`` call (the fastest way for a
    hook); past ``_READ_AT_ONCE`` files the blobs are streamed so memory stays flat.
    """
    if len(todo) <= _READ_AT_ONCE:
        blobs = reader.read([e.new_oid for e in todo])
        for e in todo:
            obj = blobs.get(e.new_oid)
            if obj is None:
                raise _unreadable(e.new_oid, e.path, "staged")
            yield e, obj.data
        return
    by_oid: dict[bytes, list[RawEntry]] = {}
    for e in todo:
        by_oid.setdefault(e.new_oid, []).append(e)
    with git.BatchReader(list(by_oid), cwd=repo) as stream:
        for obj in stream:
            for e in by_oid[obj.oid]:
                yield e, obj.data


def _old_values(
    scanner: BlobScanner,
    candidates: list[tuple[RawEntry, list[Finding]]],
    repo: Repo,
    reader: git.ObjectReader,
) -> dict[bytes, set[str]]:
    """Per staged path, the secret values its replaced blob(s) already held.

    The replaced blob is HEAD's at that path, or at the rename's source. While a merge is being
    concluded, each ``MERGE_HEAD`` side's blob at the path counts as old too: content merged in
    from another branch was committed there already, and the merge does not introduce it.
    """
    wanted: dict[bytes, list[bytes]] = {}
    for e, _ in candidates:
        wanted[e.path] = [oid for oid in e.old_oids if not git.is_zero(oid)]
    replaced = [oid for oids in wanted.values() for oid in oids]
    objects = reader.read([*replaced, _MERGE_HEAD])
    if objects.pop(_MERGE_HEAD, None) is not None:  # a merge is being concluded (rarely)
        heads = _merge_heads(repo)
        sides: list[bytes] = []
        for e, _ in candidates:
            if b"\n" not in e.path:
                wanted[e.path] += [head + b":" + e.path for head in heads]
                sides += [head + b":" + e.path for head in heads]
        objects.update(reader.read(sides))
    old: dict[bytes, set[str]] = {}
    for e, _ in candidates:
        values: set[str] = set()
        for name in wanted[e.path]:
            obj = objects.get(name)
            if obj is None:
                if b":" in name:
                    continue  # the other side of the merge has no such path
                raise _unreadable(name, e.old_path or e.path, "HEAD")
            if obj.type == b"blob":
                values |= secret_values(scanner.scan_bytes(obj.data, git.display_path(e.path)))
        old[e.path] = values
    return old


def _merge_heads(repo: Repo) -> list[bytes]:
    """The commits being merged in (empty unless a merge is in progress)."""
    path = git.run(["rev-parse", "--git-path", "MERGE_HEAD"], cwd=repo).strip()
    try:
        with open(os.path.join(os.fsencode(os.fspath(repo)), path), "rb") as f:
            return [ln.strip() for ln in f if ln.strip()]
    except OSError:
        return []


def _unreadable(oid: bytes, path: bytes, side: str) -> git.CorruptObjectError:
    return git.CorruptObjectError(
        f"object {oid.decode('ascii', 'replace')} ({side} {git.display_path(path)}) "
        "is missing or corrupt: run `git fsck`"
    )
