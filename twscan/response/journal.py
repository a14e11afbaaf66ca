"""The incident's record: each step, its time and Twilio's answer, and what a resumed run skips.

JSON, written atomically after every step (a crash loses at most the step in flight) and
created readable by its owner only. It holds no secret: answers are recorded as the fields the
response needs (a key's SID, a trigger's SID, counts, per-country results), never as Twilio's
body, which for a token request holds the token itself. A journal is tied to the account it
was started for; pointed at another, it is refused rather than mixed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from twscan.core.errors import TwscanError
from twscan.core.safeio import read_capped
from twscan.core.stamp import utc_stamp

FORMAT = "twscan-respond-journal"
VERSION = 1
MAX_BYTES = 16 * 1024 * 1024


class Journal:
    def __init__(self, path: Path, account: str, base: str) -> None:
        self.path = path
        self.account = account
        self.data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "account": account,
            "api_base": base,
            "started": utc_stamp(),
            "entries": [],
        }
        self._lock: int | None = None
        if path.exists():
            self._load()

    def lock(self) -> None:
        """Hold the journal for this run: two runs of one incident at once would each see the
        other's steps as not done, and do them twice."""
        import fcntl

        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise TwscanError(
                f"{self.path}: another twscan respond is running with this journal"
            ) from None
        self._lock = fd
        if self.path.exists():  # what the run before this one wrote, up to its last step
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(read_capped(self.path, "journal", MAX_BYTES))
        except (ValueError, UnicodeDecodeError):
            raise TwscanError(f"{self.path}: not a twscan respond journal") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise TwscanError(f"{self.path}: not a twscan respond journal")
        if data.get("version") != VERSION:
            raise TwscanError(
                f"{self.path}: journal version {data.get('version')!r} is not {VERSION}"
            )
        if data.get("account") != self.account:
            raise TwscanError(
                f"{self.path}: this journal is for account {data.get('account')!r}, not "
                f"{self.account}: use another --journal"
            )
        if not isinstance(data.get("entries"), list):
            raise TwscanError(f"{self.path}: journal has no entries list")
        self.data = data

    def entries(self, step: str) -> list[dict[str, Any]]:
        return [e for e in self.data["entries"] if isinstance(e, dict) and e.get("step") == step]

    def done(self, step: str) -> dict[str, Any] | None:
        """The entry that finished ``step``, if one did."""
        for e in self.entries(step):
            if e.get("status") == "done":
                return e
        return None

    def started(self, step: str) -> bool:
        return any(e.get("status") == "started" for e in self.entries(step))

    def record(self, step: str, status: str, **fields: Any) -> None:
        entry = {"step": step, "status": status, "time": utc_stamp(), **fields}
        self.data["entries"].append(entry)
        self.save()

    def save(self) -> None:
        text = json.dumps(self.data, indent=2, ensure_ascii=False) + "\n"
        directory = self.path.parent if str(self.path.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
