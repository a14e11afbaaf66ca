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
from dataclasses import dataclass, field

from twscan.core.errors import TwscanError
from twscan.core.safeio import display_name

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
    # Files named on the command line, and those of them that could not be scanned (also in
    # skipped): the user asked for these by name, so not scanning one fails the run.
    named: set[str] = field(default_factory=set)
    failed: list[tuple[str, str]] = field(default_factory=list)


def walk(paths: list[str], *, max_size: int, gitignore: bool = False) -> Walk:
    """What to scan. A path named on the command line is followed wherever it leads (a
    symlink to a directory is walked); symlinks met while walking are not: they are listed
    as skipped. Their target, when it lies in the tree, is scanned under its own name; when
    it does not, a cloned repository could otherwise make the scan read (and report on) any
    file of the machine, or loop. Git stores a symlink as its target's name, not its content,
    so the git sources see the same."""
    out = Walk([], [])
    items, skipped = out.items, out.skipped
    for arg in paths:
        if arg == "-":
            continue
        if not os.path.lexists(arg):
            raise TwscanError(f"no such file or directory: {arg}")
        if os.path.isdir(arg):
            ignored = _git_ignored(arg) if gitignore else None
            before = len(skipped)
            for p in _walk_dir(arg, skipped):
                if ignored is not None and os.path.relpath(p, arg) in ignored:
                    continue
                _add(p, items, skipped, max_size)
            if ignored:
                skipped[before:] = [
                    s for s in skipped[before:] if os.path.relpath(s[0], arg) not in ignored
                ]
            # The named directory itself could not be listed: nothing of it was looked at.
            out.failed.extend(s for s in skipped[before:] if s[0] == arg)
        else:
            out.named.add(arg)
            if _add(arg, items, skipped, max_size):
                out.failed.append(skipped[-1])
    return out


def _walk_dir(root: str, skipped: list[tuple[str, str]]) -> Iterator[str]:
    for dirpath, dirnames, filenames in _walk(root, skipped):
        kept = []
        for d in sorted(dirnames):
            if d in _SKIP_DIRS:
                continue
            p = os.path.join(dirpath, d)
            if os.path.islink(p):  # listed with the directories; never entered
                skipped.append((p, "symlink to a directory: not followed"))
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            if os.path.islink(p):
                skipped.append((p, _symlink_reason(p)))
            else:
                yield p


def _walk(
    root: str, skipped: list[tuple[str, str]]
) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(root)``, top down, with its order, but with a stack instead of recursion:
    Python 3.11's ``os.walk`` recurses once per level, and a checkout can nest directories a
    few thousand deep (a RecursionError ended the scan). A directory that cannot be listed
    (too long a path, no permission) is listed as skipped, as ``onerror`` did."""
    stack = [root]
    while stack:
        top = stack.pop()
        dirnames: list[str] = []
        filenames: list[str] = []
        links: set[str] = set()  # listed among the directories, never entered (as os.walk)
        try:
            with os.scandir(top) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir()
                        if is_dir and entry.is_symlink():
                            links.add(entry.name)
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
        except OSError as e:
            skipped.append((str(e.filename or top), f"unreadable: {e.strerror}"))
            continue
        yield top, dirnames, filenames
        # what the caller left in dirnames, in its order, the first visited first
        stack.extend(os.path.join(top, d) for d in reversed(dirnames) if d not in links)


def _symlink_reason(p: str) -> str:
    try:
        regular = stat.S_ISREG(os.stat(p).st_mode)
    except OSError:  # dangling, or a loop
        return "symlink to nothing readable: not followed"
    return "symlink to a file: not followed" if regular else "symlink: not followed"


def _add(p: str, items: list[FileItem], skipped: list[tuple[str, str]], max_size: int) -> bool:
    """Queue one file, or list it as skipped; True when it could not be scanned at all (as
    opposed to being left out by the size limit)."""
    try:
        st = os.stat(p)
    except OSError as e:
        skipped.append((p, f"unreadable: {e.strerror}"))
        return True
    if not stat.S_ISREG(st.st_mode):
        skipped.append((p, "not a regular file"))
        return True
    if st.st_size > max_size:
        skipped.append((p, f"larger than the size limit ({st.st_size} > {max_size} bytes)"))
        return False
    items.append(FileItem(p, p, st.st_size))
    return False


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
        for dirpath, _dirnames, filenames in _walk(root, []):
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
