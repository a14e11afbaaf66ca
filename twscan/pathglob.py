"""Path globs for the configuration's ``exclude``, with the gitignore conventions users know.

A glob without a slash (``*.min.js``, ``node_modules``) matches a file or directory name at any
depth; one with a slash (``tests/fixtures/*.env``, ``/build``) is anchored at the directory of
the configuration file; ``**`` crosses directories; a trailing slash names a directory. A
match on a directory excludes everything under it, which is what lets ``vendor`` mean the
whole tree rather than only a file of that name. Matching is on ``/``-separated relative paths
so a configuration means the same on every platform and for every source (files on disk and
git blobs alike).
"""

from __future__ import annotations

import re

from twscan.errors import TwscanError
from twscan.record import FrozenRecord, set_field


class PathGlobs(FrozenRecord):
    """A record, not a dataclass: the commit hook imports this (see :mod:`twscan.record`)."""

    __slots__ = ("patterns", "_regex")
    patterns: tuple[str, ...]
    _regex: re.Pattern[str] | None

    def __init__(self, patterns: tuple[str, ...], _regex: re.Pattern[str] | None) -> None:
        set_field(self, "patterns", patterns)
        set_field(self, "_regex", _regex)

    @classmethod
    def compile(cls, patterns: list[str] | tuple[str, ...], where: str = "exclude") -> PathGlobs:
        parts = []
        for p in patterns:
            if not p.strip() or p.strip() in ("/", "./"):
                raise TwscanError(f"{where}: empty path glob {p!r}")
            parts.append(_translate(p.strip()))
        regex = re.compile("|".join(f"(?:{x})" for x in parts)) if parts else None
        return cls(tuple(patterns), regex)

    def __bool__(self) -> bool:
        return self._regex is not None

    def match(self, rel_path: str) -> bool:
        """True when the path, or a directory holding it, matches one of the globs."""
        if self._regex is None:
            return False
        path = rel_path.replace("\\", "/")
        while path.startswith("./"):
            path = path[2:]
        if self._regex.fullmatch(path):
            return True
        i = path.find("/")
        while i > 0:
            if self._regex.fullmatch(path[:i]):
                return True
            i = path.find("/", i + 1)
        return False


def _translate(pattern: str) -> str:
    p = pattern.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    p = p.rstrip("/")  # a directory glob: matching the directory covers its contents
    anchored = "/" in p
    p = p.lstrip("/")
    out = [] if anchored or p.startswith("**/") else ["(?:.*/)?"]
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        if p.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif p.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = p.find("]", i + 2)
            if j < 0:
                out.append(re.escape(c))
                i += 1
                continue
            body = p[i + 1 : j]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)
