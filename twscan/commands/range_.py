"""``twscan range``: the pull-request and pre-push gate — the secrets a range of commits adds.

Each finding names the commit that introduced it (sha, author, date), so a reviewer knows which
commit to rewrite. Heavy imports wait until :func:`run`, keeping ``twscan --help`` fast.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from twscan.commands.options import add_output_args

if TYPE_CHECKING:
    from twscan.core.model import ScanSummary

HELP = "scan the commits of a revision range (a pull request, a push)"
DESCRIPTION = """\
Scan only the commits in REV-RANGE (git rev-list syntax, e.g. origin/main..HEAD) and report
each credential a commit introduces, with that commit's sha, author and date. Secrets already
present before the range, or only on branches merged in from outside it, are not reported.
A range whose base is all zeros (a new branch, as git hands a pre-push hook) means the commits
that no remote-tracking ref already has (the branch's own aside). Commit messages are scanned
too. Configuration, baseline and rules files are read as the range's base commit holds them,
so the commits under review cannot change how they are checked (--config-from worktree turns
this off). A range that holds no commits is an error unless --allow-empty.
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
        "PRE_COMMIT_TO_REF (and every local branch and tag the remote lacks), or the lines "
        "git gives a pre-push hook on standard input",
    )
    p.add_argument("--repo", default=".", metavar="PATH", help="repository (default: here)")
    p.add_argument(
        "--config-from",
        choices=("base", "worktree"),
        default="base",
        help="where configuration, baseline and rules files inside the repository are read: "
        "as the range's base commit holds them (default), or from the checkout (only for a "
        "checkout you trust: a pull request could then allowlist itself)",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="a range that holds no commits passes (exit 0) instead of being an error",
    )
    add_output_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from twscan.commands.common import POLICY_NOTES, emit, load_detector, settings_from_commit
    from twscan.core.errors import TwscanError
    from twscan.sources.commits import (
        has_commit,
        pre_push_ranges,
        resolve_range,
        scan_commits,
    )

    if args.pre_push:
        if args.revs or args.since:
            raise TwscanError("--pre-push takes its range from the push: give no REV-RANGE")
        env_set = any(k in os.environ for k in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_LOCAL_BRANCH"))
        lines = [] if env_set or sys.stdin is None or sys.stdin.isatty() else sys.stdin.readlines()
        ranges = pre_push_ranges(args.repo, os.environ, lines, lambda s: has_commit(args.repo, s))
        if ranges is None:
            from twscan.core.model import ScanSummary

            return emit([], ScanSummary(notes=["nothing is being pushed"]), args)
    else:
        ranges = [resolve_range(args.repo, args.revs, args.since)]
        if args.allow_empty:
            ranges[0].may_be_empty = True
    base = ranges[0].base
    from_base = args.config_from == "base"
    if from_base:
        settings_from_commit(args, args.repo, base)
    detector = load_detector(args)
    findings, summary = scan_commits(detector, args.repo, ranges, args.max_file_size)
    summary.notes.extend(getattr(args, POLICY_NOTES, []))
    if from_base:
        _report_changed_settings(args, base, [t for r in ranges for t in r.include], summary)
    if not summary.commits_scanned:
        summary.notes.append("no commit in the range: nothing new to check")
    return emit(findings, summary, args, detector)


def _report_changed_settings(
    args: argparse.Namespace, base: str | None, tips: list[str], summary: ScanSummary
) -> None:
    """Warn when the commits under review change a file that governs their own check: the
    change takes effect once it is merged, and a reviewer should look at it."""
    import sys
    from pathlib import Path

    from twscan import git
    from twscan.commands.common import commit_files, policy, scan_root
    from twscan.triage import committed

    pol = policy(args)
    files = commit_files(args)
    assert files is not None and files.commit == base
    named = [Path(p) for p in (getattr(args, "config", None), getattr(args, "baseline", None)) if p]
    named += [Path(p) for p in getattr(args, "rules", []) or ()]
    watched = committed.governing_paths(files, pol.config, scan_root(args), named)
    if not watched:
        return  # no pathspec would mean every path the range changes
    changed: set[str] = set()
    left = base or git.empty_tree(args.repo)
    for tip in tips:
        diff = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff"]
        out = git.run([*diff, left, tip, "--", *(f":(literal){w}" for w in watched)], cwd=args.repo)
        changed.update(git.display_path(p) for p in git.zsplit(out))
    if not changed:
        return
    names = ", ".join(sorted(changed))
    note = (
        f"the range changes {names}, which govern(s) this check: the configuration, baseline "
        f"and rules of the range's base {files.short} were used, not the range's own "
        "(--config-from worktree trusts the checkout)"
    )
    summary.notes.append(note)
    if not getattr(args, "quiet", False):
        from twscan.core.safeio import clean

        sys.stderr.write(f"twscan: warning: {clean(note)}\n")  # the names are the range's
