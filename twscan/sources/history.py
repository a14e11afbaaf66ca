"""The audit of a whole repository: every secret ever committed, once, where it came in.

Walking ``git log -p`` makes git compute every diff and costs 3-4x more than printing every
object once, so this works the other way round:

1. **Scan each distinct object once.** ``git cat-file --batch-all-objects --batch-check`` lists
   the blobs (and commits and tags, for their messages) in pack order; the list is cut into
   contiguous chunks, and worker processes each stream one chunk through their own
   ``git cat-file --batch`` over a 1 MiB pipe. Several git processes share the inflating and
   several readers the matching, so both cores work. The detector is loaded with its fast
   (Hyperscan) gate, so most blobs cost it one pass.
2. **Attribute afterwards.** While the workers scan, ``git log --all --raw`` (no diffs, tree
   comparisons only) is written to a temporary file; once the few blobs holding secrets are
   known, that log says which commit first put each one at which path. Parents come before
   children (``--date-order --reverse``), so the first commit whose new blob holds a secret
   that the blob it replaces did not is the commit that introduced it. Renames need no
   detection: the renamed copy appears later than the original.

A secret is reported once, keyed by its value, with the introducing commit, every path that
ever held it, and whether ``HEAD``'s tree still holds it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from twscan import git
from twscan.errors import TwscanError
from twscan.model import CommitInfo, Finding, ScanSummary, Severity
from twscan.sources import BlobScanner, secret_values
from twscan.sources.commits import MESSAGE_PATH, commit_info_from_header, commit_message

#: Pseudo path for a secret in an annotated tag's message.
TAG_MESSAGE_PATH = "<tag message>"

ScannerFactory = Callable[[], BlobScanner]

_SMALL = 16 << 20  # below this much content, worker processes cost more than they save
_CHUNKS_PER_JOB = 4  # more chunks than workers, so one slow chunk does not idle a core
_LOG_FORMAT = "--format=%x01%H"


# --- step 1: every object once -------------------------------------------------------------


@dataclass
class ObjectList:
    oids: list[bytes] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    types: dict[bytes, bytes] = field(default_factory=dict)  # commits and tags only
    blobs: int = 0


def list_objects(repo: str) -> ObjectList:
    """Blobs, commits and tags of the object store, in pack order (good for delta caches)."""
    args = [
        "cat-file", "--batch-all-objects", "--unordered",
        "--batch-check=%(objecttype) %(objectname) %(objectsize)",
    ]  # fmt: skip
    objs = ObjectList()
    with tempfile.TemporaryFile() as err:
        proc = git.popen(args, cwd=repo, stderr=err)
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                parts = line.split()
                if len(parts) == 2 and parts[1] == b"missing":
                    proc.kill()
                    proc.wait()
                    raise git.CorruptObjectError(
                        f"object {parts[0].decode()} is missing or corrupt: run `git fsck`"
                    )
                if len(parts) != 3 or parts[0] == b"tree":
                    continue
                typ, oid, size = parts
                objs.oids.append(oid)
                objs.sizes.append(int(size))
                if typ == b"blob":
                    objs.blobs += 1
                else:
                    objs.types[oid] = typ
        if proc.wait() != 0:
            err.seek(0)
            lines = err.read().decode("utf-8", "replace").strip().splitlines()
            raise TwscanError(f"git cat-file failed: {lines[-1] if lines else 'no message'}")
    return objs


def split(objs: ObjectList, parts: int) -> list[list[bytes]]:
    """Contiguous chunks of roughly equal content size, keeping pack order within each."""
    total = sum(objs.sizes) or 1
    target = total / max(parts, 1)
    chunks: list[list[bytes]] = [[]]
    acc = 0
    for oid, size in zip(objs.oids, objs.sizes, strict=True):
        if acc >= target and len(chunks) < parts:
            chunks.append([])
            acc = 0
        chunks[-1].append(oid)
        acc += size
    return [c for c in chunks if c]


# Worker state, set once per process by _init (or directly when scanning in-process).
_worker: dict[str, Any] = {}


def _init(factory: ScannerFactory, repo: str, counters: Any, types: dict[bytes, bytes]) -> None:
    _worker.update(scanner=factory(), repo=repo, counters=counters, types=types)


def _scan_chunk(oids: list[bytes]) -> dict[bytes, list[Finding]]:
    """Stream one chunk through ``cat-file`` and return the objects that hold something."""
    scanner: BlobScanner = _worker["scanner"]
    types: dict[bytes, bytes] = _worker["types"]
    counters = _worker["counters"]
    hits: dict[bytes, list[Finding]] = {}
    done_objects = done_bytes = 0
    with git.BatchReader(oids, cwd=_worker["repo"]) as reader:
        for obj in reader:
            data = obj.data
            path = ""
            if obj.oid in types:
                data = commit_message(data)
                path = MESSAGE_PATH if obj.type == b"commit" else TAG_MESSAGE_PATH
            found = scanner.scan_bytes(data, path)
            if found:
                hits[obj.oid] = found
            done_objects += 1
            done_bytes += len(obj.data)
            if counters is not None and done_bytes >= 8 << 20:
                with counters.get_lock():
                    counters[0] += done_objects
                    counters[1] += done_bytes
                done_objects = done_bytes = 0
    if counters is not None:
        with counters.get_lock():
            counters[0] += done_objects
            counters[1] += done_bytes
    return hits


def scan_objects(
    factory: ScannerFactory,
    repo: str,
    objs: ObjectList,
    *,
    jobs: int,
    on_progress: Callable[[int, int], None] | None = None,
    while_waiting: Callable[[], None] | None = None,
) -> dict[bytes, list[Finding]]:
    """Scan every listed object once, over ``jobs`` processes; returns the ones with findings."""
    total = sum(objs.sizes)
    if jobs <= 1 or total < _SMALL:
        _init(factory, repo, None, objs.types)
        if while_waiting is not None:
            while_waiting()
        hits = _scan_chunk(objs.oids)
        if on_progress is not None:
            on_progress(len(objs.oids), total)
        return hits

    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    counters = ctx.Array("q", 2)
    hits = {}
    chunks = split(objs, jobs * _CHUNKS_PER_JOB)
    with ctx.Pool(jobs, initializer=_init, initargs=(factory, repo, counters, objs.types)) as pool:
        if while_waiting is not None:
            while_waiting()  # started after the fork, so workers inherit none of its files
        pending = pool.imap_unordered(_scan_chunk, chunks)
        remaining = len(chunks)
        while remaining:
            try:
                result = pending.next(timeout=0.2)
            except mp.TimeoutError:
                if on_progress is not None:
                    on_progress(counters[0], counters[1])
                continue
            hits.update(result)
            remaining -= 1
        if on_progress is not None:
            on_progress(counters[0], counters[1])
    return hits


# --- step 2: who introduced what -----------------------------------------------------------


@dataclass
class Event:
    order: int  # position of the commit in parent-first order
    sha: bytes
    path: str
    oid: bytes  # the object that holds the secret there


@dataclass
class LogJob:
    """``git log --raw`` running into a temporary file while the objects are scanned."""

    proc: Any
    out: IO[bytes]
    err: IO[bytes]

    @classmethod
    def start(cls, repo: str, refs: Sequence[str]) -> LogJob:
        """Cheap tree comparisons, no diffs; merges with ``-c`` for their own changes."""
        args = [
            "log", *refs, "--date-order", "--reverse", "--raw", "-z", "--no-abbrev",
            "--no-renames", "-c", "--root", _LOG_FORMAT, "--",
        ]  # fmt: skip
        # owned by the job: closed by wait() and by whoever reads the log
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
        return cls(git.popen(args, cwd=repo, stdout=out, stderr=err), out, err)

    def wait(self) -> IO[bytes]:
        """The finished log, rewound; a failure of git is raised with its own message."""
        if self.proc.wait() != 0:
            self.err.seek(0)
            lines = self.err.read().decode("utf-8", "replace").strip().splitlines()
            raise TwscanError(f"git log failed: {lines[-1] if lines else 'no message'}")
        self.err.close()
        self.out.seek(0)
        return self.out


def read_log(
    out: IO[bytes], hits: dict[bytes, list[Finding]], big: Mapping[bytes, int] | None = None
) -> tuple[dict[str, list[Event]], list[bytes], set[str], dict[bytes, str]]:
    """Introduction events per secret value, the commits in order, submodule paths, and the
    first path of each blob in ``big`` (those too large to scan).

    An entry whose new blob holds a value that none of the blobs it replaces (one per parent)
    held is an event for that value at that path. Only entries whose blob holds something are
    looked at closely, so this costs little more than reading the file.
    """
    values = {oid: secret_values(found) for oid, found in hits.items()}
    events: dict[str, list[Event]] = {}
    commits: list[bytes] = []
    gitlinks: set[str] = set()
    big_paths: dict[bytes, str] = {}
    big = big or {}
    fields = git.iter_z(out)
    for tok in fields:
        if tok[:1] == b"\n":
            tok = tok[1:]
        head = tok[:1]
        if head == b":":
            path = next(fields)
            new = tok.rsplit(b" ", 2)[-2]
            if new in values:
                _, _, _, old_oids, _ = git.parse_meta(tok)
                old: set[str] = set()
                for o in old_oids:
                    old |= values.get(o, set())
                fresh = values[new] - old
                if fresh:
                    shown = git.display_path(path)
                    for value in _keys(hits[new]):
                        if value in fresh:
                            ev = Event(len(commits) - 1, commits[-1], shown, new)
                            events.setdefault(value, []).append(ev)
            elif new in big:
                big_paths.setdefault(new, git.display_path(path))
            elif b"160000" in tok:
                _, mode, _, _, _ = git.parse_meta(tok)
                if mode == git.GITLINK_MODE:
                    gitlinks.add(git.display_path(path))
        elif head == b"\x01":
            commits.append(tok[1:])
    return events, commits, gitlinks, big_paths


def _drop_large(objs: ObjectList, limit: int | None) -> dict[bytes, int]:
    """Take blobs over ``limit`` out of the list; returns them with their sizes."""
    big: dict[bytes, int] = {}
    if limit is None:
        return big
    oids: list[bytes] = []
    sizes: list[int] = []
    for oid, size in zip(objs.oids, objs.sizes, strict=True):
        if size > limit and oid not in objs.types:
            big[oid] = size
        else:
            oids.append(oid)
            sizes.append(size)
    objs.oids, objs.sizes = oids, sizes
    objs.blobs -= len(big)
    return big


def _keys(found: list[Finding]) -> set[str]:
    """The values a blob is reported under: each finding's own secret (not its pair's id)."""
    return {f.secret for f in found}


def commit_infos(repo: str, shas: Sequence[bytes]) -> dict[bytes, CommitInfo]:
    if not shas:
        return {}
    fmt = "--format=%x01" + "%x1f".join(["%H", "%P", "%an", "%ae", "%aI"])
    out = git.run(["log", "--no-walk=unsorted", "--stdin", fmt], cwd=repo, stdin=b"\n".join(shas))
    infos: dict[bytes, CommitInfo] = {}
    for block in out.split(b"\x01")[1:]:
        info, _ = commit_info_from_header(block.strip())
        infos[info.sha.encode()] = info
    return infos


def head_values(repo: str, hits: dict[bytes, list[Finding]]) -> dict[str, list[str]]:
    """The values HEAD's tree still holds, with the paths that hold them there."""
    rc, out, _ = git.run_rc(["ls-tree", "-r", "-z", "--full-tree", "HEAD"], cwd=repo)
    held: dict[str, list[str]] = {}
    if rc != 0:
        return held
    for entry in git.zsplit(out):
        meta, _, path = entry.partition(b"\t")
        oid = meta.rsplit(b" ", 1)[-1]
        if oid in hits:
            for value in _keys(hits[oid]):
                held.setdefault(value, []).append(git.display_path(path))
    return held


