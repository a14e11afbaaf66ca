"""What a twscan JSON report says leaked, in a form Twilio's lists can be matched against.

Reports redact values (``ACe7…e63c``) unless ``--show-secrets`` made them, so a SID is matched
by its ``secret_hash`` (the same one-way hash every report carries, the pair's included), by its
full value when the report holds it, and as a last resort by the redacted form's first and last
characters, which is marked as such. A report is untrusted input: only its fields' shapes are
used, and nothing in it can add a host, a step or a credential.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twscan.core.errors import TwscanError
from twscan.core.model import secret_hash
from twscan.core.safeio import read_capped

#: A history or audit report of a large organisation can be big; still bounded.
MAX_REPORT_BYTES = 256 * 1024 * 1024
_TOKEN_KINDS = frozenset({"auth-token", "credential-pair"})
_KEY_SECRET_KINDS = frozenset({"api-key-secret", "credential-pair"})


@dataclass
class Leaks:
    """SIDs a report found, by hash, full value or redacted form, and what leaked beside them."""

    hashes: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)
    redacted: set[tuple[str, str]] = field(default_factory=set)
    #: hashes (and full values) of Account SIDs found with their Auth Token beside them
    with_token: set[str] = field(default_factory=set)
    #: hashes (and full values) of API key SIDs found with their secret beside them
    with_secret: set[str] = field(default_factory=set)
    reports: list[str] = field(default_factory=list)
    #: each SID the report names: (its kind, as the report shows it, what identifies it)
    sids: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)

    def found(self, sid: str) -> str | None:
        """How the report names ``sid``: "hash", "value", "redacted", or None if it does not."""
        if sid in self.values:
            return "value"
        if secret_hash(sid) in self.hashes:
            return "hash"
        if any(sid.startswith(a) and sid.endswith(b) for a, b in self.redacted):
            return "redacted"
        return None

    def token_leaked(self, sid: str) -> bool:
        return sid in self.with_token or secret_hash(sid) in self.with_token

    def secret_leaked(self, sid: str) -> bool:
        return sid in self.with_secret or secret_hash(sid) in self.with_secret

    def unmatched(self, known: set[str]) -> list[str]:
        """The SIDs of the report (as it shows them) that are none of ``known``."""
        from twscan.core.model import secret_hash

        ids = known | {secret_hash(s) for s in known}
        seen: set[str] = set()
        out = []
        for _kind, shown, marks in self.sids:
            if marks and not (marks & ids) and shown not in seen:
                seen.add(shown)
                out.append(shown)
        return out

    def __bool__(self) -> bool:
        return bool(self.hashes or self.values or self.redacted)


def load(paths: list[str]) -> Leaks:
    leaks = Leaks()
    for name in paths:
        path = Path(name)
        try:
            data = json.loads(read_capped(path, "report", MAX_REPORT_BYTES))
        except FileNotFoundError:
            raise TwscanError(f"report not found: {path}") from None
        except (ValueError, UnicodeDecodeError):
            raise TwscanError(f"{path}: not a twscan JSON report (--format json)") from None
        findings = data.get("findings") if isinstance(data, dict) else None
        if not isinstance(findings, list):
            raise TwscanError(f"{path}: not a twscan JSON report (no findings list)")
        for f in findings:
            if isinstance(f, dict):
                _add(leaks, f)
        leaks.reports.append(str(path))
    return leaks


def _add(leaks: Leaks, f: dict[str, Any]) -> None:
    kind = f.get("kind")
    pair = f.get("pair") if isinstance(f.get("pair"), dict) else None
    if kind in ("account-sid", "api-key-sid"):
        _sid(leaks, f, str(kind))
    if pair is not None and pair.get("kind") in ("account-sid", "api-key-sid"):
        marks = _sid(leaks, pair, str(pair["kind"]))
        if pair["kind"] == "account-sid" and kind in _TOKEN_KINDS:
            leaks.with_token.update(marks)
        if pair["kind"] == "api-key-sid" and kind in _KEY_SECRET_KINDS:
            leaks.with_secret.update(marks)


def _sid(leaks: Leaks, obj: dict[str, Any], kind: str) -> set[str]:
    """Record one SID of a report; what identifies it (its hash and, when shown, its value)."""
    prefix = "AC" if kind == "account-sid" else "SK"
    marks: set[str] = set()
    h = obj.get("secret_hash")
    if isinstance(h, str) and len(h) == 24 and all(c in "0123456789abcdef" for c in h):
        leaks.hashes.add(h)
        marks.add(h)
    value = obj.get("secret")
    if isinstance(value, str):
        if len(value) == 34 and value.startswith(prefix):
            leaks.values.add(value)
            marks.add(value)
            marks.add(secret_hash(value))
        elif "…" in value and not marks:
            head, _, tail = value.partition("…")
            if head.startswith(prefix) and len(head) >= 4 and len(tail) >= 4:
                leaks.redacted.add((head, tail))
    if marks:
        shown = value if isinstance(value, str) and value.isprintable() else "?"
        leaks.sids.append((kind, shown[:40], frozenset(marks)))
    return marks
