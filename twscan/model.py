"""Data that flows from sources through detection to reports.

Sources hand the engine a :class:`ScanItem`; the engine returns :class:`Finding` objects whose
``secret`` is the raw value. Redaction happens only when a report renders a finding, so that the
engine, the baseline and the GitHub check can all work on the real value while no output ever
shows it unless the user asked for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


@dataclass(frozen=True)
class CommitInfo:
    """Where a finding came from in git history (None for plain files)."""

    sha: str
    author: str
    email: str
    date: str  # ISO 8601 with offset, as git prints %aI


@dataclass
class Half:
    """The other half of a credential pair (the SID that goes with a token or secret)."""

    rule: str
    kind: str
    secret: str
    line: int
    column: int
    offset: int


@dataclass
class Finding:
    rule: str
    kind: str
    severity: Severity
    title: str
    file: str
    line: int  # 1-based; 0 when only a byte offset means anything (binary data)
    column: int  # 1-based, in characters of the decoded line
    secret: str  # raw value: redact before display
    reason: str  # why the engine believes this is a credential (context that made it one)
    offset: int = 0  # character offset in the decoded text (byte offset for binary data)
    end_line: int = 0
    end_column: int = 0
    pair: Half | None = None
    commit: CommitInfo | None = None
    encoding: str | None = None  # decoding layer(s) the secret was found under, e.g. "base64"
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: rule, secret and path only; one-way, so safe to print."""
        return fingerprint(self.rule, self.secret, self.file)

    @property
    def secret_hash(self) -> str:
        return secret_hash(self.secret)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(b"twscan-secret:" + secret.encode()).hexdigest()[:24]


def fingerprint(rule: str, secret: str, path: str) -> str:
    data = f"twscan-fp:v1\0{rule}\0{secret}\0{path}".encode()
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass
class Triage:
    """What :mod:`twscan.postprocess` kept out of the failing findings, so that none is silent.

    The reports show these next to the findings: an ignore or a baseline entry that hides a
    secret must be as visible in review as the secret would have been.
    """

    ignored: list[Finding] = field(default_factory=list)  # twscan:ignore in the source
    baselined: list[Finding] = field(default_factory=list)  # accepted in the baseline file
    allowlisted: int = 0  # values the configuration's allowlist matched
    excluded: int = 0  # findings under paths the configuration excludes
    fail_on: Severity = Severity.LOW  # findings below this are reported but do not fail
    failing: int = 0  # reported findings at or above fail_on
    baseline_file: str | None = None
    config_file: str | None = None


@dataclass
class ScanSummary:
    """What a scan covered, so that nothing skipped is ever silent."""

    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    duration_s: float = 0.0
    notes: list[str] = field(default_factory=list)  # e.g. "shallow clone: history is partial"
    commits_scanned: int | None = None
    triage: Triage | None = None  # set by twscan.commands.common.emit before rendering
