"""Command-line entry point: parse, dispatch, and map every failure to exit code 2.

Exit codes: 0 nothing found, 1 findings, 2 usage or runtime error (one line on stderr).
Subcommand modules are imported here, but each keeps heavy imports (requests) inside the
functions that need them, so ``twscan staged`` starts as fast as Python allows.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from twscan import __version__
from twscan.errors import TwscanError

# Module names under twscan.commands, in the order ``--help`` lists them.
COMMANDS = ("scan", "rules_cmd", "exposure", "baseline_cmd")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"twscan: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="twscan",
        description="Find leaked Twilio credentials in files, staged changes and git history.",
        epilog="Exit codes: 0 nothing found, 1 findings, 2 usage or runtime error.",
    )
    parser.add_argument("--version", action="version", version=f"twscan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"twscan.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except TwscanError as e:
        sys.stderr.write(f"twscan: error: {e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("twscan: interrupted\n")
        return 2
    except BrokenPipeError:
        return 2
    except OSError as e:
        sys.stderr.write(f"twscan: error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}\n")
        return 2
