"""SARIF 2.1.0 for code-scanning upload (GitHub, GitLab, Azure DevOps).

Validated in the tests against the official OASIS schema. GitHub reads ``security-severity``
from rule properties to rank alerts, and ``partialFingerprints`` to keep an alert's identity
when lines move; both are filled from the same data the other reports use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from twscan import __version__
from twscan.core.messages import Messages
from twscan.core.model import Finding, ScanSummary, Severity
from twscan.core.redact import redact
from twscan.detect.rules import PairRule, Rule
from twscan.reports import ReportOptions
from twscan.reports.json_report import reason_text

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note"}
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.0",
                      Severity.LOW: "3.0"}


def artifact_uri(path: str) -> dict[str, str]:
    if os.path.isabs(path):
        return {"uri": "file://" + quote(path.replace(os.sep, "/"))}
    p = path.replace(os.sep, "/")
    while p.startswith("./"):
        p = p[2:]
    return {"uri": quote(p), "uriBaseId": "%SRCROOT%"}


def _rule_descriptor(r: Rule | PairRule, msg: Messages) -> dict[str, Any]:
    kind = r.kind if isinstance(r, Rule) else "credential-pair"
    secret_kind = r.secret_kind if isinstance(r, PairRule) else None
    remediation = msg.remediation(kind, secret_kind)
    help_text = f"{msg('help.text')}\n\n{msg('report.what_to_do')}:\n{remediation}"
    return {
        "id": r.id,
        "name": "".join(w.capitalize() for w in r.id.replace("_", "-").split("-")),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.description or r.title},
        "help": {"text": help_text, "markdown": help_text.replace("\n", "  \n")},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[r.severity],
            "tags": ["security", "secret", "twilio"],
            "kind": kind,
        },
    }


def _result(
    f: Finding, opts: ReportOptions, msg: Messages, index: dict[str, int]
) -> dict[str, Any]:
    value = redact(f.secret, opts.show_secrets)
    text = f"{f.title}: {value} ({reason_text(f, msg)})"
    region: dict[str, Any] = {"startLine": max(1, f.line), "startColumn": max(1, f.column)}
    if f.end_line >= f.line and f.end_column > 0:
        region["endLine"] = f.end_line
        region["endColumn"] = f.end_column
    if f.encoding == "binary":
        region = {"byteOffset": f.offset, "byteLength": len(f.secret)}
    res: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [
            {"physicalLocation": {"artifactLocation": artifact_uri(f.file), "region": region}}
        ],
        "partialFingerprints": {"twscan/v1": f.fingerprint},
        "properties": {"kind": f.kind, "severity": f.severity.value, "secretHash": f.secret_hash},
    }
    if f.rule in index:
        res["ruleIndex"] = index[f.rule]
    if f.pair:
        other = f"{msg('kind.' + f.pair.kind)} {redact(f.pair.secret, opts.show_secrets)}"
        other_region = {"startLine": max(1, f.pair.line), "startColumn": max(1, f.pair.column)}
        res["relatedLocations"] = [
            {
                "id": 1,
                "message": {"text": other},
                "physicalLocation": {
                    "artifactLocation": artifact_uri(f.file),
                    "region": other_region,
                },
            }
        ]
    if f.commit:
        res["properties"].update(
            {"commit": f.commit.sha, "author": f.commit.author, "date": f.commit.date}
        )
    for k, v in f.extra.items():
        if not k.startswith("_") and k not in res["properties"]:
            res["properties"][k] = v
    return res


def render_sarif(findings: list[Finding], summary: ScanSummary, opts: ReportOptions) -> str:
    return "".join(sarif_chunks(findings, summary, opts))


def sarif_chunks(
    findings: list[Finding], summary: ScanSummary, opts: ReportOptions
) -> Iterator[str]:
    """The log in pieces: each result is made as it is written (see
    :mod:`twscan.reports.jsonstream`)."""
    from twscan.reports.jsonstream import Lazy, chunks

    msg = Messages(opts.lang)
    rules = [r for r in opts.rules if isinstance(r, Rule | PairRule)]
    descriptors = [_rule_descriptor(r, msg) for r in rules]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    extra_rules = opts.extra_sections.get("sarif_rules")
    if isinstance(extra_rules, list):
        for d in extra_rules:
            index[d["id"]] = len(descriptors)
            descriptors.append(d)
    results: list[Any] = [*findings]
    extra_results = opts.extra_sections.get("sarif_results")
    if isinstance(extra_results, list):
        results.extend(extra_results)

    def result(item: Any) -> Any:  # exposure results come ready-made
        return _result(item, opts, msg, index) if isinstance(item, Finding) else item

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "twscan",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/twscan/twscan",
                "rules": descriptors,
            }
        },
        "results": Lazy(results, result),
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _cwd_uri()}},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "note", "message": {"text": f"not scanned: {p}: {r}"}}
                    for p, r in summary.skipped
                ]
                + _set_aside_notes(summary),
            }
        ],
        "columnKind": "unicodeCodePoints",
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    yield from chunks(doc)
    yield "\n"


def _cwd_uri() -> str:
    cwd = os.getcwd().replace(os.sep, "/")
    return "file://" + quote(cwd if cwd.endswith("/") else cwd + "/")


def _set_aside_notes(summary: ScanSummary) -> list[dict[str, Any]]:
    """Counts of findings kept out of the results, so an upload never hides them silently.

    Not as suppressed results: GitHub code scanning would open alerts for those.
    """
    t = summary.triage
    if t is None:
        return []
    counts = [
        (len(t.ignored), "ignored inline with twscan:ignore"),
        (len(t.baselined), f"accepted in the baseline {t.baseline_file}"),
        (t.allowlisted, "matched the configuration's allowlist"),
        (t.excluded, "under paths the configuration excludes"),
    ]
    return [
        {"level": "note", "message": {"text": f"{n} finding(s) {what}"}}
        for n, what in counts
        if n
    ]
