"""``twscan history``: the audit — every credential ever committed, once, where it came in.

Heavy imports (the detector, multiprocessing) wait until :func:`run`, so registering this
command costs the CLI's other commands nothing.
"""

from __future__ import annotations

import argparse

from twscan.commands.options import add_output_args

HELP = "audit the whole history: every secret ever committed, once"
DESCRIPTION = """\
Scan every commit reachable from any ref (branches, tags, remote-tracking refs, the stash) -
file contents, commit and tag messages, and what merge commits change themselves - and report
each distinct secret once: the commit that introduced it (sha, author, date) and its path,
every other path that held it, and whether HEAD still holds it or it lives only in history.
Each object is read once, with the work spread over all cores. Exit status: 0 nothing found,
1 secrets found, 2 error.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("history", help=HELP, description=DESCRIPTION)
    p.add_argument("--repo", default=".", metavar="PATH", help="repository (default: here)")
    p.add_argument(
        "--branches",
        action="store_true",
        help="only local branches (default: every ref, tags and remote-tracking refs included)",
    )
    p.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="worker processes (default: one per core)"
    )
    add_output_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import functools

    from twscan.commands.common import emit, load_detector
    from twscan.detect.engine import Detector
    from twscan.sources.history import HistoryOptions, scan_history

    detector = load_detector(args, fast_gate=True)
    # What each worker process loads: the same rules and settings as this one.
    factory = functools.partial(
        Detector.load,
        detector.rule_paths,
        fast_gate=True,
        max_decode_depth=detector.max_decode_depth,
    )
    options = HistoryOptions(
        refs=["--branches"] if args.branches else ["--all"],
        jobs=args.jobs,
        quiet=args.quiet,
        max_size=args.max_file_size,
    )
    findings, summary = scan_history(factory, args.repo, options)
    return emit(findings, summary, args, detector)
