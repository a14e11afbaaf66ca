"""Data that flows from sources through detection to reports.

Sources hand the engine a :class:`ScanItem`; the engine returns :class:`Finding` objects whose
``secret`` is the raw value. Redaction happens only when a report renders a finding, so that the
engine, the baseline and the GitHub check can all work on the real value while no output ever
shows it unless the user asked for it.
"""

from __future__ import annotations

from enum import StrEnum

from twscan.core.record import FrozenRecord, Record, set_field


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class CommitInfo(FrozenRecord):
    """Where a finding came from in git history (None for plain files)."""

    __slots__ = ("sha", "author", "email", "date")
    sha: str
    author: str
    email: str
    date: str  # ISO 8601 with offset, as git prints %aI

    def __init__(self, sha: str, author: str, email: str, date: str) -> None:
        set_field(self, "sha", sha)
        set_field(self, "author", author)
        set_field(self, "email", email)
        set_field(self, "date", date)


class Half(Record):
    """The other half of a credential pair (the SID that goes with a token or secret)."""

    __slots__ = ("rule", "kind", "secret", "line", "column", "offset")

    def __init__(
        self, rule: str, kind: str, secret: str, line: int, column: int, offset: int
    ) -> None:
        self.rule = rule
        self.kind = kind
        self.secret = secret
        self.line = line
        self.column = column
        self.offset = offset


class Finding(Record):
    """One credential found. A record, not a dataclass, like everything the commit hook
    imports: see :mod:`twscan.core.record`."""

    __slots__ = (
        "rule", "kind", "severity", "title", "file", "line", "column", "secret", "reason",
        "offset", "end_line", "end_column", "pair", "commit", "encoding", "extra",
    )

    def __init__(
        self,
        rule: str,
        kind: str,
        severity: Severity,
        title: str,
        file: str,
        line: int,
        column: int,
        secret: str,
        reason: str,
        offset: int = 0,
        end_line: int = 0,
        end_column: int = 0,
        pair: Half | None = None,
        commit: CommitInfo | None = None,
        encoding: str | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        self.rule = rule
        self.kind = kind
        self.severity = severity
        self.title = title
        self.file = file
        self.line = line  # 1-based; 0 when only a byte offset means anything (binary data)
        self.column = column  # 1-based, in characters of the decoded line
        self.secret = secret  # raw value: redact before display
        self.reason = reason  # why the engine believes this is a credential (its context)
        self.offset = offset  # character offset in the decoded text (bytes for binary data)
        self.end_line = end_line
        self.end_column = end_column
        self.pair = pair
        self.commit = commit
        self.encoding = encoding  # decoding layer(s) the secret was found under: "base64"
        self.extra: dict[str, object] = {} if extra is None else extra

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: rule, secret and path only; one-way, so safe to print."""
        return fingerprint(self.rule, self.secret, self.file)

    @property
    def secret_hash(self) -> str:
        return secret_hash(self.secret)


def secret_hash(secret: str) -> str:
    import hashlib  # reports that show hashes need it; the commit hook's text report does not

    return hashlib.sha256(b"twscan-secret:" + secret.encode()).hexdigest()[:24]


def fingerprint(rule: str, secret: str, path: str) -> str:
    import hashlib

    data = f"twscan-fp:v1\0{rule}\0{secret}\0{path}".encode()
    return hashlib.sha256(data).hexdigest()[:32]


class Triage(Record):
    """What :mod:`twscan.triage.policy` kept out of the failing findings, so that none is silent.

    The reports show these next to the findings: an ignore or a baseline entry that hides a
    secret must be as visible in review as the secret would have been.
    """

    __slots__ = (
        "ignored", "baselined", "allowlisted", "excluded", "fail_on", "failing",
        "baseline_file", "config_file",
    )

    def __init__(
        self,
        ignored: list[Finding] | None = None,
        baselined: list[Finding] | None = None,
        allowlisted: int = 0,
        excluded: int = 0,
        fail_on: Severity = Severity.LOW,
        failing: int = 0,
        baseline_file: str | None = None,
        config_file: str | None = None,
    ) -> None:
        self.ignored: list[Finding] = [] if ignored is None else ignored  # twscan:ignore
        self.baselined: list[Finding] = [] if baselined is None else baselined  # in the baseline
        self.allowlisted = allowlisted  # values the configuration's allowlist matched
        self.excluded = excluded  # findings under paths the configuration excludes
        self.fail_on = fail_on  # findings below this are reported but do not fail
        self.failing = failing  # reported findings at or above fail_on
        self.baseline_file = baseline_file
        self.config_file = config_file


class ScanSummary(Record):
    """What a scan covered, so that nothing skipped is ever silent."""

    __slots__ = (
        "files_scanned", "bytes_scanned", "skipped", "duration_s", "notes", "commits_scanned",
        "triage", "errors",
    )

    def __init__(
        self,
        files_scanned: int = 0,
        bytes_scanned: int = 0,
        skipped: list[tuple[str, str]] | None = None,
        duration_s: float = 0.0,
        notes: list[str] | None = None,
        commits_scanned: int | None = None,
        triage: Triage | None = None,
        errors: list[str] | None = None,
    ) -> None:
        self.files_scanned = files_scanned
        self.bytes_scanned = bytes_scanned
        self.skipped: list[tuple[str, str]] = [] if skipped is None else skipped  # (path, why)
        self.duration_s = duration_s
        # e.g. "shallow clone: history is partial"
        self.notes: list[str] = [] if notes is None else notes
        self.commits_scanned = commits_scanned
        self.triage = triage  # set by twscan.commands.common.emit before rendering
        # What could not be scanned although it had to be (a missing object): the report is
        # written with what was found, and the run then fails with exit 2, never 0 or 1.
        self.errors: list[str] = [] if errors is None else errors
