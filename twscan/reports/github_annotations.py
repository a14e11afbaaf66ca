"""GitHub Actions workflow commands, so findings annotate the pull request's diff."""

from __future__ import annotations

from twscan.core.messages import Messages
from twscan.core.model import Finding, ScanSummary, Severity
from twscan.core.redact import redact
from twscan.core.safeio import clean
from twscan.reports import ReportOptions
from twscan.reports.json_report import reason_text

_CMD = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
        Severity.LOW: "notice"}


def _data(s: str) -> str:
    """One workflow command's message: no character that could end the command line and
    start another (``\\n::error::…``) or drive the log viewer (ANSI escapes), then the runner's
    own %-escapes."""
    return clean(s).replace("%", "%25")  # clean leaves no CR or LF to encode


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def _file(path: str) -> str:
    """The ``file`` property names the file exactly where the runner can decode it (``%0A``,
    ``%3A``…), so the annotation lands on it; other unsafe characters become escapes."""
    exact = clean(path, keep="\\\r\n")
    return exact.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(
        ":", "%3A"
    ).replace(",", "%2C")


def render_github(findings: list[Finding], summary: ScanSummary, opts: ReportOptions) -> str:
    msg = Messages(opts.lang)
    lines = []
    for f in findings:
        text = f"{f.title}: {redact(f.secret, opts.show_secrets)} ({reason_text(f, msg)})"
        if f.commit:
            text += f" in commit {f.commit.sha[:12]}"
        props = [f"file={_file(f.file)}", f"line={max(1, f.line)}", f"col={max(1, f.column)}"]
        if f.end_line:
            props.append(f"endLine={f.end_line}")
        props.append(f"title={_prop('twscan: ' + f.title)}")
        lines.append(f"::{_CMD[f.severity]} {','.join(props)}::{_data(text)}")
    return "\n".join(lines) + ("\n" if lines else "")
