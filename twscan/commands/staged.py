"""``twscan staged``: the pre-commit gate — block a commit that would add a credential.

Everything beyond argument parsing is imported inside :func:`run`, so registering this command
costs the CLI nothing and the hook path pulls in only git, the detector and the report.
"""

from __future__ import annotations

import argparse

from twscan.commands.common import add_output_args

HELP = "scan what the next commit would add (the index against HEAD)"
DESCRIPTION = """\
Scan the staged changes - the blobs in git's index, which is exactly what `git commit` will
record - and report only credentials the commit newly introduces: a secret counts as new when
the staged file holds it and the file's version in HEAD (or the source of a rename) does not.
Work-tree changes that are not staged are ignored. Exit status: 0 nothing new, 1 new
credentials found (the commit should be refused), 2 error.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("staged", help=HELP, description=DESCRIPTION)
    p.add_argument("--repo", default=".", metavar="PATH", help="repository (default: here)")
    add_output_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from twscan.commands.common import emit, load_detector
    from twscan.sources.staged import scan_staged

    detector = load_detector(args)
    findings, summary = scan_staged(detector, args.repo, args.max_file_size)
    return emit(findings, summary, args, detector)
