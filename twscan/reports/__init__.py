"""Reporters render findings; they are the only place a secret is turned into display text."""

from __future__ import annotations

from collections.abc import Iterable

from twscan.core.model import Finding, ScanSummary
from twscan.core.record import Record

FORMATS = ("text", "json", "sarif", "github")


class ReportOptions(Record):
    """A record, not a dataclass: the commit hook builds one (see :mod:`twscan.core.record`)."""

    __slots__ = ("show_secrets", "lang", "color", "rules", "extra_sections")

    def __init__(
        self,
        show_secrets: bool = False,
        lang: str = "en",
        color: bool = False,
        rules: list[object] | None = None,
        extra_sections: dict[str, object] | None = None,
    ) -> None:
        self.show_secrets = show_secrets
        self.lang = lang
        self.color = color
        self.rules: list[object] = [] if rules is None else rules  # Rule / PairRule, for SARIF
        # e.g. "exposure" results
        self.extra_sections: dict[str, object] = {} if extra_sections is None else extra_sections


def render(findings: list[Finding], summary: ScanSummary, fmt: str, opts: ReportOptions) -> str:
    return "".join(render_chunks(findings, summary, fmt, opts))


def render_chunks(
    findings: list[Finding], summary: ScanSummary, fmt: str, opts: ReportOptions
) -> Iterable[str]:
    """The report in pieces to write one after the other: JSON and SARIF make each finding's
    object only as it is written, so a report of a hundred thousand findings is never held
    whole."""
    if fmt == "json":
        from twscan.reports.json_report import json_chunks

        return json_chunks(findings, summary, opts)
    if fmt == "sarif":
        from twscan.reports.sarif import sarif_chunks

        return sarif_chunks(findings, summary, opts)
    return [_render_text_like(findings, summary, fmt, opts)]


def _render_text_like(
    findings: list[Finding], summary: ScanSummary, fmt: str, opts: ReportOptions
) -> str:
    if fmt == "github":
        from twscan.reports.github_annotations import render_github

        return render_github(findings, summary, opts)
    from twscan.reports.text import render_text

    return render_text(findings, summary, opts)
