"""Run a command with standard output or standard error on a pseudo-terminal: what a user at a
terminal sees (progress bars, a token handed over) and a pipe or a CI log never does."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_on_pty(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], stream: str = "stdout",
    timeout: float = 120.0,
) -> tuple[int, str, str]:
    """(exit code, what the terminal got, the other stream) of ``argv``, stdin closed."""
    leader, follower = pty.openpty()
    target = {"stdout": follower} if stream == "stdout" else {"stderr": follower}
    other = "stderr" if stream == "stdout" else "stdout"
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
        **target, **{other: subprocess.PIPE},  # type: ignore[arg-type]
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed: the process is done with the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    rest = proc.communicate(timeout=timeout)[0 if other == "stdout" else 1] or b""
    return proc.returncode, seen.decode("utf-8", "replace"), rest.decode("utf-8", "replace")
