"""On-disk cache of exposure results, so a re-run CI job does not spend the search budget again.

Code search allows about ten requests a minute, and a CI pipeline is re-run often; an answer a
few hours old is as good as a new one for "is this SID public?". Entries are keyed by the API URL
and the SID (GitHub.com and a GHES host are different worlds), expire after a TTL, and hold only
what the report shows: SIDs, repository names, paths, dates and *redacted* tokens, never a token
or file content. Files are written atomically with owner-only permissions; a damaged or foreign
entry is ignored rather than trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from twscan.net.github.options import DEFAULT_TTL_S as DEFAULT_TTL_S

#: A day: long enough for re-runs of the same pipeline, short enough to notice a new leak daily.

_FORMAT = 1


def cache_dir() -> Path:
    """``$TWSCAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twscan``, else ``~/.cache/twscan``."""
    explicit = os.environ.get("TWSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "twscan"


class ExposureCache:
    """JSON files under ``<cache dir>/github/``, one per (API URL, SID)."""

    def __init__(self, root: Path | None = None, ttl: float = DEFAULT_TTL_S) -> None:
        self.root = (root or cache_dir()) / "github"
        self.ttl = ttl

    def _path(self, api_url: str, sid: str) -> Path:
        key = hashlib.sha256(f"twscan-exposure:{_FORMAT}\0{api_url}\0{sid}".encode()).hexdigest()
        return self.root / f"{key[:40]}.json"

    def get(self, api_url: str, sid: str, now: float) -> dict[str, Any] | None:
        """The cached result for this SID and API, or ``None`` when absent, stale or unreadable."""
        try:
            entry = json.loads(self._path(api_url, sid).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(entry, dict)
            or entry.get("format") != _FORMAT
            or entry.get("api_url") != api_url
            or entry.get("sid") != sid
            or not isinstance(entry.get("stored_at"), int | float)
            or not isinstance(entry.get("result"), dict)
        ):
            return None
        age = now - float(entry["stored_at"])
        if age < 0 or age > self.ttl:
            return None
        result: dict[str, Any] = entry["result"]
        return result

    def put(self, api_url: str, sid: str, result: dict[str, Any], now: float) -> None:
        """Store a result; a cache that cannot be written only costs a future search."""
        entry = {"format": _FORMAT, "api_url": api_url, "sid": sid, "stored_at": now}
        entry["result"] = result
        path = self._path(api_url, sid)
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