def tag_targets(repo: str, tag_oids: set[bytes]) -> dict[bytes, bytes]:
    """For annotated tags holding a secret and named by a ref: the commit each points at."""
    if not tag_oids:
        return {}
    fmt = "--format=%(objectname) %(*objectname)"
    out = git.run(["for-each-ref", fmt, "refs/tags"], cwd=repo)
    targets: dict[bytes, bytes] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in tag_oids:
            targets[parts[0]] = parts[1]
    return targets


# --- the whole audit ------------------------------------------------------------------------


@dataclass
class HistoryOptions:
    refs: list[str] = field(default_factory=lambda: ["--all"])
    jobs: int = 0  # 0: one per available core
    quiet: bool = True
    max_size: int | None = None  # larger blobs are not scanned, and are listed as skipped


def scan_history(
    factory: ScannerFactory, repo: str = ".", options: HistoryOptions | None = None
) -> tuple[list[Finding], ScanSummary]:
    """Every distinct secret reachable from ``options.refs``, at the commit that introduced it."""
    from twscan.progress import Progress

    opts = options or HistoryOptions()
    started = time.perf_counter()
    git.require_repo(repo)
    summary = ScanSummary()
    if git.run(["rev-parse", "--is-shallow-repository"], cwd=repo).strip() == b"true":
        summary.notes.append(
            "shallow clone: history before the shallow boundary is not in this repository; "
            "secrets are attributed to the oldest commit present"
        )
    has_head = git.run_rc(["rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=repo)[0] == 0
    has_refs = bool(git.run(["for-each-ref", "--count=1"], cwd=repo).strip())
    if not has_head and not has_refs:
        summary.notes.append("the repository has no commits yet: nothing to scan")
        summary.commits_scanned = 0
        summary.duration_s = time.perf_counter() - started
        return [], summary

    objs = list_objects(repo)
    big = _drop_large(objs, opts.max_size)
    jobs = opts.jobs or _cores()
    progress = Progress(len(objs.oids), sum(objs.sizes), enabled=False if opts.quiet else None)
    log: list[LogJob] = []

    def start() -> None:
        log.append(LogJob.start(repo, opts.refs))

    hits = scan_objects(
        factory,
        repo,
        objs,
        jobs=jobs,
        on_progress=progress.update,
        while_waiting=start,
    )
    progress.update(len(objs.oids), sum(objs.sizes), force=True)
    progress.finish()
    with log[0].wait() as out:
        events, commits, gitlinks, big_paths = read_log(out, hits, big)
    summary.commits_scanned = len(commits)
    summary.files_scanned = objs.blobs
    summary.bytes_scanned = sum(objs.sizes)
    summary.skipped.extend((p, "submodule: scan it on its own") for p in sorted(gitlinks))
    summary.skipped.extend(
        (path, f"larger than the size limit ({big[oid]} > {opts.max_size} bytes)")
        for oid, path in sorted(big_paths.items(), key=lambda kv: kv[1])
    )

    order = {sha: i for i, sha in enumerate(commits)}
    _add_message_events(repo, hits, objs, order, events)
    findings = _report(repo, hits, events)
    unplaced = {v for found in hits.values() for v in _keys(found)} - set(events)
    if unplaced:
        summary.notes.append(
            f"{len(unplaced)} secret(s) found only in objects no scanned ref reaches "
            "(dangling or reflog-only objects); not reported"
        )
    summary.duration_s = time.perf_counter() - started
    return findings, summary


def _add_message_events(
    repo: str,
    hits: dict[bytes, list[Finding]],
    objs: ObjectList,
    order: dict[bytes, int],
    events: dict[str, list[Event]],
) -> None:
    tags = {oid for oid in hits if objs.types.get(oid) == b"tag"}
    targets = tag_targets(repo, tags)
    for oid, found in hits.items():
        typ = objs.types.get(oid)
        if typ == b"commit" and oid in order:
            where, sha, path = order[oid], oid, MESSAGE_PATH
        elif typ == b"tag" and targets.get(oid) in order:
            sha = targets[oid]
            where, path = order[sha], TAG_MESSAGE_PATH
        else:
            continue
        for value in _keys(found):
            events.setdefault(value, []).append(Event(where, sha, path, oid))


def _report(
    repo: str, hits: dict[bytes, list[Finding]], events: dict[str, list[Event]]
) -> list[Finding]:
    held = head_values(repo, hits)
    firsts = {value: min(evs, key=lambda e: e.order) for value, evs in events.items()}
    reps = {value: _representative(hits[first.oid], value) for value, first in firsts.items()}
    # A SID that a reported pair already names is that credential's id, not one more secret:
    # the detector folds it into the pair within a file, and the audit does across history.
    halves = {f.pair.secret for f in reps.values() if f.pair is not None}
    firsts = {v: e for v, e in firsts.items() if reps[v].pair is not None or v not in halves}
    infos = commit_infos(repo, sorted({e.sha for e in firsts.values()}))
    findings: list[Finding] = []
    for value, first in sorted(firsts.items(), key=lambda kv: (kv[1].order, kv[1].path)):
        rep = reps[value]
        places = {(e.path, e.sha if e.path in (MESSAGE_PATH, TAG_MESSAGE_PATH) else b"")
                  for e in events[value]}  # fmt: skip
        paths = sorted({e.path for e in events[value]} | set(held.get(value, ())))
        info = infos.get(first.sha) or CommitInfo(first.sha.decode(), "", "", "")
        extra = dict(rep.extra)
        extra.update(
            introduced_path=first.path,
            paths=paths,
            occurrences=len(places) - 1,
            in_head=value in held,
        )
        findings.append(rep.replace(file=first.path, commit=info, extra=extra))
    return findings


def _representative(found: list[Finding], value: str) -> Finding:
    """The most severe finding for ``value`` in the introducing blob (a pair beats a SID)."""
    same = [f for f in found if f.secret == value]
    return max(same, key=lambda f: (_rank(f.severity), -f.offset))


def _rank(severity: Severity | str) -> int:
    return Severity(severity).rank


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
