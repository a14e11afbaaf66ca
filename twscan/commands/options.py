"""The options of the scanning commands: defined only when a parser is built.

The commit hook's usual command line (``twscan staged -- FILE...``) is read without a parser
(see :func:`twscan.commands.staged.fast_args`), so nothing here, argparse included, is on its
path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from twscan.core.model import Severity
from twscan.net.github.options import add_github_args, add_verify_args
from twscan.reports import FORMATS
from twscan.triage import config


def add_output_args(p: argparse.ArgumentParser) -> None:
    """Everything a scanning command takes: report, rules, limits, project settings and the
    opt-in network checks."""
    add_report_args(p)
    add_rule_args(p)
    add_network_args(p)
    add_project_args(p)


def add_report_args(p: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS) -> None:
    """How a report is written: shared by scans, ``twscan exposure`` and ``twscan audit``."""
    g = p.add_argument_group("output")
    g.add_argument("-f", "--format", choices=formats, default="text", help="report format")
    g.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    g.add_argument(
        "--show-secrets",
        action="store_true",
        help="print secrets in full (they are redacted by default)",
    )
    g.add_argument("--lang", choices=("en", "ja"), help="report language (default: from locale)")
    g.add_argument("--no-color", action="store_true", help="never colour the text report")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")


def add_rule_args(p: argparse.ArgumentParser) -> None:
    """Which rules, and the limits of what the engine reads."""
    r = p.add_argument_group("rules")
    r.add_argument(
        "--rules",
        metavar="FILE",
        action="append",
        default=[],
        type=Path,
        help="add the rules of this TOML file (repeatable)",
    )
    r.add_argument(
        "--max-file-size",
        metavar="BYTES",
        type=_size,
        default=config.DEFAULT_MAX_FILE_SIZE,
        action=_Given,
        help="skip (and report) files larger than this; suffixes K, M, G (default 50M)",
    )
    r.add_argument(
        "--max-decode-depth",
        metavar="N",
        type=_depth,
        default=None,
        help="encoding layers to look through, e.g. base64 of base64 is 2; 0 turns decoding "
        "off (default: the configured max-decode-depth, else 2)",
    )


def add_network_args(p: argparse.ArgumentParser) -> None:
    """The opt-in network checks: ``--check-github`` and ``--verify``."""
    add_github_args(p)
    add_verify_args(p)


def add_project_args(p: argparse.ArgumentParser) -> None:
    """A project's settings: configuration, baseline and fail-on."""
    c = p.add_argument_group("project settings (see docs/workflow.md)")
    c.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="read settings from FILE instead of the nearest .twscan.toml or pyproject.toml",
    )
    c.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="report only findings not accepted in FILE (default: the configured baseline, "
        f"or the nearest {config.BASELINE_NAME})",
    )
    c.add_argument("--no-baseline", action="store_true", help="use no baseline: report all")
    c.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        help="the least severity that fails the run; findings below it are reported but "
        "exit 0 (default: the configured fail-on, else low)",
    )


class _Given(argparse.Action):
    """Store the value and note that the user gave it, so that it overrides the config file."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def _depth(v: str) -> int:
    try:
        n = int(v)
    except ValueError:
        n = -1
    if not 0 <= n <= config.MAX_DECODE_DEPTH:
        raise argparse.ArgumentTypeError(
            f"--max-decode-depth takes a whole number from 0 to {config.MAX_DECODE_DEPTH}"
        )
    return n


def _size(v: str) -> int:
    mult = {"k": 1024, "m": 1024**2, "g": 1024**3}
    s = v.strip().lower()
    try:
        if s and s[-1] in mult:
            return int(float(s[:-1]) * mult[s[-1]])
        return int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {v!r}") from None


