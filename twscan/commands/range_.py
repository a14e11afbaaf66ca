"""``twscan range``: the pull-request and pre-push gate — the secrets a range of commits adds.

Each finding names the commit that introduced it (sha, author, date), so a reviewer knows which
commit to rewrite. Heavy imports wait until :func:`run`, keeping ``twscan --help`` fast.
"""

from __future__ import annotations

import argparse

from twscan.commands.common import add_output_args

HELP = "scan the commits of a revision range (a pull request, a push)"
DESCRIPTION = """\
Scan only the commits in REV-RANGE (git rev-list syntax, e.g. origin/main..HEAD) and report
each credential a commit introduces, with that commit's sha, author and date. Secrets already
present before the range, or only on branches merged in from outside it, are not reported.
A range whose base is all zeros (a new branch, as git hands a pre-push hook) means the commits
that no remote-tracking ref already has. Commit messages are scanned too.
Exit status: 0 nothing introduced, 1 credentials introduced, 2 error.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("range", help=HELP, description=DESCRIPTION)
    p.add_argument("revs", nargs="*", metavar="REV-RANGE", help="e.g. origin/main..HEAD")
    p.add_argument("--since", metavar="REV", help="scan REV..HEAD")
    p.add_argument(
        "--pre-push",
        action="store_true",
        help="scan what is being pushed: the refs pre-commit passes in PRE_COMMIT_FROM_REF/"
        "PRE_COMMIT_TO_REF, or the lines git gives a pre-push hook on standard input",
    )
    p.add_argument("--repo", default=".", metavar="PATH", help="repository (default: here)")
    add_output_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from twscan.commands.common import emit, load_detector
    from twscan.errors import TwscanError
    from twscan.model import ScanSummary
    from twscan.sources.commits import has_commit, pre_push_revs, range_revs, scan_commits

    if args.pre_push:
        if args.revs or args.since:
            raise TwscanError("--pre-push takes its range from the push: give no REV-RANGE")
        env_set = any(k in os.environ for k in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_LOCAL_BRANCH"))
        lines = [] if env_set or sys.stdin is None or sys.stdin.isatty() else sys.stdin.readlines()
        revs = pre_push_revs(os.environ, lines, lambda sha: has_commit(args.repo, sha))
        if revs is None:
            return emit([], ScanSummary(notes=["nothing is being pushed"]), args)
    else:
        revs = range_revs(args.revs, args.since)
    detector = load_detector(args)
    findings, summary = scan_commits(detector, args.repo, revs, args.max_file_size)
    return emit(findings, summary, args, detector)
