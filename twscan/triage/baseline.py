"""The baseline: the secrets a team has reviewed and accepted, so that only new ones fail a run.

An entry is a fingerprint of (rule, secret, path) — for a credential pair, both halves are the
secret — and nothing that moves: no line numbers, no timestamps, no scan date. Entries are
written sorted, so the file changes only when the set of accepted secrets does, and two
branches that accept different secrets merge without conflict in all but the same lines. The
secret enters the fingerprint through a keyed hash (HMAC-SHA256) whose key, the salt, is random
per baseline and stored in it: the file can be committed and read by anyone without revealing a
value, and a fingerprint from one repository's baseline says nothing about another's. Paths are
stored relative to the baseline file's directory, so the same secret matches whether the scan
was given ``.``, an absolute path or a git range.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from pathlib import Path
from typing import Any

from twscan.core.errors import TwscanError
from twscan.core.record import FrozenRecord, Record, set_field
from twscan.core.safeio import read_capped

FORMAT_VERSION = 1
REASONS = ("false-positive", "test-credential", "revoked")
ABOUT = (
    "Secrets reviewed and accepted: twscan reports only findings not listed here. Each "
    "fingerprint is a salted one-way hash of rule, secret and path; no secret is stored. Set "
    "'reason' to false-positive, test-credential or revoked; refresh with `twscan baseline "
    "update`."
)
_HEX = re.compile(r"[0-9a-f]+")
_ENTRY_KEYS = ("fingerprint", "rule", "path", "reason", "note")


# Records, not dataclasses: scans with a baseline import this on every commit (see
# twscan.core.record). Scans without one never import this module.


class Entry(FrozenRecord):
    __slots__ = ("fingerprint", "rule", "path", "reason", "note")
    fingerprint: str
    rule: str
    path: str
    reason: str | None
    note: str | None  # free text for reviewers, e.g. where the rotation is tracked

    def __init__(
        self,
        fingerprint: str,
        rule: str,
        path: str,
        reason: str | None = None,
        note: str | None = None,
    ) -> None:
        set_field(self, "fingerprint", fingerprint)
        set_field(self, "rule", rule)
        set_field(self, "path", path)
        set_field(self, "reason", reason)
        set_field(self, "note", note)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "path": self.path,
            "reason": self.reason,
        }
        if self.note is not None:
            d["note"] = self.note
        return d


class Baseline(Record):
    __slots__ = ("salt", "entries", "path")

    def __init__(
        self, salt: str, entries: dict[str, Entry] | None = None, path: Path | None = None
    ) -> None:
        self.salt = salt
        self.entries: dict[str, Entry] = {} if entries is None else entries  # by fingerprint
        self.path = path  # where it was read from or will be written to

    @classmethod
    def new(cls, path: Path | None = None) -> Baseline:
        import secrets  # only here: scans that merely read a baseline skip the import

        return cls(salt=secrets.token_hex(16), path=path)

    @property
    def root(self) -> Path:
        """The directory stored paths are relative to."""
        return self.path.resolve().parent if self.path is not None else Path.cwd()

    def fingerprint(self, rule: str, secret: str, path: str) -> str:
        msg = f"twscan-baseline:v1\0{rule}\0{secret}\0{path}".encode()
        return hmac.new(self.salt.encode(), msg, hashlib.sha256).hexdigest()[:32]

    def dumps(self) -> str:
        ordered = sorted(self.entries.values(), key=lambda e: (e.path, e.rule, e.fingerprint))
        doc = {
            "version": FORMAT_VERSION,
            "about": ABOUT,
            "salt": self.salt,
            "entries": [e.as_dict() for e in ordered],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> bool:
        """Write atomically; False (and the file untouched) when it would not change."""
        text = self.dumps()
        try:
            if read_capped(path, "baseline").decode("utf-8") == text:
                return False
        except (OSError, UnicodeDecodeError):
            pass  # missing or unreadable: written below
        except TwscanError:
            # A FIFO, a device, a huge file: never read it, and never replace it either.
            if not path.is_file():
                raise TwscanError(f"cannot write baseline {path}: not a regular file") from None
        import tempfile

        directory = path.resolve().parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=".twscan-baseline.", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.replace(tmp, path)
        except OSError as e:
            raise TwscanError(f"cannot write baseline {path}: {e.strerror or e}") from None
        return True


def load(path: Path) -> Baseline:
    """Read and validate a baseline; anything unexpected is an error naming the problem.

    A malformed baseline must stop the run rather than be half-read: a gate that silently
    accepts nothing fails every build, and one that silently accepts too much hides secrets.
    """
    try:
        text = read_capped(path, "baseline").decode("utf-8")
    except FileNotFoundError:
        raise TwscanError(
            f"baseline file not found: {path} (create one with `twscan baseline create`)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise TwscanError(f"cannot read baseline {path}: {e}") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Baseline:
    """A baseline from its text; ``path`` is where it lives (its entries' paths are relative
    to that directory), whether it was read there or from a commit."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        problem = f"not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}"
        raise _malformed(path, problem) from None
    except RecursionError:  # ``[[[[…`` a hundred thousand deep: no baseline looks like that
        raise _malformed(path, "nested too deeply") from None
    if not isinstance(doc, dict):
        raise _malformed(path, "the top level must be an object")
    if doc.get("version") != FORMAT_VERSION:
        raise _malformed(path, f"unsupported version {doc.get('version')!r} (expected 1)")
    unknown = sorted(set(doc) - {"version", "about", "salt", "entries"})
    if unknown:
        raise _malformed(path, f"unknown key {', '.join(map(repr, unknown))}")
    salt = doc.get("salt")
    if not isinstance(salt, str) or len(salt) < 16 or not _HEX.fullmatch(salt):
        raise _malformed(path, "'salt' must be a string of at least 16 hex digits")
    raw_entries = doc.get("entries")
    if not isinstance(raw_entries, list):
        raise _malformed(path, "'entries' must be a list")
    base = Baseline(salt=salt, path=path)
    for i, raw in enumerate(raw_entries):
        entry = _entry(raw, path, i)
        if entry.fingerprint in base.entries:
            raise _malformed(path, f"entries[{i}]: duplicate fingerprint {entry.fingerprint}")
        base.entries[entry.fingerprint] = entry
    return base


def _entry(raw: object, path: Path, i: int) -> Entry:
    where = f"entries[{i}]"
    if not isinstance(raw, dict):
        raise _malformed(path, f"{where} must be an object")
    unknown = sorted(set(raw) - set(_ENTRY_KEYS))
    if unknown:
        raise _malformed(path, f"{where}: unknown key {', '.join(map(repr, unknown))}")
    fp = raw.get("fingerprint")
    if not isinstance(fp, str) or len(fp) != 32 or not _HEX.fullmatch(fp):
        raise _malformed(path, f"{where}: 'fingerprint' must be 32 lower-case hex digits")
    for key in ("rule", "path"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _malformed(path, f"{where}: '{key}' must be a non-empty string")
    reason = raw.get("reason")
    if reason is not None and reason not in REASONS:
        raise _malformed(
            path, f"{where}: 'reason' must be one of {', '.join(REASONS)} or null, not {reason!r}"
        )
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise _malformed(path, f"{where}: 'note' must be a string")
    return Entry(fp, raw["rule"], raw["path"], reason, note)


def _malformed(path: Path, problem: str) -> TwscanError:
    return TwscanError(f"malformed baseline {path}: {problem}")
