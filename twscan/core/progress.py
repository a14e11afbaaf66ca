"""A one-line progress bar on stderr for long scans: objects, throughput, time left.

It draws only when stderr is a terminal (never into a CI log or a redirected file) and at most
five times a second, so it costs nothing measurable; ``--quiet`` turns it off.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self,
        total_objects: int,
        total_bytes: int,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        label: str = "scanning",
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total_objects = total_objects
        self.total_bytes = total_bytes
        self.label = label
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def update(self, objects: int, nbytes: int, *, force: bool = False) -> None:
        """Report absolute counts so far; redraws are throttled."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.2:
            return
        self._drawn = now
        line = self.render(objects, nbytes, now - self.started)
        pad = " " * max(0, self._width - len(line))
        self._width = len(line)
        self.stream.write("\r" + line + pad)
        self.stream.flush()

    def render(self, objects: int, nbytes: int, elapsed: float) -> str:
        frac = nbytes / self.total_bytes if self.total_bytes else 1.0
        frac = min(max(frac, 0.0), 1.0)
        filled = int(frac * 24)
        bar = "#" * filled + "." * (24 - filled)
        rate = nbytes / elapsed / 1e6 if elapsed > 0 else 0.0
        late = 0 < frac < 1 and elapsed > 0.5
        eta = _clock(elapsed * (1 - frac) / frac) if late else "--:--"
        return (
            f"{self.label} [{bar}] {objects:,}/{self.total_objects:,} objects "
            f"{nbytes / 1e6:,.0f}/{self.total_bytes / 1e6:,.0f} MB {rate:,.0f} MB/s ETA {eta}"
        )

    def finish(self) -> None:
        """Clear the bar so the report that follows starts on a clean line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
