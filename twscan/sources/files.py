"""Files and directories as a source: walk, read each file once, never lose one silently.

Every file that is not scanned is named in the summary with the reason (too large, unreadable,
a special file) so that a clean result can be trusted. ``.git`` is skipped: history is the git
sources' job. ``.gitignore`` is honoured only when asked, through git itself so the rules are
exactly git's.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from twscan.errors import TwscanError
from twscan.safeio import display_name

DEFAULT_MAX_SIZE = 50 * 1024 * 1024
_SKIP_DIRS = {".git", ".hg", ".svn"}


@dataclass(frozen=True)
class FileItem:
    path: str  # as the user will read it: relative to the argument they gave, joined to it
    fs_path: str
    size: int


@dataclass
class Walk:
    items: list[FileItem]
    skipped: list[tuple[str, str]]


def walk(paths: list[str], *, max_size: int = DEFAULT_MAX_SIZE, gitignore: bool = False) -> Walk:
    items: list[FileItem] = []
    skipped: list[tuple[str, str]] = []
    for arg in paths:
        if arg == "-":
            continue
        if not os.path.lexists(arg):
            raise TwscanError(f"no such file or directory: {arg}")
        if os.path.isdir(arg):
            ignored = _git_ignored(arg) if gitignore else None
            for p in _walk_dir(arg, skipped):
                if ignored is not None and os.path.relpath(p, arg) in ignored:
                    continue
                _add(p, items, skipped, max_size)
        else:
            _add(arg, items, skipped, max_size)
    return Walk(items, skipped)


def _walk_dir(root: str, skipped: list[tuple[str, str]]) -> Iterator[str]:
    def onerror(e: OSError) -> None:
        skipped.append((str(e.filename), f"unreadable: {e.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def _add(p: str, items: list[FileItem], skipped: list[tuple[str, str]], max_size: int) -> None:
    try:
        st = os.stat(p)
    except OSError as e:
        skipped.append((p, f"unreadable: {e.strerror}"))
        return
    if not stat.S_ISREG(st.st_mode):
        skipped.append((p, "not a regular file"))
        return
    if st.st_size > max_size:
        skipped.append((p, f"larger than the size limit ({st.st_size} > {max_size} bytes)"))
        return
    items.append(FileItem(p, p, st.st_size))


def read(item: FileItem) -> bytes:
    with open(item.fs_path, "rb") as f:
        return f.read()


def read_stdin(limit: int = -1) -> bytes:
    """At most ``limit`` bytes (all with -1): a caller that finds more streams the rest."""
    return sys.stdin.buffer.read(limit)


def _git_ignored(root: str) -> set[str] | None:
    """Paths under root that git ignores; None outside a work tree (nothing to honour)."""
    from twscan import git  # started the one way that keeps the repository's config inert

    args = ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"]
    try:
        rc, out, _ = git.run_rc(args, cwd=root)
    except TwscanError:
        raise TwscanError("--gitignore needs git, which is not installed") from None
    if rc != 0:
        return None
    ignored: set[str] = set()
    dirs: list[str] = []
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        if entry.endswith("/"):
            dirs.append(entry)
        else:
            ignored.add(os.path.normpath(entry))
    if dirs:
        for dirpath, _dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            relslash = "" if rel == "." else rel + "/"
            if any(relslash.startswith(d) for d in dirs):
                ignored.update(os.path.normpath(relslash + f) for f in filenames)
    return ignored


def display_path(p: str) -> str:
    """POSIX separators, no leading ``./``: how CI systems name files in annotations; bytes
    that are not UTF-8 shown as ``\\xff``, as git paths are, so every report can encode it."""
    if os.sep != "/":
        p = p.replace(os.sep, "/")
    while p.startswith("./") and len(p) > 2:
        p = p[2:]
    return display_name(p)
