"""The user's cache directory, and plain data kept there between runs.

Light on purpose (``os`` and ``marshal``): the commit hook reads its parsed rules from here on
every commit, and a cache that cost an import of its own would eat what it saves. Everything
here is best effort: a missing, stale, corrupt or unwritable cache only means the caller does
the work again, never an error.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import Any


def cache_root() -> Path:
    """``$TWSCAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/twscan``, else ``~/.cache/twscan``."""
    env = os.environ.get("TWSCAN_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "twscan"


#: Plain data ``marshal`` can hold; the key says what the value was made from.
Key = tuple[object, ...]


def load_data(name: str, key: Key) -> object | None:
    """The value stored under ``name`` if it was stored with this very ``key``, else None."""
    try:
        with open(cache_root() / name, "rb") as f:
            stored_key, value = marshal.load(f)
    except Exception:  # missing, unreadable, truncated, another format: a miss
        return None
    return value if stored_key == key else None


def store_data(name: str, key: Key, value: object) -> None:
    """Keep ``value`` under ``name`` for :func:`load_data` (atomically; silently not at all
    when it cannot be: a read-only home, a full disk, a value ``marshal`` cannot hold)."""
    try:
        pair: Any = (key, value)  # ``marshal`` itself says which values it can hold
        blob = marshal.dumps(pair)
        directory = cache_root()
        directory.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when storing: a run that finds its data never needs it

        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    except Exception:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, directory / name)
    except Exception:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
