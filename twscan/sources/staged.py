"""What the next commit would add: the staged blobs, against what ``HEAD`` already holds.

The index is what gets committed, so it is read rather than the work tree: a secret staged and
then deleted from the file is still blocked, an unstaged one is not the commit's business.
This runs inside a commit hook, so it costs two git processes in the common case (the raw diff
and one ``cat-file`` of the staged blobs) and a third only when something was found and the old
blobs are needed to tell a new secret from one already committed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from twscan import git
from twscan.git import RawEntry
from twscan.model import Finding, ScanSummary
from twscan.sources import BlobScanner, introduced, secret_values

Repo = str | os.PathLike[str]

_READ_AT_ONCE = 64

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
    summary = ScanSummary()
    todo: list[RawEntry] = []
    for e in staged_changes(repo):
        if e.is_deletion or e.status[:1] == b"U":
            continue
        if e.is_gitlink:
            summary.skipped.append((git.display_path(e.path), "submodule: scan it on its own"))
            continue
        if e.old_oids and e.old_oids[0] == e.new_oid:
            continue  # rename or mode change: the content is what HEAD already has
        todo.append(e)

    candidates: list[tuple[RawEntry, list[Finding]]] = []
    for e, data in _staged_blobs(todo, repo):
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
        old = _old_values(scanner, candidates, repo)
        for e, found in candidates:
            findings.extend(introduced(found, old.get(e.path, set())))
    findings.sort(key=lambda f: (f.file, f.line, f.column))
    summary.duration_s = time.perf_counter() - started
    return findings, summary


def _staged_blobs(todo: list[RawEntry], repo: Repo) -> Iterator[tuple[RawEntry, bytes]]:
    """The staged content of each entry: one read for a typical commit, a stream for a huge one.

    A commit of a few files is read with a single ``cat-file`` call (the fastest way for a
    hook); past ``_READ_AT_ONCE`` files the blobs are streamed so memory stays flat.
    """
    if len(todo) <= _READ_AT_ONCE:
        blobs = git.read_objects([e.new_oid for e in todo], cwd=repo)
        for e in todo:
            obj = blobs.get(e.new_oid)
            if obj is None:
                raise _unreadable(e.new_oid, e.path, "staged")
            yield e, obj.data
        return
    by_oid: dict[bytes, list[RawEntry]] = {}
    for e in todo:
        by_oid.setdefault(e.new_oid, []).append(e)
    with git.BatchReader(list(by_oid), cwd=repo) as reader:
        for obj in reader:
            for e in by_oid[obj.oid]:
                yield e, obj.data


def _old_values(
    scanner: BlobScanner, candidates: list[tuple[RawEntry, list[Finding]]], repo: Repo
) -> dict[bytes, set[str]]:
    """Per staged path, the secret values its replaced blob(s) already held.

    The replaced blob is HEAD's at that path, or at the rename's source. While a merge is being
    concluded, each ``MERGE_HEAD`` side's blob at the path counts as old too: content merged in
    from another branch was committed there already, and the merge does not introduce it.
    """
    heads = _merge_heads(repo)
    wanted: dict[bytes, list[bytes]] = {}
    for e, _ in candidates:
        names = [oid for oid in e.old_oids if not git.is_zero(oid)]
        if b"\n" not in e.path:
            names += [head + b":" + e.path for head in heads]
        wanted[e.path] = names
    objects = git.read_objects([n for names in wanted.values() for n in names], cwd=repo)
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
