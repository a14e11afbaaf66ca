"""Large files and streams in bounded memory: overlapping windows of decoded text.

A file (or standard input) above the threshold is read a chunk at a time and decoded as the
whole would be (its start decides, as :func:`twscan.detect.codec.text.decode` does: UTF-16 or
UTF-32, binary, UTF-8 with or without a BOM), by an incremental decoder, so no character is
split and offsets, lines and columns are those of the whole text. Each window owns a stretch
of the text and sees at least ``overlap`` characters on either side of it: more than any
credential and than the context a rule looks at. A window starts at a line start (so a
construct on one line is never cut) unless a line is longer than the overlap.

Ids and secrets are collected from every window with absolute offsets, unpaired, and paired
once at the end by the rule a file scanned whole is paired by: a cut between a SID and its
token changes nothing, and a token far from any cut still gets the nearest SID of the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from twscan.core.model import Finding
from twscan.detect.codec.text import BINARY_SNIFF, is_binary, sniff_wide, wide_bom, wide_unit
from twscan.detect.engine import Detector, Parts, dedupe, drop_covered_halves, pair_and_dedupe

CHUNK = 16 * 1024 * 1024
OVERLAP = 64 * 1024
THRESHOLD = 32 * 1024 * 1024  # files above this are read in chunks
_REPLACEMENT = "\ufffd"
_REPLACEMENT_UTF8 = _REPLACEMENT.encode()


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def scan_stream(
    detector: Detector, f: Readable, path: str, chunk: int = CHUNK, overlap: int = OVERLAP
) -> tuple[list[Finding], int]:
    """Findings of the whole stream and the number of bytes read."""
    reader = _Decoder(f, chunk)
    halves: list[Finding] = []
    layered: list[Finding] = []
    for w in _windows(reader, overlap):
        parts = Parts()
        detector.scan_window(w.text, path, reader.encoding, parts)
        for group, out in ((parts.halves, halves), (parts.layered, layered)):
            for found in group:
                if w.owns(found.offset):
                    w.shift(found)
                    out.append(found)
    if reader.invalid:  # as decode() labels a whole file with an invalid byte anywhere
        for h in halves:
            if h.encoding is None:
                h.encoding = "utf-8+invalid"
    plain = pair_and_dedupe(detector.pairs, sorted(halves, key=lambda x: x.offset))
    known = {(x.rule, x.secret, x.pair.secret if x.pair else "") for x in plain}
    added = [x for x in layered if (x.rule, x.secret, x.pair.secret if x.pair else "") not in known]
    if not added:
        return plain, reader.total
    merged = sorted(drop_covered_halves(plain + added), key=lambda x: x.offset)
    return dedupe(merged), reader.total


class Prefixed:
    """A stream whose first bytes were already read (``head``), then the rest of it: the
    reader gives up the head as it goes, so it is held once."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = head
        self._rest = rest

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n < 0:
                out, self._head = self._head + self._rest.read(), b""
                return out
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._rest.read(n)


class _Window:
    """A window's text and where it sits: ``base`` characters into the whole text, after
    ``lines_before`` newlines, ``col_shift`` characters into its first line; it owns the
    findings that start in [``start``, ``end``) (absolute; ``end`` None: to the end)."""

    __slots__ = ("text", "base", "start", "end", "lines_before", "col_shift")

    def __init__(
        self, text: str, base: int, start: int, end: int | None, lines_before: int, col_shift: int
    ):
        self.text = text
        self.base = base
        self.start = start
        self.end = end
        self.lines_before = lines_before
        self.col_shift = col_shift

    def owns(self, offset: int) -> bool:
        at = self.base + offset
        return self.start <= at and (self.end is None or at < self.end)

    def shift(self, f: Finding) -> None:
        """From the window's offsets, lines and columns to the whole text's."""
        if f.line == 1:
            f.column += self.col_shift
        if f.end_line == 1:
            f.end_column += self.col_shift
        f.line += self.lines_before
        f.end_line += self.lines_before
        f.offset += self.base
        anchor = f.extra.get("_anchor")
        if isinstance(anchor, int):
            f.extra["_anchor"] = anchor + self.base
        if f.pair is not None:
            if f.pair.line == 1:
                f.pair.column += self.col_shift
            f.pair.line += self.lines_before
            f.pair.offset += self.base


