"""UTC time as reports, journals and the datastore write it: ``2026-12-02T01:30:00Z``.

``time`` only, no ``datetime``: the engine's checks reach this on the commit hook's path.
"""

from __future__ import annotations

import time


def utc_stamp(epoch: float | None = None) -> str:
    """``epoch`` (default: now) as an ISO 8601 UTC time to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
