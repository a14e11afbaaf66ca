"""Large files and streams in bounded memory: overlapping windows of decoded text.

A file (or standard input) above the threshold is read a chunk at a time and decoded as the
whole would be (its start decides, as :func:`twscan.textdecode.decode` does: UTF-16 or
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
from typing import BinaryIO

from twscan.detect import Detector, Parts, dedupe, drop_covered_halves, pair_and_dedupe
from twscan.model import Finding
from twscan.textdecode import BINARY_SNIFF, is_binary, sniff_wide, wide_bom, wide_unit

CHUNK = 16 * 1024 * 1024
OVERLAP = 64 * 1024
THRESHOLD = 32 * 1024 * 1024  # files above this are read in chunks
_REPLACEMENT = "\ufffd"
_REPLACEMENT_UTF8 = _REPLACEMENT.encode()


def scan_stream(
    detector: Detector, f: BinaryIO, path: str, chunk: int = CHUNK, overlap: int = OVERLAP
) -> tuple[list[Finding], int]:
    """Findings of the whole stream and the number of bytes read."""
    reader = _Decoder(f, chunk)
    halves: list[Finding] = []
    layered: list[Finding] = []
    for w in _windows(reader.pieces(), overlap):
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


def _windows(pieces: Iterator[str], overlap: int) -> Iterator[_Window]:
    window = ""
    base = 0  # absolute offset of the window's first character
    start = 0  # absolute offset where the window's own stretch starts
    lines_before = 0
    line_start = 0  # absolute offset of the line the window starts in
    pending = next(pieces, None)
    while pending is not None:
        window += pending
        pending = next(pieces, None)
        last = pending is None
        if not last and len(window) <= 2 * overlap + (start - base):
            continue  # too little yet to own anything with the overlap on both sides
        end = None if last else base + len(window) - overlap
        yield _Window(window, base, start, end, lines_before, base - line_start)
        if end is None:
            return
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

    def __init__(self, f: BinaryIO, chunk: int):
        self._f = f
        self._chunk = chunk
        self._head = f.read(max(chunk, BINARY_SNIFF))
        self.total = len(self._head)
        self.invalid = False  # UTF-8 with a byte that does not decode (a replaced character)
        wide = sniff_wide(self._head)
        if wide is not None:
            self.encoding = wide
            self._skip = wide_bom(self._head, wide)
        elif is_binary(self._head):
            self.encoding, self._skip = "binary", 0
        elif self._head.startswith(codecs.BOM_UTF8):
            self.encoding, self._skip = "utf-8-sig", len(codecs.BOM_UTF8)
        else:
            self.encoding, self._skip = "utf-8", 0

    def _raw(self) -> Iterator[bytes]:
        head, self._head = self._head[self._skip :], b""
        if head:
            yield head
        while True:
            more = self._f.read(self._chunk)
            if not more:
                return
            self.total += len(more)
            yield more

    def pieces(self) -> Iterator[str]:
        if self.encoding == "binary":
            for raw in self._raw():
                yield raw.decode("latin-1")
        elif self.encoding.startswith(("utf-16", "utf-32")):
            yield from self._wide()
        else:
            yield from self._utf8()

    def _wide(self) -> Iterator[str]:
        dec = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        for raw in self._raw():
            yield dec.decode(raw)
        # What is left: as decode() does, a trailing partial code unit is dropped and what
        # remains (a lone surrogate) is replaced.
        rest = dec.getstate()[0]
        rest = rest[: len(rest) - len(rest) % wide_unit(self.encoding)]
        if rest:
            yield rest.decode(self.encoding, errors="replace")

    def _utf8(self) -> Iterator[str]:
        dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # A replaced byte shows as one more U+FFFD in the text than the bytes spelled out.
        spelled = decoded = 0
        carry = b""
        for raw in self._raw():
            # in this chunk, and across its start (two bytes before, one or two after)
            spelled += raw.count(_REPLACEMENT_UTF8) + (carry + raw[:2]).count(_REPLACEMENT_UTF8)
            carry = (carry + raw)[-2:]
            text = dec.decode(raw)
            decoded += text.count(_REPLACEMENT)
            yield text
        text = dec.decode(b"", final=True)
        decoded += text.count(_REPLACEMENT)
        self.invalid = self.encoding == "utf-8" and decoded > spelled
        if text:
            yield text
