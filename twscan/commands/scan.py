"""``twscan scan [PATH …]``: files and directories (``-`` reads standard input)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

from twscan.commands.common import emit, load_detector, policy
from twscan.core.errors import TwscanError
from twscan.core.model import Finding, ScanSummary
from twscan.core.safeio import display_name
from twscan.detect.engine import Detector
from twscan.detect.rules import RulesSource
from twscan.sources import chunked, files
from twscan.triage.policy import Policy, excluded

TYPE_CHECKING = False  # typing.TYPE_CHECKING, as in twscan.commands.staged
if TYPE_CHECKING:
    import argparse

# Below this many bytes a worker pool costs more to start than it saves.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
# Above this, compiling the Hyperscan gate (~15 ms) pays for itself.
FAST_GATE_MIN_BYTES = 4 * 1024 * 1024
_BATCH_BYTES = 8 * 1024 * 1024


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from twscan.commands.options import add_output_args  # argparse: only when parsing

    p = sub.add_parser(
        "scan",
        help="scan files and directories",
        description="Scan files and directories for Twilio credentials.",
    )
    p.add_argument("paths", nargs="*", default=["."], help="files or directories; - for stdin")
    p.add_argument("--gitignore", action="store_true", help="skip files that git ignores")
    p.add_argument(
        "-j", "--jobs", type=int, default=0, help="worker processes (default: one per core)"
    )
    add_output_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    pol = policy(args)  # before walking: the configuration may set the size limit
    walk = files.walk(
        [p for p in args.paths if p != "-"],
        max_size=args.max_file_size,
        gitignore=args.gitignore,
    )
    n_excluded = _exclude(walk, pol)
    total = sum(i.size for i in walk.items)
    detector = load_detector(args, fast_gate=total >= FAST_GATE_MIN_BYTES)
    summary = ScanSummary()
    findings: list[Finding] = []
    if "-" in args.paths:
        found, nbytes = _scan_stdin(detector)
        findings.extend(found)
        summary.files_scanned += 1
        summary.bytes_scanned += nbytes
    summary.skipped.extend((display_name(p), why) for p, why in walk.skipped)
    failed = [f for f in walk.failed if f in walk.skipped]  # not excluded meanwhile
    for item_findings, nbytes, err in scan_items(detector, walk.items, args.jobs):
        if err is not None:
            summary.skipped.append(err)
            if err[0] in walk.named:
                failed.append(err)
            continue
        findings.extend(item_findings)
        summary.files_scanned += 1
        summary.bytes_scanned += nbytes
    if n_excluded:
        summary.notes.append(f"{n_excluded} file(s) excluded by the configuration's exclude globs")
    if failed:
        summary.notes.append(f"{len(failed)} file(s) named on the command line not scanned")
        args.quiet = True  # stderr gets one line: the error below
    summary.duration_s = time.perf_counter() - t0
    rc = emit(findings, summary, args, detector)
    if failed:
        # A file asked for by name and not scanned is not a clean file: the report says what
        # was found elsewhere, the exit code that this run did not do what was asked.
        path, why = failed[0]
        more = f" (and {len(failed) - 1} more named file(s))" if len(failed) > 1 else ""
        raise TwscanError(f"could not scan {files.display_path(path)}: {why}{more}")
    return rc


def _scan_stdin(detector: Detector) -> tuple[list[Finding], int]:
    """Small input in memory, as a file; more than a large file's threshold in windows, as
    a large file (a pipe can carry gigabytes)."""
    head = files.read_stdin(chunked.THRESHOLD + 1)
    if len(head) <= chunked.THRESHOLD:
        return detector.scan_bytes(head, "-"), len(head)
    stream = chunked.Prefixed(head, sys.stdin.buffer)
    del head  # the stream gives it up as it reads
    return chunked.scan_stream(detector, stream, "-")


def _exclude(walk: files.Walk, pol: Policy) -> int:
    """Drop excluded files before any is read (and from the skipped list: not a loss)."""
    if not pol.config.exclude:
        return 0

    def out(path: str) -> bool:
        return excluded(files.display_path(path), pol)

    before = len(walk.items)
    walk.items[:] = [i for i in walk.items if not out(i.path)]
    walk.skipped[:] = [(p, r) for p, r in walk.skipped if not out(p)]
    return before - len(walk.items)


Result = tuple[list[Finding], int, tuple[str, str] | None]


def scan_items(detector: Detector, items: list[files.FileItem], jobs: int) -> Iterator[Result]:
    total = sum(i.size for i in items)
    workers = jobs or (os.cpu_count() or 1)
    if workers <= 1 or total < PARALLEL_MIN_BYTES or len(items) < 2:
        for item in items:
            yield _scan_one(detector, item)
        return
    from concurrent.futures import ProcessPoolExecutor  # only big scans pay for its import

    batches = _batches(items)
    with ProcessPoolExecutor(
        max_workers=workers,
        initializer=_init_worker,
        initargs=(detector.rule_paths, detector.fast_gate, detector.max_decode_depth),
    ) as pool:
        for results in pool.map(_scan_batch, batches):
            yield from results


def _batches(items: list[files.FileItem]) -> list[list[files.FileItem]]:
    batches: list[list[files.FileItem]] = [[]]
    size = 0
    for it in items:
        if size >= _BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(it)
        size += it.size
    return batches


def _scan_one(detector: Detector, item: files.FileItem) -> Result:
    shown = files.display_path(item.path)
    try:
        if item.size > chunked.THRESHOLD:
            with open(item.fs_path, "rb") as f:
                found, n = chunked.scan_stream(detector, f, shown)
            return found, n, None
        data = files.read(item)
    except OSError as e:
        return [], 0, (display_name(item.path), f"unreadable: {e.strerror}")
    return detector.scan_bytes(data, shown), len(data), None


_WORKER: Detector | None = None


def _init_worker(rule_paths: tuple[RulesSource, ...], fast_gate: bool, depth: int) -> None:
    global _WORKER
    _WORKER = Detector.load(rule_paths, fast_gate=fast_gate, max_decode_depth=depth)


def _scan_batch(batch: list[files.FileItem]) -> list[Result]:
    assert _WORKER is not None
    return [_scan_one(_WORKER, item) for item in batch]
