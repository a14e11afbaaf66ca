"""``twscan baseline create|update [MODE [ARGS …]]``: accept what a scan finds today.

The scan is any scanning command, given after the action exactly as it would be run on its
own (``scan src``, ``history --branches``, ``range origin/main..HEAD``), so there is one way to
say *what* to scan and the baseline cannot disagree with the gate about it. The mode runs with
its usual configuration (excludes, allowlist, inline ignores apply; no baseline filters it) and
hands its findings here through :data:`twscan.commands.common.COLLECT` instead of rendering.

``update`` keeps the salt and every entry's reason, adds what is new, and removes entries no
longer found — listing them, since a vanished secret is news (rotated? moved? excluded?). Only
entries the scan could have seen are judged: those under the scanned paths for ``scan``, all
for ``history``; ``staged`` and ``range`` see a slice of history, so they only add.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from twscan.core.errors import TwscanError
from twscan.core.model import Finding, ScanSummary, Triage
from twscan.core.safeio import clean
from twscan.triage.baseline import REASONS, Baseline, Entry, load
from twscan.triage.config import BASELINE_NAME, find_file
from twscan.triage.policy import Policy, baseline_key, baseline_path, live_paths, shown

SCAN_MODES = ("scan", "staged", "range", "history")
#: Modes that look at everything that could hold an accepted secret, so absence means gone.
_WHOLE = ("scan", "history")

DESCRIPTION = f"""\
Write the findings of a scan to a baseline file ({BASELINE_NAME} by default), so that later
scans report - and fail on - only findings not in it. MODE and its ARGS are any scanning
command as you would run it (default: scan .), e.g. `twscan baseline create history` or
`twscan baseline update scan src lib`. The file holds salted one-way fingerprints of rule,
secret and path: no secret, no line numbers, entries sorted, so it changes only when the set of
accepted secrets does. Scans find it on their own (the nearest {BASELINE_NAME} from the scan
root up to the repository root, or `baseline` in the configuration), or take --baseline FILE.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "baseline",
        help="accept today's findings, so that scans fail only on new ones",
        description=DESCRIPTION,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (
        ("create", "write a new baseline from a scan's findings"),
        ("update", "add new findings, keep reasons, remove (and list) stale entries"),
    ):
        a = actions.add_parser(name, help=help_text, description=DESCRIPTION)
        a.add_argument(
            "-o",
            "--output",
            type=Path,
            metavar="FILE",
            help=f"the baseline file (default: the configured baseline, or {BASELINE_NAME})",
        )
        a.add_argument(
            "--reason", choices=REASONS, help="the reason recorded on the entries this adds"
        )
        if name == "create":
            a.add_argument(
                "--force",
                action="store_true",
                help="replace an existing baseline (its reasons are lost; prefer update)",
            )
        a.add_argument(
            "mode",
            nargs=argparse.REMAINDER,
            metavar="MODE [ARGS ...]",
            help=f"the scan to take findings from: one of {', '.join(SCAN_MODES)} with its "
            "arguments (default: scan .)",
        )
        a.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from twscan.commands.common import policy, scan_root
    from twscan.commands.parser import build_parser  # here: the parser imports this module

    argv = list(args.mode) or ["scan", "."]
    if argv[0] not in SCAN_MODES:
        raise TwscanError(
            f"baseline {args.action}: {argv[0]!r} is not a scan mode; give one of "
            f"{', '.join(SCAN_MODES)} (default: scan .)"
        )
    inner = build_parser(argv).parse_args(argv)
    inner.no_baseline = True  # the baseline being written must not filter its own input
    pol = policy(inner)  # reads and checks the configuration before any scanning
    target = args.output or getattr(inner, "output", None)
    target = Path(target) if target else _default_target(args.action, pol, scan_root(inner))
    if args.action == "create":
        if target.exists() and not args.force:
            raise TwscanError(
                f"{target} exists: `twscan baseline update` keeps its entries' reasons "
                "(or use --force to start over)"
            )
        base = Baseline.new(target)
    else:
        if not target.exists():
            raise TwscanError(
                f"no baseline to update at {target}: create one with `twscan baseline create`"
            )
        base = load(target)

    found, t, summary = _collect(inner)
    now: dict[str, Entry] = {}
    for f in found:
        for path in live_paths(f, pol):
            where = baseline_path(base, path, pol.locate)
            fp = baseline_key(base, f, where)
            now[fp] = base.entries.get(fp) or Entry(fp, f.rule, where, args.reason)
    stale: list[Entry] = []
    outside = 0
    if args.action == "update":
        judged = _judge(argv[0], inner, summary, base, pol)
        for fp, e in base.entries.items():
            if fp in now:
                continue
            if judged(e):
                stale.append(e)
            else:
                now[fp] = e
                outside += 1
    added = sum(1 for fp in now if fp not in base.entries)
    kept = len(now) - added
    base.entries = now
    changed = base.save(target)
    _print_result(args.action, target, base, added, kept, outside, stale, changed, argv[0])
    if t.ignored:
        print(f"Not added: {len(t.ignored)} finding(s) ignored inline (twscan:ignore).")
    if summary.skipped:
        print(
            f"Not scanned, so not in the baseline: {len(summary.skipped)} file(s) "
            f"(e.g. {clean(summary.skipped[0][0])}: {clean(summary.skipped[0][1])})."
        )
    return 0


