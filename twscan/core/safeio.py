"""Untrusted names shown and untrusted settings files read: guards every path shares.

A scanned repository controls its file names, the key and section names inside its files and
its commits' authors; GitHub controls repository names, paths and error messages. Any of them
can hold an escape sequence, a carriage return or newline, or a bidirectional override, and
written raw to a terminal or a CI log they forge lines ("No Twilio credentials found.") or drive
the terminal. :func:`clean` turns such a string into one visible, unambiguous line; reports that
are parsed by machines (JSON, SARIF) keep the exact string, which ``json`` escapes itself.
:func:`display_name` makes a file name that is not UTF-8 representable in all of them.

Files twscan reads as settings (configuration, rules, baseline) are named by the repository
too: :func:`read_capped` refuses what is not a regular file and what is too large, so that
``baseline = '/dev/zero'`` is an error, not a read that ends in ``MemoryError``.

Imported by the commit hook: nothing here but ``os`` and ``stat``, both loaded already, and
no pattern to compile at start-up.
"""

from __future__ import annotations

import os
import stat

from twscan.core.errors import TwscanError

#: Settings files larger than this are refused: real ones are kilobytes.
MAX_SETTINGS_BYTES = 64 * 1024 * 1024

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


def read_capped(path: os.PathLike[str] | str, what: str, cap: int = MAX_SETTINGS_BYTES) -> bytes:
    """The bytes of a settings file, or an error naming it: never a FIFO, a device or a
    file so large that reading it would exhaust memory.

    The file is opened without blocking (a FIFO would wait for a writer) and judged by what
    was opened, not by a name looked up before; the read stops after ``cap + 1`` bytes, so a
    file that grows meanwhile is refused too. ``FileNotFoundError`` passes through: callers
    word "not found" in their own terms.
    """
    shown = os.fspath(path)  # escaped where the error is written, by twscan.cli
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as e:
        raise TwscanError(f"cannot read {what} {shown}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise TwscanError(f"{what} {shown} is not a regular file")
        if st.st_size > cap:
            raise TwscanError(f"{what} {shown} is larger than {_size(cap)}")
        chunks: list[bytes] = []
        size = 0
        while size <= cap:
            chunk = os.read(fd, min(cap + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise TwscanError(f"cannot read {what} {shown}: {e.strerror}") from None
    finally:
        os.close(fd)
    if size > cap:
        raise TwscanError(f"{what} {shown} is larger than {_size(cap)}")
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and not n % (1 << 20) else f"{n} bytes"
