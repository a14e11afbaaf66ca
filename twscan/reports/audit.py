"""Reports from the audit datastore: one document, rendered as JSON, text, SARIF or HTML.

The document is the history report's finding objects, each with its ``repo``, plus one
``incident`` per distinct secret across repositories: the same Auth Token in five repositories
is one incident with five places, which is how it must be answered (rotated once, everywhere).
Incidents are ordered by risk: live, then publicly exposed, then still in a ``HEAD``, then only
in history; severity within. Values are the redacted forms the datastore holds; with
``--store-secrets`` and ``--show-secrets`` both, the raw ones.
"""

from __future__ import annotations

from typing import Any

from twscan import __version__
from twscan.core.messages import Messages
from twscan.core.model import Severity
from twscan.core.safeio import clean
from twscan.core.stamp import utc_stamp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from twscan.store.db import Store

#: severity -> rank (critical highest), from the one ranking in core/model.py
SEVERITY_RANK = {s.value: s.rank for s in Severity}
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def document(store: Store, *, show_secrets: bool = False) -> dict[str, Any]:
    findings = [_finding(d, show_secrets) for d in store.all_findings()]
    checks = store.all_checks()
    incidents = incidents_of(findings, checks)
    repos = []
    per_repo: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        per_repo.setdefault(f["repo"], []).append(f)
    for r in store.repositories():
        mine = per_repo.get(r.name, [])
        repos.append({
            "name": r.name, "url": _shown_url(r.url), "status": r.status, "error": r.error,
            "findings": len(mine), "incidents": len({f["incident"] for f in mine}),
            "last_scanned": r.last_scanned,
        })  # fmt: skip
    for f in findings:
        f.pop("secret_key", None)
    return {
        "version": 1,
        "tool": {"name": "twscan", "version": __version__},
        "generated": utc_stamp(),
        "repositories": repos,
        "incidents": incidents,
        "findings": findings,
        "summary": {
            "repositories": len(repos),
            "failed": sum(1 for r in repos if r["status"] == "failed"),
            "incidents": len(incidents),
            "findings": len(findings),
            "new": sum(1 for i in incidents if i["new"]),
        },
    }


def _finding(d: dict[str, Any], show: bool) -> dict[str, Any]:
    """A stored (keyed) finding as the history report's object, plus ``repo``."""
    from twscan.reports import ReportOptions
    from twscan.reports.json_report import finding_dict
    from twscan.store.keyed import decode

    raw = d.get("raw")
    f = decode({k: v for k, v in d.items() if k not in ("repo", "secret_key", "in_head", "new",
                                                       "raw", "places")})  # fmt: skip
    out = finding_dict(f, ReportOptions(show_secrets=True), Messages("en"))
    out["secret"] = raw if (show and isinstance(raw, str)) else f.extra.get("_shown", "")
    out["secret_hash"] = f.extra.get("_hash", "")
    if out.get("pair") and f.pair is not None:
        out["pair"]["secret"] = f.extra.get("_pair_shown", "")
        out["pair"]["secret_hash"] = f.extra.get("_pair_hash", "")
    out["fingerprint"] = d["secret_key"][:32]
    commit = d.get("places") and min(d["places"], key=lambda p: (p["date"] or "", p["path"]))
    out.update(
        repo=d["repo"],
        in_head=d["in_head"],
        new=d["new"],
        paths=[{k: p[k] for k in ("path", "commit", "author", "date", "in_head")}
               for p in d["places"]],
        incident="i-" + d["secret_key"][:16],
        secret_key=d["secret_key"],
    )  # fmt: skip
    if commit and not out.get("commit"):
        out.update(commit=commit["commit"], author=commit["author"], date=commit["date"])
    return out


