"""The cheap first look at raw bytes: can any rule match here at all?

Most files hold nothing Twilio-like, so the whole cost of scanning them should be one fast pass.
Two implementations give the same answer:

- :class:`ReGate` (standard library): each literal-prefixed rule pattern is one ``re`` search
  (~2 GB/s here) and the keywords one case-insensitive search. No start-up cost, which is
  what a pre-commit hook on a small change needs.
- :class:`HyperscanGate`: every pattern and keyword in one Hyperscan pass (~3 GB/s here for the
  built-in rules, measured against ~70 MB/s for the same answer from ``re`` on source code full
  of "token"/"secret"). It costs ~15 ms to compile, so it is used for large scans only, and
  only where the optional ``hyperscan`` wheel is installed.

A gate answers with the set of rule ids that may match and whether any keyword was seen; a
rule the gate rules out is not run on the decoded text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from twscan.rules import Rule


@dataclass(frozen=True)
class GateResult:
    rules: frozenset[str]  # ids of pattern rules that matched (always-run rules included)
    keywords: bool  # a keyword of a contextual rule occurs
    # keyword -> byte offsets where it starts, when the gate found them on the way (Hyperscan);
    # for ASCII data these are the text offsets too, and save the engine its own search.
    hits: dict[str, list[int]] | None = None
    encoded: bool = False  # something may hide under base64 (see layers.b64_signatures)
    chars: bool = False  # hits already converted to character offsets of the decoded text

    @property
    def any(self) -> bool:
        return bool(self.rules) or self.keywords or self.encoded


NOTHING = GateResult(frozenset(), False)
# Without Hyperscan, any long base64-alphabet run counts as possibly encoded: the slow path is
# the thorough one.
_B64_ANY = re.compile(rb"[A-Za-z0-9+/_-]{20}")


class Gate(Protocol):
    def check(self, data: bytes) -> GateResult: ...


class ReGate:
    def __init__(
        self, plain: Sequence[Rule], keywords: Sequence[str], signatures: Sequence[bytes] = ()
    ):
        self._signatures = bool(signatures)
        self._plain = [(r.id, r.bpattern) for r in plain]
        self._kw = (
            re.compile(b"|".join(re.escape(k.encode()) for k in keywords), re.I)
            if keywords
            else None
        )

    def check(self, data: bytes) -> GateResult:
        hit = frozenset(rid for rid, p in self._plain if p is None or p.search(data))
        kw = bool(self._kw and self._kw.search(data))
        enc = self._signatures and bool(_B64_ANY.search(data))
        return GateResult(hit, kw, None, enc) if hit or kw or enc else NOTHING


class HyperscanGate:
    def __init__(
        self, plain: Sequence[Rule], keywords: Sequence[str], signatures: Sequence[bytes] = ()
    ):
        import hyperscan

        exprs: list[bytes] = []
        flags: list[int] = []
        self._ids: list[str | None] = []  # expression index -> rule id (None: keyword)
        self._kw: list[str] = []  # expression index -> keyword
        self._always: set[str] = set()
        single = hyperscan.HS_FLAG_SINGLEMATCH
        cached = _cache_load(hyperscan, plain, keywords, signatures)
        known = cached[1] if cached else {}
        for r in plain:
            pattern = r.bpattern.pattern if r.bpattern is not None else None
            if pattern is None:
                usable = False
            elif r.id in known:
                usable = known[r.id]
            else:
                usable = _hs_compiles(hyperscan, pattern)
            if pattern is None or not usable:
                self._always.add(r.id)
                continue
            exprs.append(pattern)
            flags.append(single)
            self._ids.append(r.id)
            self._kw.append("")
        for k in keywords:
            exprs.append(re.escape(k.encode()))
            flags.append(hyperscan.HS_FLAG_CASELESS)  # every occurrence: they place windows
            self._ids.append(None)
            self._kw.append(k)
        for sig in signatures:
            exprs.append(re.escape(sig))
            flags.append(single)
            self._ids.append(_ENCODED)
            self._kw.append("")
        self._db: Any = None
        if cached is not None:
            self._db = cached[0]
        elif exprs:
            db = hyperscan.Database()
            db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                       flags=flags)
            self._db = db
            _cache_store(hyperscan, plain, keywords, signatures, db, self._always)

    def check(self, data: bytes) -> GateResult:
        if self._db is None:
            return GateResult(frozenset(self._always), False) if self._always else NOTHING
        rules = set(self._always)
        hits: dict[str, list[int]] = {}
        encoded = False
        ids, kws = self._ids, self._kw

        def on_match(idx: int, _start: int, end: int, _fl: int, _ctx: object) -> None:
            nonlocal encoded
            rid = ids[idx]
            if rid is None:
                k = kws[idx]
                hits.setdefault(k, []).append(end - len(k))
            elif rid is _ENCODED:
                encoded = True
            else:
                rules.add(rid)

        self._db.scan(data, match_event_handler=on_match)
        if not rules and not hits and not encoded:
            return NOTHING
        return GateResult(frozenset(rules), bool(hits), hits, encoded)


_ENCODED = "\0encoded"


def _cache_path(
    hyperscan: Any, plain: Sequence[Rule], keywords: Sequence[str], signatures: Sequence[bytes]
) -> Path:
    """Compiling the gate costs ~80 ms (it holds ~2,000 literals); loading it, well under 1 ms.

    The compiled database is kept in the user cache, keyed by everything that went into it.
    """
    h = hashlib.sha256()
    h.update(f"twscan-gate:1:{getattr(hyperscan, '__version__', '?')}\0".encode())
    for r in plain:
        h.update(r.id.encode() + b"\0" + (r.bpattern.pattern if r.bpattern else b"") + b"\0")
    for k in keywords:
        h.update(b"k" + k.encode() + b"\0")
    for s in signatures:
        h.update(b"s" + s + b"\0")
    return cache_root() / f"gate-{h.hexdigest()[:32]}.hsdb"


def cache_root() -> Path:
    env = os.environ.get("TWSCAN_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "twscan"


def _cache_load(
    hyperscan: Any, plain: Sequence[Rule], keywords: Sequence[str], signatures: Sequence[bytes]
) -> tuple[Any, dict[str, bool]] | None:
    try:
        raw = _cache_path(hyperscan, plain, keywords, signatures).read_bytes()
        head, _, blob = raw.partition(b"\n")
        always = set(json.loads(head))
        db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)
    except Exception:  # missing, stale, corrupt or from another build: compile instead
        return None
    return db, {r.id: r.id not in always for r in plain}


def _cache_store(
    hyperscan: Any,
    plain: Sequence[Rule],
    keywords: Sequence[str],
    signatures: Sequence[bytes],
    db: Any,
    always: set[str],
) -> None:
    path = _cache_path(hyperscan, plain, keywords, signatures)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gate-")
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(sorted(always)).encode() + b"\n" + hyperscan.dumpb(db))
        os.replace(tmp, path)
    except Exception:  # a read-only home or full disk only costs the next run a compile
        pass


def _hs_compiles(hyperscan: Any, pattern: bytes) -> bool:
    try:
        db = hyperscan.Database()
        db.compile(expressions=[pattern], ids=[0], elements=1)
    except Exception:  # hyperscan.error: a Python-only construct (lookbehind, backreference)
        return False
    return True


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def make_gate(
    plain: Sequence[Rule], keywords: Sequence[str], fast: bool, signatures: Sequence[bytes] = ()
) -> Gate:
    if fast and hyperscan_available():
        try:
            return HyperscanGate(plain, keywords, signatures)
        except Exception:  # a broken native install must not stop a scan: fall back
            pass
    return ReGate(plain, keywords, signatures)
