"""Turn raw bytes into text the rules can read, without guessing from file names.

Credentials are ASCII, so the aim is not a perfect transcription but that no encoding hides
one: UTF-16 (PowerShell, .NET and Windows tools write it) is recognised by its BOM or by the
pattern of NUL bytes; other binary data is read byte-for-byte (Latin-1) so printable runs in a
SQLite file or a .pyc stay visible; invalid UTF-8 next to a token costs one replaced character,
never the token.
"""

from __future__ import annotations

import codecs

from twscan.record import FrozenRecord, set_field

_SNIFF = 4096
_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Decoded(FrozenRecord):
    """A record, not a dataclass: the commit hook imports this (see :mod:`twscan.record`)."""

    __slots__ = ("text", "encoding", "binary")
    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "binary", "utf-8+invalid"
    binary: bool

    def __init__(self, text: str, encoding: str, binary: bool) -> None:
        set_field(self, "text", text)
        set_field(self, "encoding", encoding)
        set_field(self, "binary", binary)


def sniff_utf16(data: bytes | memoryview) -> str | None:
    head = bytes(data[:_SNIFF])
    if b"\0" not in head and not head.startswith(_BOMS):
        return None  # nearly every file: decided with one search
    if head.startswith(codecs.BOM_UTF16_LE) and not head.startswith(codecs.BOM_UTF32_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
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
    return None


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:8192]


def decode(data: bytes) -> Decoded:
    enc16 = sniff_utf16(data)
    if enc16 is not None:
        body = data[2:] if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else data
        if len(body) % 2:
            body = body[:-1]
        return Decoded(body.decode(enc16, errors="replace"), enc16, False)
    if is_binary(data):
        return Decoded(data.decode("latin-1"), "binary", True)
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[3:].decode("utf-8", errors="replace"), "utf-8-sig", False)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        return Decoded(data.decode("utf-8", errors="replace"), "utf-8+invalid", False)
