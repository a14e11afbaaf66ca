"""The command-line parser: built only for a command line the fast path does not take.

Only the module of the command being run is imported and registered (all of them for
``--help``).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from twscan import __version__
from twscan.core.redact import redact
from twscan.core.safeio import clean

# Command name -> module under twscan.commands, in the order ``--help`` lists them.
BY_NAME = {
    "scan": "scan",
    "staged": "staged",
    "range": "range_",
    "history": "history",
    "install-hook": "install_hook",
    "rules": "rules_cmd",
    "exposure": "exposure",
    "baseline": "baseline_cmd",
    "audit": "audit",
    "report": "report",
    "respond": "respond",
}
COMMANDS = tuple(BY_NAME.values())


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, like every other error, and where to read more: a CI log that shows an
        eleven-line usage block buries the one line that says what was wrong."""
        shown = clean(_SECRETISH.sub(_redacted, message))
        sys.stderr.write(f"twscan: error: {shown} (see {self.prog} --help)\n")
        raise SystemExit(2)


#: What argparse echoes back ("unrecognized arguments: --auth-token 9f…") may be a secret
#: typed where it does not belong: a run of 20 or more letters, digits, ``_``, ``.`` or ``-``
#: holding both letters and digits (Auth Tokens, key secrets, SendGrid keys; not option names)
#: is shown redacted.
_SECRETISH = re.compile(r"[A-Za-z0-9_.-]{20,}")


def _redacted(m: re.Match[str]) -> str:
    word = m.group()
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        return redact(word)
    return word


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="twscan",
        description="Find leaked Twilio credentials in files, staged changes and git history.",
        epilog="Exit codes: 0 nothing found, 1 findings, 2 usage or runtime error.",
    )
    parser.add_argument("--version", action="version", version=f"twscan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = _command_of(argv)
    for name in [chosen] if chosen else COMMANDS:
        importlib.import_module(f"twscan.commands.{name}").register(sub)
    return parser


def _command_of(argv: list[str] | None) -> str | None:
    """The module of the command named on the command line, if it is clear before parsing."""
    args = sys.argv[1:] if argv is None else argv
    first = next((a for a in args if not a.startswith("-")), None)
    if first is None or any(a in ("-h", "--help") for a in args[: args.index(first)]):
        return None
    return BY_NAME.get(first)