def _windows(reader: _Decoder, overlap: int) -> Iterator[_Window]:
    """Windows over the reader's text. No chunk is read ahead (a window's stretch ends
    ``overlap`` before its end; the text after the last cut is a window of its own) and none
    is held past its window: memory is one window and the decoding of one chunk."""
    window = ""
    base = 0  # absolute offset of the window's first character
    start = 0  # absolute offset where the window's own stretch starts
    lines_before = 0
    line_start = 0  # absolute offset of the line the window starts in
    while True:
        piece = reader.next_text()
        if piece is None:
            if window:
                yield _Window(window, base, start, None, lines_before, base - line_start)
            return
        window += piece
        del piece
        if len(window) <= 2 * overlap + (start - base):
            continue  # too little yet to own anything with the overlap on both sides
        end = base + len(window) - overlap
        w = _Window(window, base, start, end, lines_before, base - line_start)
        window = ""  # held by the window alone while it is scanned
        yield w
        window, w.text = w.text, ""
        # The next window starts at least `overlap` before the end of this one's stretch.
        keep = len(window) - 2 * overlap
        nl = window.rfind("\n", 0, keep)
        cut = nl + 1 if nl >= 0 else keep  # a newline-free stretch (minified): cut anywhere
        lines_before += window.count("\n", 0, cut)
        if nl >= 0:
            line_start = base + cut
        base += cut
        start = end
        window = window[cut:]


class _Decoder:
    """The stream's bytes as text, a chunk at a time, decoded as the whole would be."""

    def __init__(self, f: Readable, chunk: int):
        self._f = f
        self._chunk = chunk
        head = f.read(max(chunk, BINARY_SNIFF))
        self.total = len(head)
        self.invalid = False  # UTF-8 with a byte that does not decode (a replaced character)
        wide = sniff_wide(head)
        skip = 0
        if wide is not None:
            self.encoding = wide
            skip = wide_bom(head, wide)
        elif is_binary(head):
            self.encoding = "binary"
        elif head.startswith(codecs.BOM_UTF8):
            self.encoding, skip = "utf-8-sig", len(codecs.BOM_UTF8)
        else:
            self.encoding = "utf-8"
        self._head: bytes | None = head[skip:]
        self._done = False
        codec = "utf-8" if self.encoding.startswith("utf-8") else self.encoding
        self._dec = (
            None if self.encoding == "binary"
            else codecs.getincrementaldecoder(codec)(errors="replace")
        )
        # UTF-8: a replaced byte shows as one more U+FFFD in the text than the bytes spelled.
        self._spelled = self._decoded = 0
        self._carry = b""

    def _next_raw(self) -> bytes | None:
        if self._head is not None:
            head, self._head = self._head, None
            return head
        more = self._f.read(self._chunk)
        self.total += len(more)
        return more or None

    def next_text(self) -> str | None:
        """The next chunk's text, "" when it decoded to nothing yet, None at the end."""
        if self._done:
            return None
        raw = self._next_raw()
        if raw is None:
            self._done = True
            return self._finish()
        if self._dec is None:
            return raw.decode("latin-1")
        if self.encoding == "utf-8":
            # in this chunk, and across its start (two bytes before, one or two after)
            self._spelled += raw.count(_REPLACEMENT_UTF8)
            self._spelled += (self._carry + raw[:2]).count(_REPLACEMENT_UTF8)
            self._carry = (self._carry + raw[-2:])[-2:]
        text: str = self._dec.decode(raw)
        del raw
        self._decoded += text.count(_REPLACEMENT)
        return text

    def _finish(self) -> str | None:
        if self._dec is None:
            return None
        if self.encoding.startswith(("utf-16", "utf-32")):
            # As decode() does: a trailing partial code unit is dropped, and what remains (a
            # lone surrogate) is replaced.
            rest: bytes = self._dec.getstate()[0]
            rest = rest[: len(rest) - len(rest) % wide_unit(self.encoding)]
            return rest.decode(self.encoding, errors="replace") if rest else None
        text: str = self._dec.decode(b"", final=True)
        self._decoded += text.count(_REPLACEMENT)
        self.invalid = self.encoding == "utf-8" and self._decoded > self._spelled
        return text or None
