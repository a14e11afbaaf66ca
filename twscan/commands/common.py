"""What every scanning command shares: output options, rule loading, and the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from twscan.detect import Detector
from twscan.errors import TwscanError
from twscan.messages import detect_lang
from twscan.model import Finding, ScanSummary
from twscan.reports import FORMATS, ReportOptions, render

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def add_output_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output")
    g.add_argument("-f", "--format", choices=FORMATS, default="text", help="report format")
    g.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    g.add_argument(
        "--show-secrets",
        action="store_true",
        help="print secrets in full (they are redacted by default)",
    )
    g.add_argument("--lang", choices=("en", "ja"), help="report language (default: from locale)")
    g.add_argument("--no-color", action="store_true", help="never colour the text report")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")
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
        default=50 * 1024 * 1024,
        help="skip (and report) files larger than this; suffixes K, M, G (default 50M)",
    )


def _size(v: str) -> int:
    mult = {"k": 1024, "m": 1024**2, "g": 1024**3}
    s = v.strip().lower()
    try:
        if s and s[-1] in mult:
            return int(float(s[:-1]) * mult[s[-1]])
        return int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {v!r}") from None


def load_detector(args: argparse.Namespace, fast_gate: bool = False) -> Detector:
    return Detector.load(tuple(getattr(args, "rules", []) or ()), fast_gate=fast_gate)


def report_options(args: argparse.Namespace, detector: Detector | None) -> ReportOptions:
    color = (
        args.format == "text"
        and not args.output
        and not args.no_color
        and "NO_COLOR" not in os.environ
        and sys.stdout.isatty()
    )
    rules: list[object] = []
    if detector is not None:
        rules = [*detector.rules, *detector.pairs]
    return ReportOptions(
        show_secrets=args.show_secrets, lang=detect_lang(args.lang), color=color, rules=rules
    )


def emit(
    findings: list[Finding],
    summary: ScanSummary,
    args: argparse.Namespace,
    detector: Detector | None = None,
) -> int:
    """Render, write, and turn the result into the documented exit code."""
    opts = report_options(args, detector)
    text = render(findings, summary, args.format, opts)
    write_output(text, args.output)
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def write_output(text: str, output: str | None) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise TwscanError(f"cannot write report to {output}: {e.strerror}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