def _collect(inner: argparse.Namespace) -> tuple[list[Finding], Triage, ScanSummary]:
    """Run the scan mode; its ``emit`` hands over the triaged findings instead of a report."""
    from twscan.commands.common import COLLECT

    got: list[tuple[list[Finding], Triage, ScanSummary]] = []

    def collect(report: list[Finding], t: Triage, summary: ScanSummary, _: Policy) -> int:
        got.append((report + t.baselined, t, summary))
        return 0

    setattr(inner, COLLECT, collect)
    inner.func(inner)
    if not got:
        raise TwscanError(f"{inner.command} produced no findings to record")
    return got[0]


def _default_target(action: str, pol: Policy, start: Path) -> Path:
    if pol.config.baseline is not None:
        return pol.config.baseline
    if action == "update":
        found = find_file(start, BASELINE_NAME)
        if found is not None:
            return found
    return Path(BASELINE_NAME)


def _judge(
    mode: str, inner: argparse.Namespace, summary: ScanSummary, base: Baseline, pol: Policy
) -> Callable[[Entry], bool]:
    """Which existing entries this scan could have found again (the others are kept)."""
    if mode not in _WHOLE:
        return lambda e: False
    root = str(base.root)
    not_seen = {pol.locate(p) for p, _ in summary.skipped}
    if mode == "history":
        return lambda e: os.path.normpath(os.path.join(root, e.path)) not in not_seen
    scanned = list(inner.paths)
    dirs = [pol.locate(p) for p in scanned if p != "-"]

    def in_scope(e: Entry) -> bool:
        if e.path == "-":
            return "-" in scanned
        where = os.path.normpath(os.path.join(root, e.path))
        if where in not_seen:
            return False
        return any(d is not None and (where == d or where.startswith(d + os.sep)) for d in dirs)

    return in_scope


def _print_result(
    action: str,
    target: Path,
    base: Baseline,
    added: int,
    kept: int,
    outside: int,
    stale: list[Entry],
    changed: bool,
    mode: str,
) -> None:
    verb = "wrote" if action == "create" else ("updated" if changed else "unchanged:")
    parts = [f"{added} added"]
    if action == "update":
        parts.append(f"{kept - outside} kept")
        if outside:
            parts.append(f"{outside} outside this scan, kept")
        parts.append(f"{len(stale)} stale removed")
    n = len(base.entries)
    entries = f"{n} entry" if n == 1 else f"{n} entries"
    print(f"twscan: {verb} {clean(shown(target))}: {entries} ({', '.join(parts)})")
    if stale:
        print("Removed stale entries (no longer found by this scan):")
        for e in sorted(stale, key=lambda e: (e.path, e.rule)):
            # Paths and rules read back from the baseline file: as untrusted as any file's text.
            print(f"  {clean(e.path)}  {clean(e.rule)}  (reason: {e.reason or 'none'})")
    if action == "update" and mode not in _WHOLE:
        print(
            f"Note: `{mode}` scans part of the history, so no entry was judged stale; "
            "update from `scan` or `history` to find stale entries."
        )
