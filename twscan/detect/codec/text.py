"""Turn raw bytes into text the rules can read, without guessing from file names.

Credentials are ASCII, so the aim is not a perfect transcription but that no encoding hides
one: UTF-16 (PowerShell, .NET and Windows tools write it) and UTF-32 are recognised by their
BOM or by the pattern of NUL bytes; other binary data is read byte-for-byte (Latin-1) so
printable runs in a SQLite file or a .pyc stay visible; invalid UTF-8 next to a token costs one
replaced character, never the token.
"""

from __future__ import annotations

import codecs

from twscan.core.record import FrozenRecord, set_field

_SNIFF = 4096
_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# A BOM by encoding; UTF-32 LE's starts with UTF-16 LE's, so it is looked for first.
_WIDE_BOMS = (
    ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-32-be", codecs.BOM_UTF32_BE),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
)
BINARY_SNIFF = 8192  # how much of the start decides that data is binary


class Decoded(FrozenRecord):
    """A record, not a dataclass: the commit hook imports this (see :mod:`twscan.core.record`)."""

    __slots__ = ("text", "encoding", "binary")
    text: str
    # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "binary",
    # "utf-8+invalid"
    encoding: str
    binary: bool

    def __init__(self, text: str, encoding: str, binary: bool) -> None:
        set_field(self, "text", text)
        set_field(self, "encoding", encoding)
        set_field(self, "binary", binary)


def sniff_wide(data: bytes | memoryview) -> str | None:
    """UTF-16 or UTF-32 (LE or BE) by BOM or by the NUL bytes of ASCII text in it, else None."""
    head = bytes(data[:_SNIFF])
    if b"\0" not in head and not head.startswith(_BOMS):
        return None  # nearly every file: decided with one search
    for enc, bom in _WIDE_BOMS:
        if head.startswith(bom):
            return enc
    n = len(head) // 2
    if n < 4 or b"\0" not in head:
        return None
    even_nul = head[0 : 2 * n : 2].count(0)
    odd_nul = head[1 : 2 * n : 2].count(0)
    # ASCII text in UTF-16 has a NUL in (nearly) every other byte and almost none in the rest.
    if odd_nul >= 0.7 * n and even_nul <= 0.05 * n:
        return "utf-16-le"
    if even_nul >= 0.7 * n and odd_nul <= 0.05 * n:
        return "utf-16-be"
    # In UTF-32, three NULs of every four bytes, and the fourth (the ASCII byte) almost never.
    m = len(head) // 4
    if m >= 4:
        nuls = [head[r : 4 * m : 4].count(0) for r in range(4)]
        if nuls[0] <= 0.05 * m and min(nuls[1:]) >= 0.7 * m:
            return "utf-32-le"
        if nuls[3] <= 0.05 * m and min(nuls[:3]) >= 0.7 * m:
            return "utf-32-be"
    return None


def wide_unit(encoding: str) -> int:
    """Bytes per code unit of a wide encoding (2 for UTF-16, 4 for UTF-32)."""
    return 4 if encoding.startswith("utf-32") else 2


def wide_bom(data: bytes, encoding: str) -> int:
    """Length of the BOM the data starts with, for that encoding (0 when sniffed)."""
    for enc, bom in _WIDE_BOMS:
        if enc == encoding and data.startswith(bom):
            return len(bom)
    return 0


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:BINARY_SNIFF]


def decode(data: bytes) -> Decoded:
    enc = sniff_wide(data)
    if enc is not None:
        body = data[wide_bom(data, enc) :]
        unit = wide_unit(enc)
        if len(body) % unit:
            body = body[: len(body) - len(body) % unit]
        return Decoded(body.decode(enc, errors="replace"), enc, False)
    if is_binary(data):
        return Decoded(data.decode("latin-1"), "binary", True)
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[3:].decode("utf-8", errors="replace"), "utf-8-sig", False)
    return _utf8(data)


def _utf8(data: bytes) -> Decoded:
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        return Decoded(data.decode("utf-8", errors="replace"), "utf-8+invalid", False)


def decode_as(data: bytes, encoding: str) -> Decoded:
    """A window of a large file, decoded as its whole was ("binary", "utf-8-sig" or "utf-8";
    a BOM was the file's, not the window's, so none is taken off here)."""
    if encoding == "binary":
        return Decoded(data.decode("latin-1"), "binary", True)
    if encoding == "utf-8-sig":
        return Decoded(data.decode("utf-8", errors="replace"), "utf-8-sig", False)
    return _utf8(data)