def incidents_of(
    findings: list[dict[str, Any]], checks: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    by_key: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_key.setdefault(f["secret_key"], []).append(f)
    incidents = []
    for key, group in by_key.items():
        worst = max(group, key=lambda f: (SEVERITY_RANK.get(f["severity"], 0), f["kind"]))
        places = sorted(
            ({"repo": f["repo"], **p} for f in group for p in f["paths"]),
            key=lambda p: (p["date"] or "", p["repo"], p["path"]),
        )
        first = places[0] if places else {"repo": worst["repo"], "path": worst["file"],
                                          "commit": worst["commit"], "author": worst["author"],
                                          "date": worst["date"]}  # fmt: skip
        check = checks.get(key, {})
        live = check.get("verify", {}).get("state")
        exposed = check.get("exposure", {}).get("exposed")
        incidents.append({
            "id": "i-" + key[:16],
            "kind": worst["kind"],
            "secret_kind": worst.get("secret_kind"),
            "severity": worst["severity"],
            "title": worst["title"],
            "secret": worst["secret"],
            "secret_hash": worst["secret_hash"],
            "remediation": worst["remediation"],
            "live": live,
            "exposed": exposed,
            "in_head": any(f["in_head"] for f in group),
            "new": all(f["new"] for f in group),
            "repos": sorted({f["repo"] for f in group}),
            "first": {k: first.get(k) for k in ("repo", "commit", "author", "date", "path")},
            "places": places,
        })  # fmt: skip
    incidents.sort(key=lambda i: (*risk(i), str(i["id"])))
    return incidents


def tier(i: dict[str, Any]) -> int:
    """0 live, 1 publicly exposed, 2 still in a HEAD, 3 only in history."""
    if i.get("live") == "live":
        return 0
    if i.get("exposed") is True:
        return 1
    if i.get("in_head") is True:
        return 2
    return 3


def risk(i: dict[str, Any]) -> tuple[int, int]:
    """How urgent an incident is, most urgent lowest: its tier, then its severity. The one
    ordering of every report of an audit (the HTML page's too)."""
    return tier(i), -SEVERITY_RANK.get(str(i.get("severity")), 0)


def _shown_url(url: str) -> str:
    """A clone URL without any user info (a token could sit there)."""
    import urllib.parse

    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return clean(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
    return url


def render_text(doc: dict[str, Any], lang: str = "en") -> str:
    msg = Messages(lang)
    s = doc["summary"]
    lines = [
        f"{s['incidents']} incident(s), {s['findings']} finding(s) in {s['repositories']} "
        f"repositor{'y' if s['repositories'] == 1 else 'ies'}"
        + (f"; {s['new']} new" if s["new"] else "")
        + (f"; {s['failed']} could not be audited" if s["failed"] else ""),
        "",
    ]
    for i in doc["incidents"]:
        state = ", ".join(
            x for x, on in (("LIVE", i["live"] == "live"), ("exposed on GitHub", i["exposed"]),
                            ("in HEAD", i["in_head"]), ("new", i["new"])) if on
        ) or "history only"  # fmt: skip
        lines.append(
            f"{msg('severity.' + i['severity'])}  {clean(i['title'])}  {i['secret']}  "
            f"({state}; {len(i['places'])} place(s) in {len(i['repos'])} repositor"
            f"{'y' if len(i['repos']) == 1 else 'ies'})"
        )
        for p in i["places"]:
            lines.append(
                f"    {clean(p['repo'])}: {clean(p['path'])}  {str(p['commit'])[:12]} "
                f"{clean(p['author'] or '')} {p['date'] or ''}"
                + ("  [in HEAD]" if p.get("in_head") else "")
            )
    failed = [r for r in doc["repositories"] if r["status"] == "failed"]
    if failed:
        lines.append("")
        lines.append("Could not be audited:")
        lines.extend(f"  {clean(r['name'])}: {clean(r['error'] or '')}" for r in failed)
    return "\n".join(lines) + "\n"


def render_sarif(doc: dict[str, Any]) -> dict[str, Any]:
    from twscan.reports.sarif import SCHEMA

    results = []
    for f in doc["findings"]:
        uri = f"{f['repo']}/{f['file']}"
        results.append({
            "ruleId": f["rule"],
            "level": _LEVEL.get(f["severity"], "warning"),
            "message": {"text": f"{f['title']}: {f['secret']} in {f['repo']}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": {"startLine": max(1, int(f["line"] or 1)),
                           "startColumn": max(1, int(f["column"] or 1))},
            }}],
            "partialFingerprints": {"twscan/v1": f["fingerprint"]},
            "properties": {
                "repo": f["repo"], "kind": f["kind"], "severity": f["severity"],
                "secretHash": f["secret_hash"], "incident": f["incident"],
                "commit": f.get("commit"), "inHead": f["in_head"], "new": f["new"],
            },
        })  # fmt: skip
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "twscan", "version": __version__,
                                "informationUri": "https://github.com/twscan/twscan"}},
            "results": results,
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
                {"level": "error", "message": {"text": f"{r['name']}: {r['error']}"}}
                for r in doc["repositories"] if r["status"] == "failed"]}],
        }],
    }  # fmt: skip
