"""Text, JSON and SARIF views of exposure results, shared by ``twscan exposure`` and the scans.

The wording is deliberately careful: a hit means "GitHub code search shows this SID here"; a miss
means "not found by GitHub code search", never "not leaked", because the API only sees default
branches and files under 384 KB. Tokens appear only redacted (the results never hold more).
"""

from __future__ import annotations

import hashlib
from typing import Any

from twscan import __version__
from twscan.core.messages import Messages
from twscan.core.safeio import clean
from twscan.net.github.exposure import (
    EXPOSED,
    NOT_CHECKED,
    NOT_FOUND,
    SEARCH_SCOPE,
    CommitRef,
    ExposureHit,
    ExposureResult,
)

RULE_ID = "twscan.github-exposure"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def to_json(results: list[ExposureResult]) -> list[dict[str, Any]]:
    """One object per SID: SID, manual URL, counts, completeness and the hits in detail."""
    return [r.to_dict() for r in results]


def summary(results: list[ExposureResult]) -> dict[str, int]:
    return {
        "sids": len(results),
        "exposed": sum(r.status == EXPOSED for r in results),
        "not_found": sum(r.status == NOT_FOUND for r in results),
        "not_checked": sum(r.status == NOT_CHECKED for r in results),
        "token_beside": sum(r.token_beside is True for r in results),
    }


def json_document(results: list[ExposureResult]) -> dict[str, Any]:
    """The whole JSON answer of ``twscan exposure``, shaped like the scans' version-1 report."""
    return {
        "version": 1,
        "tool": {"name": "twscan", "version": __version__},
        "exposures": to_json(results),
        "summary": summary(results),
    }


def report_sections(results: list[ExposureResult], fmt: str) -> dict[str, object]:
    """What a scan run with ``--check-github`` puts into ``ReportOptions.extra_sections``.

    The JSON report copies every section into its document, so each format gets only its own:
    ``exposures`` for JSON, the rule and results for SARIF. Text and ``github`` reports append
    :func:`to_text` / :func:`to_github_annotations` to theirs instead.
    """
    if fmt == "json":
        return {"exposures": to_json(results)}
    if fmt == "sarif":
        return {"sarif_rules": [sarif_rule()], "sarif_results": to_sarif_results(results)}
    return {}


# -- text -------------------------------------------------------------------------------------

class _Text:
    """The exposure report's sentences, from the one message catalogue (``exposure.*``)."""

    def __init__(self, lang: str) -> None:
        self._msg = Messages(lang)

    def __getitem__(self, key: str) -> str:
        return str(self._msg(f"exposure.{key}"))


def _catalogue(lang: str) -> _Text:
    return _Text(lang)


def _commit(text: _Text, key: str, commit: CommitRef | None) -> str:
    unknown = text["unknown"]
    if commit is None:
        return text[key].format(date=unknown, who=unknown, sha=unknown)
    return text[key].format(
        date=clean((commit.date or unknown)[:10]),
        who=clean(commit.author or unknown),
        sha=clean(commit.sha[:7] or unknown),
    )


def _hit_lines(text: _Text, hit: ExposureHit) -> list[str]:
    # Everything a hit holds came from GitHub, that is from whoever owns the repository.
    path = clean(hit.path)
    where = f"{path}:{clean(hit.line)}" if hit.line else path
    lines = [f"  - {clean(hit.repository)}  {where}", f"    {clean(hit.html_url)}"]
    lines.append(f"    {_commit(text, 'first', hit.oldest)}; {_commit(text, 'last', hit.newest)}")
    if hit.token_beside is True:
        at = text["line"].format(line=clean(hit.token_line)) if hit.token_line else ""
        lines.append("    " + text["token_yes"].format(token=clean(hit.token or "…"), where=at))
    elif hit.token_beside is False:
        lines.append("    " + text["token_no"])
    else:
        lines.append("    " + text["token_unknown"])
    lines.extend(f"    note: {clean(n)}" for n in hit.notes)
    return lines


