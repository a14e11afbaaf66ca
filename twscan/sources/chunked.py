"""Large files in bounded memory: overlapping windows that start at line boundaries.

A file larger than the chunk size is read a chunk at a time. Each window is the tail of the
previous one (at least ``overlap`` bytes, cut at a newline so lines and columns stay exact)
plus the next chunk, so a credential straddling a chunk boundary lies whole inside some
window; the overlap is larger than any credential and the context a rule looks at. Findings
seen twice in an overlap are kept once, by value and absolute position.
"""

from __future__ import annotations

from typing import BinaryIO

from twscan.detect import Detector, dedupe, drop_covered_halves
from twscan.model import Finding
from twscan.textdecode import sniff_utf16

CHUNK = 16 * 1024 * 1024
OVERLAP = 64 * 1024
THRESHOLD = 32 * 1024 * 1024  # files above this are read in chunks


def scan_stream(
    detector: Detector, f: BinaryIO, path: str, chunk: int = CHUNK, overlap: int = OVERLAP
) -> tuple[list[Finding], int]:
    """Findings of the whole stream and the number of bytes read."""
    first = f.read(chunk)
    if sniff_utf16(first) is not None:
        # UTF-16 text this large is rare; decode it whole rather than split code units.
        data = first + f.read()
        return detector.scan_bytes(data, path), len(data)
    seen: dict[tuple[str, str, str, int], Finding] = {}
    base = 0  # absolute byte offset of the window
    lines_before = 0  # newlines before the window
    line_start = 0  # absolute offset where the window's first line starts
    window = b""
    total = 0
    more = first
    while True:
        last = len(more) < chunk
        total += len(more)
        window += more
        keep = max(0, len(window) - overlap)
        nl = window.rfind(b"\n", 0, keep)
        cut = nl + 1 if nl >= 0 else keep  # a newline-free stretch (minified): cut anywhere
        for found in detector.scan_bytes(window, path):
            if not last and found.offset >= cut:
                continue  # the next window reads it whole, with the context after it
            _shift(found, base, lines_before, line_start)
            key = (found.rule, found.secret, found.pair.secret if found.pair else "", found.offset)
            seen.setdefault(key, found)
        if last:
            break
        lines_before += window.count(b"\n", 0, cut)
        if nl < 0:
            pass  # the window's first line started before this cut: line_start stays
        else:
            line_start = base + cut
        base += cut
        window = window[cut:]
        more = f.read(chunk)
    return _dedupe_values(list(seen.values())), total


def _shift(f: Finding, base: int, lines_before: int, line_start: int) -> None:
    col_shift = base - line_start  # bytes of the first line before the window (minified)
    if f.line == 1:
        f.column += col_shift
    if f.end_line == 1:
        f.end_column += col_shift
    f.line += lines_before
    f.end_line += lines_before
    f.offset += base
    if f.pair is not None:
        if f.pair.line == 1:
            f.pair.column += col_shift
        f.pair.line += lines_before
        f.pair.offset += base


def _dedupe_values(findings: list[Finding]) -> list[Finding]:
    """One finding per value in a file, as for small files (``occurrences`` counts the rest).

    A window that ended between a SID and its token saw the SID alone; the next one saw the
    pair, which covers it.
    """
    return dedupe(drop_covered_halves(sorted(findings, key=lambda x: x.offset)))
