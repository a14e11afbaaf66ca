"""``twscan exposure SID [SID …]``: is this SID already public on GitHub?

Automates Twilio's advice to customers who fear a takeover: search GitHub for the Account SID,
then for each hit see when it was uploaded, by whom, and whether the token sits beside it.
Exit code 0 when no SID was found (or none could be checked for want of a token), 1 when at
least one is public, 2 on errors (bad token, validation error, rate limit beyond --max-wait).
"""

from __future__ import annotations

import argparse
import json
import sys

from twscan.commands.common import write_output
from twscan.commands.options import add_report_args
from twscan.core.messages import detect_lang
from twscan.net.github.exposure import add_github_args, check_args


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "exposure",
        help="check whether Twilio SIDs are already public on GitHub",
        description="Ask GitHub code search whether each Account SID (AC…) or API key SID "
        "(SK…) appears in public code, and for each hit: the repository, path, newest and "
        "oldest commit touching it, and whether a token sits beside the SID. Only the SIDs are "
        "sent to GitHub. Needs a token in GITHUB_TOKEN or GH_TOKEN (or --github-token-file); "
        "without one, prints the manual search URLs. 'Not found' means not found by GitHub "
        "code search, which covers default branches and files under 384 KB only. A token "
        "found beside a SID is always shown redacted, --show-secrets or not.",
        epilog="Exit codes: 0 no SID found on GitHub (or none checked for want of a token), "
        "1 at least one SID is public, 2 error (bad token, validation error, rate limit "
        "beyond --max-wait).",
    )
    parser.add_argument(
        "sids", nargs="+", metavar="SID", help="Account SIDs or API key SIDs; '-' reads stdin"
    )
    add_github_args(parser, with_flag=False)
    add_report_args(parser)
    parser.set_defaults(func=run)


def _read_sids(values: list[str]) -> list[str]:
    sids: list[str] = []
    for value in values:
        if value == "-":
            sids.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            sids.append(value)
    return sids


def _quiet(message: str) -> None:
    """``--quiet``: no progress notes (errors still end the run with their one line)."""


def run(args: argparse.Namespace) -> int:
    from twscan.net.github import render

    notify = _quiet if getattr(args, "quiet", False) else None
    results = check_args(_read_sids(args.sids), args, notify)
    fmt = getattr(args, "format", "text") or "text"
    if fmt == "json":
        report = json.dumps(render.json_document(results), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "sarif":
        report = json.dumps(render.sarif_log(results), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "github":
        report = render.to_github_annotations(results)
    else:
        report = render.to_text(results, detect_lang(getattr(args, "lang", None)))
    write_output(report, getattr(args, "output", None), fmt)
    return 1 if any(r.exposed for r in results) else 0
