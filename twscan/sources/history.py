"""The audit of a whole repository: every secret ever committed, once, where it came in.

Walking ``git log -p`` makes git compute every diff and costs 3-4x more than printing every
object once, so this works the other way round:

1. **Scan each distinct object once.** ``git cat-file --batch-all-objects --batch-check`` lists
   the blobs (and commits and tags, for their messages) in pack order; the listing is cut into
   contiguous chunks as it arrives, and each goes to the next free worker process. A worker
   keeps one ``git cat-file --batch`` (:class:`twscan.git.ObjectStream`) for its whole life
   and reads it over a socket into one buffer. Several git processes share the inflating and
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

import itertools
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from twscan import git
from twscan.core.model import CommitInfo, Finding, ScanSummary, Severity
from twscan.sources import BlobScanner, secret_values
from twscan.sources.commits import MESSAGE_PATH, commit_info_from_header, commit_message

#: Pseudo path for a secret in an annotated tag's message.
TAG_MESSAGE_PATH = "<tag message>"

ScannerFactory = Callable[[], BlobScanner]

_SMALL = 16 << 20  # below this much content, worker processes cost more than they save
#: Content per task. Workers keep one ``cat-file`` each for their whole life, so a task costs
#: no process; small tasks keep both cores busy to the end (with 8 tasks of 500 MB one core
#: idled ~0.4 s at the end of twilio-python's scan).
_CHUNK_BYTES = 64 << 20
_FIRST_CHUNK_BYTES = 4 << 20  # doubling up to _CHUNK_BYTES: the first task starts at once
_LOG_FORMAT = "--format=%x01%H"


# --- step 1: every object once -------------------------------------------------------------


@dataclass
class ObjectList:
    """What the listing has seen so far: counts, and the commits and tags among the objects."""

    objects: int = 0
    blobs: int = 0
    size: int = 0
    types: dict[bytes, bytes] = field(default_factory=dict)  # commits and tags only
    big: dict[bytes, int] = field(default_factory=dict)  # blobs over the size limit
    #: Every blob listed: a blob that history names and the store lacks is missing, and an
    #: audit that skipped it silently would pass over whatever it held.
    present: set[bytes] = field(default_factory=set)
    #: Objects listed and handed to the scan (not in the caller's ``skip``), for the
    #: incremental audit's record of what is done.
    scanned: list[bytes] = field(default_factory=list)


def list_objects(
    repo: str,
    objs: ObjectList,
    limit: int | None = None,
    skip: set[bytes] | None = None,
) -> Iterator[list[bytes]]:
    """Blobs, commits and tags of the object store in pack order (good for git's cache of
    delta bases), in chunks of about :data:`_CHUNK_BYTES` as git lists them: scanning starts
    while the listing (0.3 s on twilio-python) goes on. Blobs over ``limit`` are left out and
    recorded in ``objs.big``. Objects in ``skip`` (an earlier audit scanned them) are counted
    as listed but not handed out; the others are recorded in ``objs.scanned``."""
    args = [
        "cat-file", "--batch-all-objects", "--unordered",
        "--batch-check=%(objecttype) %(objectname) %(objectsize)",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as err:
        proc = git.popen(args, cwd=repo, stderr=err)
        assert proc.stdout is not None
        chunk: list[bytes] = []
        acc = 0
        target = _FIRST_CHUNK_BYTES  # small first chunks: the workers start sooner
        rest = b""
        try:
            # read1: what git has listed so far, not a full megabyte: workers wait for it.
            while block := proc.stdout.read1(1 << 20):  # type: ignore[attr-defined]
                block = rest + block
                cut = block.rfind(b"\n") + 1
                block, rest = block[:cut], block[cut:]
                missing = _MISSING.search(block) if b" missing\n" in block else None
                if missing is not None:
                    raise git.CorruptObjectError(
                        f"object {missing.group(1).decode()} is missing or corrupt: "
                        "run `git fsck`"
                    )
                # One regex call per megabyte of listing, not a Python step per line: the
                # listing runs beside the workers and competes with them for a core.
                for typ, oid, size_text in _LISTED.findall(block):
                    size = int(size_text)
                    if typ == b"blob":
                        objs.present.add(oid)
                        if limit is not None and size > limit:
                            objs.big[oid] = size
                            continue
                        objs.blobs += 1
                    else:
                        objs.types[oid] = typ
                    if skip is not None:
                        if oid in skip:
                            continue
                        objs.scanned.append(oid)
                    objs.objects += 1
                    objs.size += size
                    chunk.append(oid)
                    acc += size
                    if acc >= target:
                        yield chunk
                        chunk, acc = [], 0
                        target = min(2 * target, _CHUNK_BYTES)
        finally:
            if proc.poll() is None:
                proc.kill()
            rc = proc.wait()
            proc.stdout.close()
        if chunk:
            yield chunk
        if rc != 0:
            err.seek(0)
            raise git.GitError(git.describe_failure(args, err.read()))


# Trees are left out: their names and modes are not secrets, and the log gives the paths.
_LISTED = re.compile(rb"^(blob|commit|tag) ([0-9a-f]+) ([0-9]+)$", re.MULTILINE)
_MISSING = re.compile(rb"^(\S+) missing$", re.MULTILINE)


# Worker state, set once per process by _init (or directly when scanning in-process).
_worker: dict[str, Any] = {}


def _init(factory: ScannerFactory, repo: str, counters: Any) -> None:
    _worker.clear()
    _worker.update(scanner=factory(), repo=repo, counters=counters)


def _scan_chunk(oids: list[bytes]) -> dict[bytes, list[Finding]]:
    """Stream one chunk through the worker's ``cat-file``; the objects that hold something."""
    scanner: BlobScanner = _worker["scanner"]
    counters = _worker["counters"]
    stream = _worker.get("stream")
    if stream is None:  # one per worker, for the worker's whole life
        stream = _worker["stream"] = git.ObjectStream(cwd=_worker["repo"])
        if counters is not None:  # a worker process: stop git when it ends
            from multiprocessing.util import Finalize

            Finalize(stream, stream.close, exitpriority=10)
    hits: dict[bytes, list[Finding]] = {}
    done_objects = done_bytes = 0
    for obj in stream.views(oids):
        data: bytes | memoryview = obj.data  # the detector copies it only if it looks closer
        path = ""
        if obj.type != b"blob":
            data = commit_message(obj.data.tobytes())
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
    limit: int | None = None,
    on_progress: Callable[[int, int, ObjectList], None] | None = None,
    while_waiting: Callable[[], None] | None = None,
    skip: set[bytes] | None = None,
) -> dict[bytes, list[Finding]]:
    """List and scan every object once, over ``jobs`` processes; the ones with findings.

    The first chunks are held back until it is clear the repository is large enough for
    worker processes to pay (:data:`_SMALL`); after that, each chunk goes to the workers as
    soon as it is listed.
    """
    chunks = list_objects(repo, objs, limit, skip)
    head: list[list[bytes]] = []
    for chunk in chunks:
        head.append(chunk)
        if objs.size >= _SMALL:
            break
    if jobs <= 1 or objs.size < _SMALL:
        _init(factory, repo, None)
        if while_waiting is not None:
            while_waiting()
        hits: dict[bytes, list[Finding]] = {}
        try:
            for chunk in itertools.chain(head, chunks):
                hits.update(_scan_chunk(chunk))
                if on_progress is not None:
                    on_progress(objs.objects, objs.size, objs)
        finally:
            stream = _worker.pop("stream", None)
            if stream is not None:
                stream.close()
        return hits

    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    counters = ctx.Array("q", 2)
    hits = {}
    with ctx.Pool(jobs, initializer=_init, initargs=(factory, repo, counters)) as pool:
        if while_waiting is not None:
            while_waiting()  # started after the fork, so workers inherit none of its files
        pending = [pool.apply_async(_scan_chunk, (chunk,)) for chunk in head]
        for chunk in chunks:
            pending.append(pool.apply_async(_scan_chunk, (chunk,)))
            if on_progress is not None:
                on_progress(counters[0], counters[1], objs)
        for result in pending:
            while True:
                try:
                    hits.update(result.get(timeout=0.2))
                    break
                except mp.TimeoutError:
                    if on_progress is not None:
                        on_progress(counters[0], counters[1], objs)
        if on_progress is not None:
            on_progress(counters[0], counters[1], objs)
        pool.close()  # the workers end on their own and stop their git
        pool.join()
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

    def abandon(self) -> None:
        """Stop the log when the scan has failed: nobody will read it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.out.close()
        self.err.close()

    def wait(self) -> IO[bytes]:
        """The finished log, rewound; a failure of git is raised with its own message."""
        if self.proc.wait() != 0:
            self.err.seek(0)
            raise git.GitError(git.describe_failure(["log"], self.err.read()))
        self.err.close()
        self.out.seek(0)
        return self.out


@dataclass
class Missing:
    """Blobs that commits name and the object store does not have: the first few, and how
    many there are."""

    count: int = 0
    first: list[tuple[bytes, str, bytes]] = field(default_factory=list)  # oid, path, commit

    def add(self, oid: bytes, path: bytes, commit: bytes) -> None:
        self.count += 1
        if len(self.first) < 3:
            self.first.append((oid, git.display_path(path), commit))

    def message(self) -> str:
        oid, path, commit = self.first[0]
        more = f" and {self.count - 1} more" if self.count > 1 else ""
        return (
            f"object {oid.decode('ascii', 'replace')} ({path} in commit "
            f"{commit.decode('ascii', 'replace')[:12]}){more} is missing from the repository: "
            "what it held was not scanned; run `git fsck`"
        )


def read_log(
    out: IO[bytes],
    hits: dict[bytes, list[Finding]],
    big: Mapping[bytes, int] | None = None,
    present: set[bytes] | None = None,
    missing: Missing | None = None,
) -> tuple[dict[str, list[Event]], list[bytes], set[str], dict[bytes, str]]:
    """Introduction events per secret value, the commits in order, submodule paths, and the
    first path of each blob in ``big`` (those too large to scan). With ``present`` (every blob
    listed), blobs that entries name and the store lacks are counted into ``missing``.

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
            elif present is not None and new in present:
                pass  # the common case: a blob that was scanned and held nothing
            elif b"160000" in tok and git.parse_meta(tok)[1] == git.GITLINK_MODE:
                gitlinks.add(git.display_path(path))
            elif missing is not None and present is not None and not git.is_zero(new):
                missing.add(new, path, commits[-1] if commits else b"?")
        elif head == b"\x01":
            commits.append(tok[1:])
    return events, commits, gitlinks, big_paths


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
    from twscan.core.progress import Progress

    opts = options or HistoryOptions()
    started = time.perf_counter()
    git.require_repo(repo)
    summary = ScanSummary()
    if git.run(["rev-parse", "--is-shallow-repository"], cwd=repo).strip() == b"true":
        summary.notes.append(
            "shallow clone: history before the shallow boundary is not in this repository; "
            "secrets are attributed to the oldest commit present"
        )
    summary.notes.extend(git.rewrite_notes(repo))
    has_head = git.run_rc(["rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=repo)[0] == 0
    has_refs = bool(git.run(["for-each-ref", "--count=1"], cwd=repo).strip())
    if not has_head and not has_refs:
        summary.notes.append("the repository has no commits yet: nothing to scan")
        summary.commits_scanned = 0
        summary.duration_s = time.perf_counter() - started
        return [], summary

    objs = ObjectList()
    jobs = opts.jobs or _cores()
    progress = Progress(0, 0, enabled=False if opts.quiet else None)
    log: list[LogJob] = []

    def start() -> None:
        log.append(LogJob.start(repo, opts.refs))

    def report(objects: int, nbytes: int, listed: ObjectList) -> None:
        progress.total_objects, progress.total_bytes = listed.objects, listed.size
        progress.update(objects, nbytes)

    try:
        hits = scan_objects(
            factory,
            repo,
            objs,
            jobs=jobs,
            limit=opts.max_size,
            on_progress=report,
            while_waiting=start,
        )
    except BaseException:
        for job in log:
            job.abandon()
        raise
    progress.update(objs.objects, objs.size, force=True)
    progress.finish()
    big = objs.big
    missing = Missing()
    with log[0].wait() as out:
        events, commits, gitlinks, big_paths = read_log(out, hits, big, objs.present, missing)
    if missing.count:
        summary.errors.append(missing.message())
    summary.commits_scanned = len(commits)
    summary.files_scanned = objs.blobs
    summary.bytes_scanned = objs.size
    summary.skipped.extend((p, "submodule: scan it on its own") for p in sorted(gitlinks))
    summary.skipped.extend(
        (path, f"larger than the size limit ({big[oid]} > {opts.max_size} bytes)")
        for oid, path in sorted(big_paths.items(), key=lambda kv: kv[1])
    )

    order = {sha: i for i, sha in enumerate(commits)}
    add_message_events(repo, hits, objs, order, events)
    findings = report_findings(repo, hits, events)
    unplaced = {v for found in hits.values() for v in _keys(found)} - set(events)
    if unplaced:
        summary.notes.append(
            f"{len(unplaced)} secret(s) found only in objects no scanned ref reaches "
            "(dangling or reflog-only objects); not reported"
        )
    summary.duration_s = time.perf_counter() - started
    return findings, summary


def add_message_events(
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


def report_findings(
    repo: str,
    hits: dict[bytes, list[Finding]],
    events: dict[str, list[Event]],
    held: dict[str, list[str]] | None = None,
) -> list[Finding]:
    """One finding per secret, at the commit that introduced it. ``held`` is
    :func:`head_values` of ``hits`` when the caller has it already."""
    if held is None:
        held = head_values(repo, hits)
    firsts = {value: min(evs, key=lambda e: e.order) for value, evs in events.items()}
    reps = {value: _representative(hits[first.oid], value) for value, first in firsts.items()}
    # A SID that a reported pair already names is that credential's id, not one more secret:
    # the detector folds it into the pair within a file, and the audit does across history.
    halves = {f.pair.secret for f in reps.values() if f.pair is not None}
    firsts = {v: e for v, e in firsts.items() if reps[v].pair is not None or v not in halves}
    infos = commit_infos(repo, sorted({e.sha for e in firsts.values()}))
    findings: list[Finding] = []
    # Fully ordered, down to offset and value: a report must not depend on which worker
    # finished first.
    ordered = sorted(
        firsts.items(), key=lambda kv: (kv[1].order, kv[1].path, reps[kv[0]].offset, kv[0])
    )
    for value, first in ordered:
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
