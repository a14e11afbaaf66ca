"""Human report: grouped by file, most severe first, remediation once per kind."""

from __future__ import annotations

from itertools import groupby

from twscan.core.messages import EN, Messages
from twscan.core.model import Finding, ScanSummary, Severity, Triage
from twscan.core.redact import redact
from twscan.core.safeio import clean
from twscan.reports import ReportOptions
from twscan.reports.json_report import reason_text

_COLORS = {
    Severity.CRITICAL: "\033[1;31m",
    Severity.HIGH: "\033[31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def render_text(findings: list[Finding], summary: ScanSummary, opts: ReportOptions) -> str:
    msg = Messages(opts.lang)
    out: list[str] = []
    bold = _BOLD if opts.color else ""
    reset = _RESET if opts.color else ""
    ordered = sorted(findings, key=lambda f: (f.file, f.line, f.column))
    for path, group in groupby(ordered, key=lambda f: f.file):
        out.append(f"{bold}{clean(path)}{reset}")
        for f in group:
            out.extend(_finding_lines(f, opts, msg))
        out.append("")
    if findings:
        out.append(f"{bold}{msg('report.what_to_do')}{reset}")
        seen: set[str] = set()
        for f in sorted(findings, key=lambda f: -f.severity.rank):
            sk = f.extra.get("secret_kind")
            key = msg.remediation_key(f.kind, sk if isinstance(sk, str) else None)
            if key in seen:
                continue
            seen.add(key)
            label = msg(f"kind.{key}") if key != "generic" else clean(f.title)
            out.append(f"- {label}:")
            out.extend("    " + line for line in msg(f"remediation.{key}").splitlines())
        out.append("")
        if not opts.show_secrets:
            out.append(msg("report.show_secrets_hint"))
    else:
        t = summary.triage
        out.append(msg("report.none_new" if t and (t.baselined or t.ignored) else "report.none"))
    out.extend(_set_aside(findings, summary.triage, opts, msg))
    if summary.skipped:
        out.append(msg("report.skipped", count=len(summary.skipped)))
        out.extend(f"  {clean(p)}: {clean(r)}" for p, r in summary.skipped)
    out.extend(msg("report.note", note=clean(n)) for n in summary.notes)
    if summary.commits_scanned is not None:
        out.append(msg("report.commits", commits=summary.commits_scanned))
    out.append(
        msg(
            "report.summary",
            findings=len(findings),
            files=summary.files_scanned,
            bytes=summary.bytes_scanned,
            secs=summary.duration_s,
        )
    )
    return "\n".join(out) + "\n"


def _finding_lines(f: Finding, opts: ReportOptions, msg: Messages) -> list[str]:
    color = _COLORS[f.severity] if opts.color else ""
    reset = _RESET if opts.color else ""
    where = f"{f.line}:{f.column}" if f.encoding != "binary" else f"@{f.offset:#x}"
    sev = msg(f"severity.{f.severity.value}")
    value = clean(redact(f.secret, opts.show_secrets))
    title, reason = clean(f.title), clean(reason_text(f, msg))
    lines = [f"  {where:>9}  {color}{sev:<8}{reset} {title}  {value}  ({reason})"]
    pad = " " * 13
    if f.pair:
        lines.append(
            pad
            + msg(
                "report.pair_with",
                kind=msg(f"kind.{f.pair.kind}"),
                value=clean(redact(f.pair.secret, opts.show_secrets)),
                line=f.pair.line,
            )
        )
    if f.commit:
        c = f.commit
        author, date = clean(c.author), clean(c.date)
        lines.append(pad + msg("report.commit", sha=clean(c.sha[:12]), author=author, date=date))
    occ = f.extra.get("occurrences")
    if isinstance(occ, int) and occ > 1:
        lines.append(pad + msg("report.occurrences", count=occ))
    live = f.extra.get("live")
    if isinstance(live, str) and f"report.live.{live}" in EN:
        reason = clean(f.extra.get("live_reason", ""))
        lines.append(pad + msg(f"report.live.{live}", reason=reason))
    for k in ("status", "paths"):
        v = f.extra.get(k)
        if v:
            shown = ", ".join(map(clean, v)) if isinstance(v, list) else clean(v)
            lines.append(pad + f"{k}: {shown}")
    return lines


def _set_aside(
    findings: list[Finding], t: Triage | None, opts: ReportOptions, msg: Messages
) -> list[str]:
    """Ignored, baselined, allowlisted, excluded and below-threshold findings: never silent."""
    if t is None:
        return []
    out: list[str] = []
    below = len(findings) - t.failing
    if below:
        out.append(
            msg("report.below_fail_on", count=below, severity=msg(f"severity.{t.fail_on.value}"))
        )
    if t.ignored:
        out.append(msg("report.ignored", count=len(t.ignored)))
        for f in sorted(t.ignored, key=lambda f: (f.file, f.line, f.column)):
            path = clean(f.file)
            where = f"{path}:{f.line}" if f.encoding != "binary" else f"{path}@{f.offset:#x}"
            sev = msg(f"severity.{f.severity.value}")
            value = clean(redact(f.secret, opts.show_secrets))
            out.append(f"  {where}  {sev} {clean(f.title)}  {value}")
    if t.baselined:
        reasons: dict[str, int] = {}
        for f in t.baselined:
            r = f.extra.get("baseline_reason") or "none"
            reasons[str(r)] = reasons.get(str(r), 0) + 1
        text = ", ".join(
            msg("baseline.reason_count", count=n, reason=msg(f"baseline.reason.{r}"))
            for r, n in sorted(reasons.items())
        )
        out.append(
            msg("report.baselined", file=clean(t.baseline_file), count=len(t.baselined),
                reasons=text)
        )
    if t.allowlisted:
        out.append(msg("report.allowlisted", count=t.allowlisted))
    if t.excluded:
        out.append(msg("report.excluded", count=t.excluded))
    return out
