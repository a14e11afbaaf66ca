"""Untrusted text in a human-facing line, and names every output can encode.

A scanned repository controls its file names, the key and section names inside its files and
its commits' authors; GitHub controls repository names, paths and error messages. Any of them
can hold an escape sequence, a carriage return or newline, or a bidirectional override, and
written raw to a terminal or a CI log they forge lines ("No Twilio credentials found.") or drive
the terminal. :func:`clean` turns such a string into one visible, unambiguous line; reports that
are parsed by machines (JSON, SARIF) keep the exact string, which ``json`` escapes itself.
:func:`display_name` makes a file name that is not UTF-8 representable in all of them.

Imported by the commit hook: no import of its own and no pattern to compile at start-up.
"""

from __future__ import annotations

_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LINE_BREAKS = "\x85\u2028\u2029"


def _escape(c: str) -> str:
    named = _NAMED.get(c)
    if named is not None:
        return named
    n = ord(c)
    if 0xDC80 <= n <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape): as git shows it
        return f"\\x{n - 0xDC00:02x}"
    if n < 0x100:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def _unsafe(c: str) -> bool:
    """What a human-facing line must not carry raw: everything Python does not call printable
    (C0 and C1 controls, DEL, line and paragraph separators, format characters such as the
    bidirectional overrides and isolates and zero-width characters, lone surrogates, unassigned
    code points), except the harmless wide spaces; and the backslash, so that an escape in
    the output can only have come from here."""
    if c == "\\":
        return True
    if c.isprintable():
        return False
    return not (c.isspace() and ord(c) >= 0xA0 and c not in _LINE_BREAKS)


def clean(text: object, keep: str = "") -> str:
    """``text`` as one line that shows every character it has and can drive nothing.

    Control, separator and bidirectional characters become visible escapes (``\\x1b``,
    ``\\n``, ``\\u202e``) and a backslash is doubled, so the escaped form is unambiguous.
    ``keep`` names characters the caller encodes exactly itself (a GitHub workflow command's
    ``%0A``), which are then left alone.
    """
    s = text if isinstance(text, str) else str(text)
    if s.isprintable() and ("\\" not in s or "\\" in keep):  # nearly always: one pass in C
        return s
    return "".join(_escape(c) if _unsafe(c) and c not in keep else c for c in s)


def display_name(name: str) -> str:
    """A name from the file system, representable in every output: bytes that were not UTF-8
    (held as lone surrogates) become ``\\xff``, exactly as :func:`twscan.git.display_path`
    shows them in git paths, so JSON, SARIF and the baseline can encode it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name
