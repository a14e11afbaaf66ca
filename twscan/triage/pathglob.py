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

from twscan.core.errors import TwscanError
from twscan.core.record import FrozenRecord, set_field


class PathGlobs(FrozenRecord):
    """A record, not a dataclass: the commit hook imports this (see :mod:`twscan.core.record`)."""

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
        try:
            regex = re.compile("|".join(f"(?:{x})" for x in parts)) if parts else None
        except re.error as e:  # a character class such as [z-a]
            raise TwscanError(f"{where}: invalid path glob: {e.msg}") from None
        return cls(tuple(patterns), regex)

    def __bool__(self) -> bool:
        return self._regex is not None

    def match(self, rel_path: str) -> bool:
        """True when the path, or a directory holding it, matches one of the globs (one
        ``fullmatch``: each translation ends in "here, or at a ``/`` with anything after")."""
        if self._regex is None:
            return False
        path = rel_path.replace("\\", "/")
        while path.startswith("./"):
            path = path[2:]
        return self._regex.fullmatch(path) is not None


# Globs become ``re`` patterns that cannot backtrack catastrophically. A naive translation
# (``*`` -> ``[^/]*``, ``**/`` -> ``(?:.*/)?``) tries every way to share a path among the
# wildcards: ``*a*a*a*a*a*a*a*a*a*a*b`` against a long name of ``a`` is O(n^10), and fifteen
# ``**/`` are as bad. Here every choice a wildcard makes is taken once, in an atomic group
# (``(?>…)``, Python 3.11): the first place where what follows it fits. That first place is
# always a right one, because what follows is again a wildcard able to take up the slack:
# inside a path component a ``*`` can absorb any characters (no ``/`` is there to stop it),
# and a ``**`` any whole components. The last piece of a component, and the last run of
# components, must end where the component or the path ends, and that end is part of the
# group. So a glob costs at most (wildcards x path length) steps per start, and the path is
# matched once, not once per directory prefix.

_COMPONENTS = "(?:[^/]*+/)*?"  # zero or more whole components, fewest first


def _translate(pattern: str) -> str:
    """A glob as an ``re`` pattern to ``fullmatch`` a path or a directory holding one.

    ``**`` is special only as a whole component (``**/x``, ``a/**/b``, ``a/**``), as in
    gitignore; elsewhere (``a**b``) it is a ``*``. A character class never matches ``/``.
    """
    p = pattern.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    p = p.rstrip("/")  # a directory glob: matching the directory covers its contents
    anchored = "/" in p
    p = p.lstrip("/")
    comps: list[str] = [] if anchored else ["**"]
    for c in p.split("/"):
        if not (c == "**" and comps and comps[-1] == "**"):
            comps.append(c)
    n = len(comps)
    k = 0
    lead: list[str] = []
    while k < n and comps[k] != "**":
        lead.append(comps[k])
        k += 1
    out = "/".join(_component(c) for c in lead)
    if lead and k < n:
        out += "/"
    while k < n:  # comps[k] is "**"
        k += 1
        block: list[str] = []
        while k < n and comps[k] != "**":
            block.append(comps[k])
            k += 1
        if not block:  # a trailing ``**``: everything below
            return out + ".*"
        body = "/".join(_component(c) for c in block)
        out += f"(?>{_COMPONENTS}{body}{'/' if k < n else '(?![^/])'})"
    return out + "(?:/.*)?"


def _component(c: str) -> str:
    """One path component's glob: fixed pieces (literals, ``?``, classes: one character
    each) between ``*``. Each piece after a ``*`` is placed at its first fit, atomically."""
    pieces: list[list[str]] = [[]]
    i, n = 0, len(c)
    while i < n:
        ch = c[i]
        if ch == "*":
            while i < n and c[i] == "*":
                i += 1
            pieces.append([])
            continue
        if ch == "?":
            pieces[-1].append("[^/]")
            i += 1
        elif ch == "[" and (cls := _char_class(c, i)) is not None:
            atom, i = cls
            pieces[-1].append(atom)
        else:
            pieces[-1].append(re.escape(ch))
            i += 1
    fixed = ["".join(x) for x in pieces]
    if len(fixed) == 1:
        return fixed[0]
    out = fixed[0]
    for mid in fixed[1:-1]:
        if mid:
            out += f"(?>[^/]*?{mid})"
    last = fixed[-1]
    return out + (f"(?>[^/]*?{last}(?![^/]))" if last else "[^/]*+")


def _char_class(c: str, i: int) -> tuple[str, int] | None:
    """``[abc]``, ``[a-z]``, ``[!a]`` (or ``[^a]``) at ``c[i]``, and where it ends; None
    without a closing ``]`` (then ``[`` is a literal). A ``]`` first in the class is one of
    its characters."""
    k = i + 1
    negated = k < len(c) and c[k] in "!^"
    if negated:
        k += 1
    if k < len(c) and c[k] == "]":
        k += 1
    j = c.find("]", k)
    if j < 0:
        return None
    body = c[i + 1 + negated : j]
    body = "".join("\\" + ch if ch in "[]\\^&~|" else ch for ch in body)
    return (f"[^/{body}]" if negated else f"[{body}]"), j + 1
