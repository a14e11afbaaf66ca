"""Regular expressions the user wrote (``--rules`` files, the configuration's ``allowlist``),
run with a time limit.

Python's ``re`` backtracks: ``(a|aa)+$`` against 40 ``a`` and a ``!`` never finishes, and
neither does a scan that meets such a pattern. The built-in rules are ours, reviewed and on
the hot path, so they stay on ``re``; a pattern from a user's file runs on the ``regex``
package instead, which takes ``re``'s syntax (its version 0 is ``re``'s dialect) and a
``timeout=``. Measured against RE2 (``google-re2``), which cannot backtrack at all: RE2 imports
in 3 ms against ``regex``'s 15-20 ms, but its Python wrapper ran a user rule's ``finditer``
5.5x slower than ``re`` (49 ms against 9 ms on 8 MB; ``regex`` 8 ms), a ``fullmatch`` 14x
slower (11 us; ``regex`` 2-4 us), refuses lookarounds, backreferences and ``\\Z`` that the
README promises (``re`` syntax), and writes its parse errors to stderr itself. ``regex`` is
imported only when a user pattern is first used, so a commit without user patterns pays
nothing.

A pattern gets :data:`BASE_S` seconds plus :data:`PER_CHAR_S` per character of the text it
is run on, counted in the engine only (not in the detector's work between two matches of a
``finditer``). ``regex`` is slowest on a pattern that starts with a class and no literal
(every position starts an attempt): ``[A-Za-z0-9]{40}`` over mixed text ran at 0.7-1.1 us a
character here on a loaded two-core machine (``re`` 0.17, RE2 0.05), a literal prefix at
1-5 ns. 3 us leaves that a margin of three; a pattern that needs more, catastrophic
backtracking, stops the run (:class:`PatternTimeout`, exit 2, naming where the pattern was
written), after at most 4 s on a megabyte: a scan that did not finish looking must not pass
as clean.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from typing import Any, AnyStr, Generic, cast

from twscan.core.errors import TwscanError

BASE_S = 1.0
PER_CHAR_S = 3e-6


class PatternTimeout(TwscanError):
    """A user pattern ran out of time: named by where it was written, never by a value."""


def limit(n: int) -> float:
    """The engine time a user pattern may spend on ``n`` characters."""
    return BASE_S + max(n, 0) * PER_CHAR_S


class BoundedPattern(Generic[AnyStr]):
    """The part of ``re.Pattern`` the detector uses, on ``regex`` with a time limit.

    Validated with ``re`` when built (so an invalid pattern is the same error as before and
    the groups are known without importing ``regex``); compiled with ``regex`` on first use.
    """

    __slots__ = ("pattern", "where", "groups", "groupindex", "_compiled")

    def __init__(self, checked: re.Pattern[AnyStr], where: str) -> None:
        self.pattern: AnyStr = checked.pattern
        self.where = where
        self.groups = checked.groups
        self.groupindex = checked.groupindex
        self._compiled: Any = None

    def __repr__(self) -> str:
        return f"BoundedPattern({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BoundedPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (re.compile(self.pattern), self.where))

    def _engine(self) -> Any:
        if self._compiled is None:
            import regex

            self._compiled = regex.compile(self.pattern)  # flags are inline, as in the file
        return self._compiled

    def _timeout(self, spent: float) -> PatternTimeout:
        return PatternTimeout(
            f"{self.where}: the pattern ran longer than {spent:.1f} s on one text and was "
            "stopped (catastrophic backtracking?); simplify it"
        )

    def _call(self, name: str, string: AnyStr, pos: int, endpos: int) -> Any:
        end = min(endpos, len(string))
        budget = limit(end - pos)
        try:
            return getattr(self._engine(), name)(string, pos, end, timeout=budget)
        except TimeoutError:
            raise self._timeout(budget) from None

    def search(self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._call("search", string, pos, endpos)

    def match(self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._call("match", string, pos, endpos)

    def fullmatch(self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._call("fullmatch", string, pos, endpos)

    def finditer(self, string: AnyStr, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[Any]:
        """Successive searches sharing one budget for the whole text. ``regex``'s own
        ``finditer`` counts its timeout in wall time, which would charge the pattern with
        what the caller does between two matches. An empty match moves the next search one
        character on."""
        end = min(endpos, len(string))
        total = budget = limit(end - pos)
        search = self._engine().search
        clock = time.perf_counter
        while pos <= end:
            t0 = clock()
            try:
                m = search(string, pos, end, timeout=max(budget, 1e-3))
            except TimeoutError:
                raise self._timeout(total) from None
            budget -= clock() - t0
            if m is None:
                return
            yield m
            if budget <= 0:
                raise self._timeout(total)
            pos = m.end() if m.end() > m.start() else m.end() + 1


def _rebuild(checked: re.Pattern[Any], where: str) -> BoundedPattern[Any]:
    return BoundedPattern(checked, where)


def bounded(pattern: AnyStr, where: str) -> re.Pattern[AnyStr]:
    """``re.compile`` (its ``re.error`` is the caller's to word), then the bounded stand-in.

    Typed as ``re.Pattern``: the detector uses only what both provide (``search``,
    ``match``, ``fullmatch``, ``finditer`` with ``pos``/``endpos``; ``pattern``, ``groups``,
    ``groupindex``; on matches ``span``, ``start``, ``end``, ``group``), and the cast keeps
    the detector's code, typed for the built-in rules, as it is.
    """
    return cast("re.Pattern[AnyStr]", BoundedPattern(re.compile(pattern), where))