def to_text(results: list[ExposureResult], lang: str = "en") -> str:
    """A human report, one block per SID, ending with a one-line summary."""
    text = _catalogue(lang)
    if not results:
        return ""
    apis = sorted({r.api_url for r in results})
    out = [text["heading"].format(api=clean(", ".join(apis))), ""]
    for r in results:
        if r.status == EXPOSED:
            repos = len(r.repositories)
            out.append(
                text["exposed"].format(
                    sid=clean(r.sid),
                    count=r.total_count if r.total_count is not None else len(r.hits),
                    repos=repos,
                    ies="y" if repos == 1 else "ies",
                )
            )
            for hit in r.hits:
                out.extend(_hit_lines(text, hit))
            if r.incomplete:
                out.append(
                    "  "
                    + text["incomplete"].format(
                        shown=len(r.hits), total=r.total_count if r.total_count else "?"
                    )
                )
        elif r.status == NOT_FOUND:
            out.append(text["not_found"].format(sid=clean(r.sid)))
            out.append("  " + text["scope"].format(scope=SEARCH_SCOPE))
        else:
            why = clean(r.message or "?")  # GitHub's own words, or an error naming a path
            out.append(text["not_checked"].format(sid=clean(r.sid), why=why))
        out.extend(f"  note: {clean(n)}" for n in r.notes)
        if r.cached and r.checked_at:
            out.append("  " + text["cached"].format(when=clean(r.checked_at)))
        out.append("  " + text["manual"].format(url=clean(r.search_url)))
        out.append("")
    s = summary(results)
    out.append(
        text["summary"].format(sids=s["sids"], exposed=s["exposed"], beside=s["token_beside"])
    )
    return "\n".join(out) + "\n"


# -- SARIF ------------------------------------------------------------------------------------


def sarif_rule() -> dict[str, Any]:
    """The SARIF ``reportingDescriptor`` for an exposed SID."""
    return {
        "id": RULE_ID,
        "name": "TwilioSidPublicOnGitHub",
        "shortDescription": {"text": "Twilio SID found in public code by GitHub code search"},
        "fullDescription": {
            "text": "GitHub code search finds this Account SID or API key SID in code on GitHub. "
            "A SID alone is an identifier, but attackers search for SIDs to find the token "
            "committed beside them; when the token is beside it, the account can be taken over."
        },
        "help": {
            "text": "Open each location. If a token or API key secret is beside the SID, rotate "
            "it in the Twilio Console at once, then remove the file from the repository and its "
            "history. A SID not found by GitHub code search may still be public: the search "
            "covers default branches and files under 384 KB only.",
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["security", "secret", "twilio", "github"]},
    }


def _location(hit: ExposureHit) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": hit.html_url}}
    if hit.line:
        physical["region"] = {"startLine": hit.line}
    return {"physicalLocation": physical}


def to_sarif_results(results: list[ExposureResult]) -> list[dict[str, Any]]:
    """One SARIF result per exposed SID (level ``error`` when a token is beside it)."""
    out: list[dict[str, Any]] = []
    for r in results:
        if r.status != EXPOSED:
            continue
        beside = [h for h in r.hits if h.token_beside]
        label = "Account SID" if r.kind == "account-sid" else "API key SID"
        message = (
            f"{label} {r.sid} is public on GitHub: {r.total_count} code search result(s) in "
            f"{len(r.repositories)} repositor{'y' if len(r.repositories) == 1 else 'ies'}"
        )
        if beside:
            message += f"; a token is beside it in {len(beside)} file(s)"
        related = []
        for i, hit in enumerate(r.hits, start=1):
            loc = _location(hit)
            loc["id"] = i
            loc["message"] = {"text": f"{hit.repository}/{hit.path}"}
            related.append(loc)
        fingerprint = hashlib.sha256(f"twscan-exposure\0{r.api_url}\0{r.sid}".encode())
        result: dict[str, Any] = {
            "ruleId": RULE_ID,
            "level": "error" if beside else "warning",
            "message": {"text": message + f". Manual check: {r.search_url}"},
            "partialFingerprints": {"twscanExposure/v1": fingerprint.hexdigest()[:32]},
            "properties": {
                "sid": r.sid,
                "total_count": r.total_count,
                "incomplete": r.incomplete,
                "token_beside": True if beside else r.token_beside,
                "search_url": r.search_url,
                "repositories": r.repositories,
            },
        }
        first = beside[0] if beside else (r.hits[0] if r.hits else None)
        if first is not None:
            result["locations"] = [_location(first)]
        if related:
            result["relatedLocations"] = related
        out.append(result)
    return out


def sarif_log(results: list[ExposureResult]) -> dict[str, Any]:
    """A complete SARIF 2.1.0 log for ``twscan exposure``."""
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "twscan",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/twscan/",
                        "rules": [sarif_rule()],
                    }
                },
                "results": to_sarif_results(results),
            }
        ],
    }


# -- GitHub Actions annotations ---------------------------------------------------------------


def _workflow_data(text: str) -> str:
    """As :func:`twscan.reports.github_annotations._data`: one line, nothing that drives."""
    return clean(text).replace("%", "%25")  # clean leaves no CR or LF to encode


def to_github_annotations(results: list[ExposureResult]) -> str:
    """One ``::error``/``::warning`` workflow command per exposed SID, for a CI log."""
    lines = []
    for res in to_sarif_results(results):
        title = "twscan%3A Twilio SID public on GitHub"
        lines.append(f"::{res['level']} title={title}::{_workflow_data(res['message']['text'])}")
    return "\n".join(lines) + ("\n" if lines else "")
