"""Reporters render findings; they are the only place a secret is turned into display text."""

from __future__ import annotations

from dataclasses import dataclass, field

from twscan.model import Finding, ScanSummary

FORMATS = ("text", "json", "sarif", "github")


@dataclass
class ReportOptions:
    show_secrets: bool = False
    lang: str = "en"
    color: bool = False
    rules: list[object] = field(default_factory=list)  # Rule / PairRule, for SARIF metadata
    extra_sections: dict[str, object] = field(default_factory=dict)  # e.g. "exposure" results


def render(findings: list[Finding], summary: ScanSummary, fmt: str, opts: ReportOptions) -> str:
    if fmt == "json":
        from twscan.reports.json_report import render_json

        return render_json(findings, summary, opts)
    if fmt == "sarif":
        from twscan.reports.sarif import render_sarif

        return render_sarif(findings, summary, opts)
    if fmt == "github":
        from twscan.reports.github_annotations import render_github

        return render_github(findings, summary, opts)
    from twscan.reports.text import render_text

    return render_text(findings, summary, opts)
