"""``twscan respond``: Twilio's account-takeover checklist, planned, then executed on request.

Read-only by default: the plan lists every step of Twilio's checklist for the account, the
automatic ones with the requests ``--execute`` would send, the manual ones with their Console
links. ``--execute`` performs the selected steps after a confirmation, recording each in a
journal so that a second run continues where the first stopped. Exit codes: 0 plan shown or
every step done, 2 error (one line) or a step that failed (the rest is listed).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from twscan.commands.common import write_output
from twscan.core.errors import TwscanError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from twscan.response.journal import Journal
    from twscan.response.plan import Options, Plan



def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "respond",
        help="plan and execute Twilio's account-takeover checklist through Twilio's API",
        description="Plan (default, read-only) or execute Twilio's checklist for a leaked "
        "credential: rotate Auth Tokens without an outage, delete leaked API keys, narrow Voice "
        "and SMS geographic permissions, set a daily usage trigger; the Console-only steps "
        "(passwords, 2FA, users' emails, caller IDs) are listed with their links. The credential "
        "to act with comes from TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY "
        "and TWILIO_API_SECRET), --credentials-file, or a prompt; never from the command line.",
        epilog="Exit codes: 0 plan shown or all steps done, 2 error or a failed step (one line "
        "naming it; what is left is listed). See docs/respond.md.",
    )
    p.add_argument(
        "--account",
        metavar="AC…",
        help="the account to respond for (default: the "
        "credential's account; may be one of its subaccounts)",
    )
    p.add_argument(
        "--credentials-file",
        metavar="FILE",
        help="NAME=value lines with "
        "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY/TWILIO_API_SECRET)",
    )
    p.add_argument(
        "--from-report",
        metavar="FILE",
        action="append",
        default=[],
        help="a twscan JSON report (scan, history, audit): the accounts and API keys "
        "it found are acted on; repeatable",
    )
    p.add_argument(
        "--subaccount",
        metavar="AC…",
        action="append",
        default=[],
        help="also act on this subaccount; repeatable",
    )
    p.add_argument("--all-subaccounts", action="store_true", help="act on every subaccount")
    g = p.add_argument_group("execution (nothing changes without --execute)")
    g.add_argument(
        "--execute",
        action="store_true",
        help="perform the selected automatic steps after a confirmation",
    )
    g.add_argument("--yes", action="store_true", help="do not ask for the confirmation")
    g.add_argument(
        "--promote-now",
        action="store_true",
        help="promote each new Auth Token at "
        "once (an outage for every application still on the old one: for emergencies)",
    )
    g.add_argument(
        "--promote",
        action="store_true",
        help="promote the secondary Auth Tokens an "
        "earlier --execute created (after you deployed them)",
    )
    g.add_argument(
        "--all-keys",
        action="store_true",
        help="delete every API key, not only the leaked ones (except the key twscan acts with)",
    )
    g.add_argument(
        "--daily-limit",
        metavar="AMOUNT",
        help="create a daily usage trigger on total price at AMOUNT (in the account's currency)",
    )
    g.add_argument(
        "--trigger-callback",
        metavar="URL",
        help="the URL Twilio calls when the trigger fires (required by Twilio with --daily-limit)",
    )
    g.add_argument(
        "--allow-countries",
        metavar="CC,CC",
        help="narrow Voice dialing and SMS permissions to these ISO country codes",
    )
    g.add_argument(
        "--mark-done",
        metavar="ID",
        action="append",
        default=[],
        help="record a manual step (manual:2fa, manual:passwords ...) as done in the journal; "
        "repeatable",
    )
    g.add_argument(
        "--journal",
        metavar="FILE",
        help="the incident's journal (default: "
        "twscan-respond-<account>.json in the current directory)",
    )
    g.add_argument(
        "--secret-out",
        metavar="FILE",
        help="hand new Auth Tokens over in this file (created 0600) instead of on the terminal",
    )
    n = p.add_argument_group("network")
    n.add_argument(
        "--twilio-api-base",
        metavar="URL",
        help="one base URL for all of Twilio's "
        "hosts (a proxy or a test server; https, or http on loopback)",
    )
    n.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="deadline of one request in seconds (default: 30)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the plan there")
    p.set_defaults(func=run)


def _options(args: argparse.Namespace) -> Options:
    from twscan.net.twilio.api import ACCOUNT_SID, ISO
    from twscan.response.plan import Options

    limit: Decimal | None = None
    if args.daily_limit is not None:
        try:
            limit = Decimal(args.daily_limit.strip())
        except InvalidOperation:
            raise TwscanError("--daily-limit must be an amount, such as 50 or 12.50") from None
        if not limit.is_finite() or limit <= 0:
            raise TwscanError("--daily-limit must be an amount above 0")
        if not args.trigger_callback:
            raise TwscanError(
                "--daily-limit needs --trigger-callback URL: Twilio requires a "
                "callback for a usage trigger"
            )
    if args.trigger_callback is not None and not re.fullmatch(
        r"https?://[^\s]+", args.trigger_callback
    ):
        raise TwscanError("--trigger-callback must be an http(s) URL")
    countries: list[str] | None = None
    if args.allow_countries is not None:
        countries = [c.strip().upper() for c in args.allow_countries.split(",") if c.strip()]
        bad = [c for c in countries if not ISO.fullmatch(c)]
        if bad or not countries:
            raise TwscanError("--allow-countries takes ISO 3166 two-letter codes, such as US,CA")
    if args.promote and args.promote_now:
        raise TwscanError("--promote and --promote-now exclude each other")
    if args.timeout <= 0 or args.timeout > 600:
        raise TwscanError("--timeout must be between 0 and 600 seconds")
    if args.account is not None and not ACCOUNT_SID.fullmatch(args.account):
        raise TwscanError("--account must be an Account SID (AC and 32 hex digits)")
    for sub in args.subaccount:
        if not ACCOUNT_SID.fullmatch(sub):
            raise TwscanError("--subaccount must be an Account SID (AC and 32 hex digits)")
    return Options(
        execute=args.execute,
        promote_now=args.promote_now,
        promote=args.promote,
        all_keys=args.all_keys,
        daily_limit=limit,
        trigger_callback=args.trigger_callback,
        allow_countries=countries,
    )


def run(args: argparse.Namespace) -> int:
    import json

    from twscan.net.twilio.client import TwilioClient
    from twscan.response import execute, leaks, plan, render, survey
    from twscan.response.credentials import acting_credential
    from twscan.response.handover import Handover
    from twscan.response.journal import Journal

    opts = _options(args)
    found = leaks.load(args.from_report)
    cred = acting_credential(args.credentials_file, interactive=sys.stdin.isatty())
    client = TwilioClient(args.twilio_api_base, deadline=args.timeout)
    try:
        target = args.account or cred.account_sid
        state = survey.survey(
            client,
            cred,
            target=target,
            subaccounts=args.subaccount,
            all_subaccounts=args.all_subaccounts,
            leaks=found,
        )
        the_plan = plan.build(state, client, opts, found)
        journal_path = Path(args.journal or f"twscan-respond-{cred.account_sid}.json")
        journal = (
            Journal(journal_path, cred.account_sid, the_plan.base)
            if (args.execute or args.mark_done or journal_path.exists())
            else None
        )
        if args.mark_done:
            assert journal is not None
            _mark_done(journal, the_plan, args.mark_done)
        if journal is not None:
            for step in the_plan.steps:
                if journal.done(step.id) is not None:
                    step.status = "done"
        if not args.execute:
            _emit(
                args,
                render.text(the_plan)
                if args.format == "text"
                else json.dumps(render.document(the_plan), indent=2) + "\n",
            )
            return 0
        assert journal is not None
        journal.lock()
        todo = execute.order(the_plan)
        todo = [s for s in todo if journal.done(s.id) is None]
        fallback = journal_path.with_name(f"twscan-respond-{cred.account_sid}.tokens")
        handover = Handover(args.secret_out, fallback)
        if any(s.id.startswith("secondary:") for s in todo):
            note = handover.check()
            if note:
                sys.stderr.write(f"twscan: {note}\n")
        say = _stderr if args.format == "json" or args.output else _stdout
        if args.format == "text" and not args.output:
            sys.stdout.write(render.text(the_plan, execute=True))
        if not todo:
            say("Nothing to do: every selected step is done.")
            outcome = execute.Outcome()
        else:
            _confirm(args, len(todo), cred.account_sid)
            say(f"Executing {len(todo)} step(s); journal: {journal_path}")
            outcome = execute.run(the_plan, client, journal, handover, say=say)
        if args.format == "json":
            _emit(
                args, json.dumps(render.document(the_plan, outcome, execute=True), indent=2) + "\n"
            )
        elif args.output:
            _emit(args, render.text(the_plan, outcome, execute=True))
        else:
            lines = render.outcome_lines(outcome, the_plan, shlex.quote(str(journal_path)))
            sys.stdout.write("\n".join(lines) + "\n")
        if outcome.failed is not None:
            step, why = outcome.failed
            sys.stderr.write(
                f"twscan: error: step {step.id} failed: {why}; "
                f"{len(outcome.left)} step(s) left, run again to continue\n"
            )
            return 2
        return 0
    finally:
        client.close()


def _mark_done(journal: Journal, the_plan: Plan, ids: list[str]) -> None:
    """The checklist's manual steps are the user's to do; the journal keeps track of them."""
    manual = {s.id for s in the_plan.steps if s.mode == "manual"}
    for step_id in ids:
        if step_id not in manual:
            raise TwscanError(
                f"--mark-done {step_id!r} is not a manual step of this plan (one of: "
                f"{', '.join(sorted(manual))})"
            )
    journal.lock()
    for step_id in ids:
        if journal.done(step_id) is None:
            journal.record(step_id, "done", by="the user (--mark-done)")


def _emit(args: argparse.Namespace, text: str) -> None:
    write_output(text, args.output, args.format)


def _stdout(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def _confirm(args: argparse.Namespace, count: int, account: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise TwscanError("--execute changes the account: confirm on a terminal, or pass --yes")
    sys.stderr.write(f"Make these {count} change(s) on {account}? Type 'yes' to go on: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() != "yes":
        raise TwscanError("not confirmed: nothing was changed")
