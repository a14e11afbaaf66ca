"""The one place a new Auth Token goes: the user's terminal, or a file only they can read.

Twilio shows a new token once; losing it means creating another, and printing it anywhere else
(a CI log, a report, the journal) would leak it again. So the hand-over target is settled
before anything changes: the terminal only if standard output is one, else ``--secret-out``,
which is created ``0600`` (an existing file must be a regular file owned by the user with no
group or other access, and is appended to), never through a symbolic link. Standard output
that is not a terminal (a pipe, a CI log) never gets the token: without ``--secret-out`` it
goes to a file of that kind next to the journal, and the run says where.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TextIO

from twscan.core.errors import TwscanError


class Handover:
    def __init__(
        self, secret_out: str | None, fallback: Path, terminal: TextIO | None = None
    ) -> None:
        self.terminal = terminal if terminal is not None else sys.stdout
        self.path = Path(secret_out) if secret_out else None
        #: set when the file is the fallback, not a file the user named
        self.fallback = False
        if self.path is None and not self.terminal.isatty():
            self.path, self.fallback = fallback, True

    def check(self) -> str | None:
        """Refuse now, before any change, a hand-over that could not happen or would leak; a
        note for the user when the token will go to the fallback file."""
        if self.path is None:
            return None
        fd = self._open()
        os.close(fd)
        if self.fallback:
            return (
                f"standard output is not a terminal (it may be a log), so a new Auth Token "
                f"goes to {self.path} (readable by you only; --secret-out FILE chooses the "
                "file): deploy it, then delete the file"
            )
        return None

    def _open(self) -> int:
        assert self.path is not None
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            raise TwscanError(f"--secret-out {self.path}: cannot open ({exc.strerror})") from None
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_mode & 0o077
            or (hasattr(os, "getuid") and info.st_uid != os.getuid())
        ):
            os.close(fd)
            raise TwscanError(
                f"--secret-out {self.path}: must be a regular file of yours that no one else "
                "can read (chmod 600), or not exist yet"
            )
        return fd

    def give(self, account: str, token: str, *, promoted: bool) -> str:
        """Hand ``token`` over; what to tell the user about where it went (no secret in it)."""
        state = "new primary" if promoted else "new secondary (not yet promoted)"
        if self.path is None:
            self.terminal.write(
                f"\n  {account} {state} Auth Token (shown once, store it now):\n  {token}\n\n"
            )
            self.terminal.flush()
            return "shown on the terminal"
        fd = self._open()
        try:
            os.write(fd, f"{account}\t{token}\t{state}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return f"written to {self.path}"
