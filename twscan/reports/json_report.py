"""The JSON contract CI scripts parse. Documented in README.md; change only additively.

Version 1: ``{"version": 1, "tool": {...}, "findings": [...], "summary": {...}}``. Fields of a
finding are always present (``null`` when not applicable) so consumers need no existence checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from twscan import __version__
from twscan.core.messages import Messages
from twscan.core.model import Finding, ScanSummary, Triage, secret_hash
from twscan.core.redact import redact
from twscan.reports import ReportOptions

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import Any

SCHEMA_VERSION = 1


def finding_dict(f: Finding, opts: ReportOptions, msg: Messages) -> dict[str, Any]:
    show = opts.show_secrets
    d: dict[str, Any] = {
        "rule": f.rule,
        "kind": f.kind,
        "severity": f.severity.value,
        "title": f.title,
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "offset": f.offset,
        "secret": redact(f.secret, show),
        "secret_hash": f.secret_hash,
        "fingerprint": f.fingerprint,
        "reason": reason_text(f, msg),
        "reason_code": f.reason,
        "encoding": f.encoding,
        "pair": None,
        "commit": f.commit.sha if f.commit else None,
        "author": f.commit.author if f.commit else None,
        "author_email": f.commit.email if f.commit else None,
        "date": f.commit.date if f.commit else None,
        "remediation": msg.remediation_key(f.kind, _secret_kind(f)),
    }
    if f.pair:
        d["pair"] = {
            "rule": f.pair.rule,
            "kind": f.pair.kind,
            "secret": redact(f.pair.secret, show),
            "secret_hash": secret_hash(f.pair.secret),  # what `twscan respond` matches SIDs by
            "line": f.pair.line,
            "column": f.pair.column,
            "offset": f.pair.offset,
        }
    for k, v in f.extra.items():
        if not k.startswith("_") and k not in d:
            d[k] = v
    return d


def _secret_kind(f: Finding) -> str | None:
    v = f.extra.get("secret_kind")
    return v if isinstance(v, str) else None


def reason_text(f: Finding, msg: Messages) -> str:
    detail = f.extra.get("reason_detail", "")
    return msg(f"reason.{f.reason}", kind=msg(f"kind.{f.kind}"), detail=detail)


def summary_dict(findings: list[Finding], summary: ScanSummary) -> dict[str, Any]:
    by_sev: dict[str, int] = {}
    for f in findings:
        by_sev[f.severity.value] = by_sev.get(f.severity.value, 0) + 1
    return {
        "findings": len(findings),
        "by_severity": by_sev,
        "files_scanned": summary.files_scanned,
        "bytes_scanned": summary.bytes_scanned,
        "commits_scanned": summary.commits_scanned,
        "skipped": [{"path": p, "reason": r} for p, r in summary.skipped],
        "notes": list(summary.notes),
        "duration_s": round(summary.duration_s, 3),
    }


def triage_dict(
    findings: list[Finding], t: Triage | None, opts: ReportOptions, msg: Messages
) -> dict[str, Any]:
    """What was set aside and why, with counts (``ignored`` and ``baselined`` list findings)."""
    t = t or Triage(failing=len(findings))
    return {
        "counts": {
            "total": len(findings) + len(t.baselined) + len(t.ignored),
            "new": len(findings),
            "baselined": len(t.baselined),
            "ignored": len(t.ignored),
            "allowlisted": t.allowlisted,
            "excluded": t.excluded,
            "failing": t.failing,
        },
        "fail_on": t.fail_on.value,
        "ignored": _lazy_findings(t.ignored, opts, msg),
        "baselined": _lazy_findings(t.baselined, opts, msg),
        "baseline": t.baseline_file,
        "config": t.config_file,
    }


def _lazy_findings(findings: list[Finding], opts: ReportOptions, msg: Messages) -> Any:
    from twscan.reports.jsonstream import Lazy

    return Lazy(findings, lambda f: finding_dict(f, opts, msg))


def render_json(findings: list[Finding], summary: ScanSummary, opts: ReportOptions) -> str:
    return "".join(json_chunks(findings, summary, opts))


def json_chunks(
    findings: list[Finding], summary: ScanSummary, opts: ReportOptions
) -> Iterator[str]:
    """The report in pieces: each finding's object is made as it is written (see
    :mod:`twscan.reports.jsonstream`)."""
    # here: the text report borrows reason_text from this module on every commit
    from twscan.reports.jsonstream import Lazy, chunks

    msg = Messages(opts.lang)
    doc: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "twscan", "version": __version__},
        "findings": Lazy(findings, lambda f: finding_dict(f, opts, msg)),
        "summary": summary_dict(findings, summary),
    }
    doc["summary"].update(triage_dict(findings, summary.triage, opts, msg))
    for k, v in opts.extra_sections.items():
        doc[k] = v
    yield from chunks(doc)
    yield "\n"
