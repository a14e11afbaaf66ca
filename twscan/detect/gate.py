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

A gate answers with the set of rule ids that may match and which keywords were seen; a rule
the gate rules out is not run on the decoded text.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from twscan.core.usercache import cache_root
from twscan.detect.rules import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import Any, Protocol
else:  # a plain base at run time: nothing checks a gate's type then
    Protocol = object


class GateResult:
    """What one pass over raw bytes saw; a rule the gate rules out is not run on the text.

    The gate never reports where keywords are (one callback per keyword occurrence cost more
    than the rest of the pass on code that says "twilio" on every line); it reports whether a
    value a contextual rule could take is there at all, because most blobs with keywords have
    none, and those cost nothing more.
    """

    __slots__ = ("rules", "keywords", "encoded", "loose", "escaped", "any")

    def __init__(
        self,
        rules: frozenset[str],
        keywords: frozenset[str],
        encoded: bool = False,
        loose: bool = False,
        escaped: bool = False,
    ):
        self.rules = rules  # ids of pattern rules that matched (always-run rules included)
        # The keywords of contextual rules that occur (lower-cased): only these need counting
        # in the text, and in Twilio's own code that is "twilio" alone rather than all 17.
        self.keywords = keywords
        self.encoded = encoded  # something may hide under base64 (see layers.b64_signatures)
        self.loose = loose  # a run of 32+ letters and digits: where a contextual value can be
        self.escaped = escaped  # a letter or digit written as %XX or \\u00XX (hidden by escaping)
        # Can anything be found? Keywords alone cannot: a contextual rule needs a value.
        self.any = bool(rules) or encoded or (bool(keywords) and (loose or escaped))

    def __repr__(self) -> str:
        return (
            f"GateResult(rules={sorted(self.rules)}, keywords={sorted(self.keywords)}, "
            f"encoded={self.encoded}, loose={self.loose}, escaped={self.escaped})"
        )


NOTHING = GateResult(frozenset(), frozenset())
_B64_MIN = 20
_B64_TABLE = bytes(
    1 if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "+/_-") else 0 for c in range(256)
)
# The value shape of every contextual rule (``[0-9a-f]{32}``, ``[A-Za-z0-9]{32}``) lies in a run
# of at least this many ASCII letters and digits.
VALUE_RUN = 32
_LOOSE = rb"[A-Za-z0-9]{%d}" % VALUE_RUN
# A letter or digit escaped: no encoder needs to write one so, a hand hiding a value does.
_ESCAPED = (
    rb"%(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa])",
    rb"\\u00(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa])",
)
_HEXDIGITS = frozenset(b"0123456789ABCDEFabcdef")


def value_runs(data: bytes) -> Iterator[tuple[int, int]]:
    """Where text holds a run of letters and digits a contextual rule could take whole.

    The engine takes a value only when nothing alphanumeric touches it, except an escape just
    before it (``\\n``, ``%22``, ``\\u0022``) that the layers decode; so in text (not binary
    data, where values touch their names) a candidate is a maximal run of exactly 32, or of 33,
    34 or 37 led by such an escape. Yields the spans of the values, escapes left out. A SID
    (``AC`` + 32 is a run of 34) is no candidate: most blobs that pass the gate hold only SIDs
    and keywords, and stop here.

    ``bytes.translate`` maps the text to in-run/out-of-run bytes and ``bytes.find`` looks for
    32 in-run bytes in a row, at memory speed (~1.3 GB/s here). Searching for the exact shape
    ``0 1{32} 0`` instead is 5x slower: ``find`` handles a needle of one repeated byte best.
    """
    n = VALUE_RUN
    cls = data.translate(_ALNUM_TABLE)
    find = cls.find
    pos = find(_RUN_NEEDLE)
    while pos >= 0:
        end = find(b"\x00", pos + n)
        end = len(cls) if end < 0 else end
        size = end - pos
        if size == n:
            yield pos, end
        elif (
            size in _ESCAPE_LEADS
            and data[pos - 1] in _ESCAPE_STARTS  # a SID (a run of 34) stops here
            and _escape_led(data, pos, size - n)
        ):
            yield end - n, end
        pos = find(_RUN_NEEDLE, end)


_RUN_NEEDLE = b"\x01" * VALUE_RUN
_ESCAPE_STARTS = frozenset(b"\\%")


_ESCAPE_LEADS = frozenset((VALUE_RUN + 1, VALUE_RUN + 2, VALUE_RUN + 5))


def _escape_led(data: bytes, pos: int, lead: int) -> bool:
    """The run's first ``lead`` characters finish an escape: ``\\n``, ``%22``, ``\\u0022``."""
    before = data[pos - 1 : pos]
    head = data[pos : pos + lead]
    if before == b"\\":
        return head in (b"n", b"r", b"t") or (lead == 5 and head[:1] == b"u" and _hex(head[1:]))
    return lead == 2 and before == b"%" and _hex(head)


def _hex(b: bytes) -> bool:
    return all(c in _HEXDIGITS for c in b)


_ALNUM_TABLE = bytes(
    1 if chr(c).isascii() and chr(c).isalnum() else 0 for c in range(256)
)


class Gate(Protocol):
    def check(self, data: bytes | memoryview) -> GateResult: ...

    def encoded_at(self, data: bytes) -> list[int] | None:
        """Where encoded signatures end, or None: unknown, decode every run."""
        ...


class ReGate:
    """Keywords are found in the lower-cased bytes with ``in`` (``re.I`` on bytes folds ASCII
    only, as ``bytes.lower`` does, and ran at ~5 MB/s: 1.2 ms of a hook's 6 KB file)."""

    def __init__(
        self,
        plain: Sequence[Rule],
        keywords: Sequence[str],
        signatures: Sequence[bytes] = (),
        decode: bool = False,
    ):
        self._signatures = decode or bool(signatures)
        self._plain = [(r.id, r.bpattern) for r in plain]
        self._kw = tuple((k.lower().encode(), k.lower()) for k in keywords)

    def check(self, data: bytes | memoryview) -> GateResult:
        if not isinstance(data, bytes):
            data = data.tobytes()
        hit = frozenset(rid for rid, p in self._plain if p is None or p.search(data))
        low = data.lower() if self._kw else b""
        kw = frozenset(k for b, k in self._kw if b in low)
        # Without Hyperscan, any long base64-alphabet run counts as possibly encoded: the slow
        # path is the thorough one.
        enc = self._signatures and _has_run(data, _B64_TABLE, _B64_MIN)
        if not (hit or kw or enc):
            return NOTHING
        loose = _has_run(data, _ALNUM_TABLE, VALUE_RUN)
        escaped = bool(_re_escaped().search(data))
        return GateResult(hit, kw, enc, loose, escaped)

    def encoded_at(self, data: bytes) -> list[int] | None:
        return None  # the thorough path: every base64 run is decoded


def _has_run(data: bytes, table: bytes, n: int) -> bool:
    return data.translate(table).find(b"\x01" * n) >= 0


@functools.cache
def _re_escaped() -> re.Pattern[bytes]:
    return re.compile(b"|".join(_ESCAPED))


_KEYWORD, _ENCODED, _LOOSE_HIT, _ESCAPED_HIT = "\0k", "\0encoded", "\0loose", "\0escaped"
# How often a Hyperscan gate looks at its keywords' rates, and when it splits the densest out.
_ADAPT_EVERY = 256
_SPLIT_ABOVE, _JOIN_BELOW = 0.6, 0.3


class HyperscanGate:
    """Every expression reports at most once per scan (``HS_FLAG_SINGLEMATCH``): the answer is
    a handful of flags, so a blob costs one pass and a few callbacks, however many keywords it
    holds; a second, short pass looks for a value-shaped run only where a rule or keyword
    matched."""

    def __init__(
        self, plain: Sequence[Rule], keywords: Sequence[str], signatures: Sequence[bytes] = ()
    ):
        import hyperscan

        exprs: list[bytes] = []
        flags: list[int] = []
        self._tags: list[str] = []  # expression index -> rule id or one of the flags above
        self._always: set[str] = set()
        single = hyperscan.HS_FLAG_SINGLEMATCH
        cached = _cache_load(hyperscan, plain, keywords, signatures)
        known = cached[1] if cached else {}

        def add(expr: bytes, tag: str, flag: int = single) -> None:
            exprs.append(expr)
            flags.append(flag)
            self._tags.append(tag)

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
            add(pattern, r.id)
        for k in keywords:
            add(re.escape(k.encode()), _KEYWORD + k.lower(), single | hyperscan.HS_FLAG_CASELESS)
        for sig in signatures:
            add(re.escape(sig), _ENCODED)
        if keywords:
            for e in _ESCAPED:
                add(e, _ESCAPED_HIT)
        # Rules and keywords are what make a value worth looking for (see _value_flags).
        self._value_need = frozenset(
            i for i, t in enumerate(self._tags) if t[0] != "\0" or t.startswith(_KEYWORD)
        )
        # The run of letters and digits gets a database of its own, scanned only where a rule
        # or keyword matched: in one database with the literals it halved the pass (2.5 GB/s
        # -> 1.2 GB/s), and most repositories' blobs name no keyword at all. Alone it stops at
        # its first match.
        self._loose_db: Any = None
        if keywords:
            self._loose_db = hyperscan.Database()
            self._loose_db.compile(
                expressions=[_LOOSE], ids=[len(self._tags)], elements=1, flags=[single]
            )
            self._tags.append(_LOOSE_HIT)
        self._signatures = list(signatures)
        self._seen: set[int] = set()
        self._results: dict[frozenset[int], GateResult] = {}
        self._on_match = _collector(self._seen)
        always = frozenset(self._always)
        self._nothing = GateResult(always, frozenset()) if always else NOTHING
        self._sig_db: Any = None
        self._db: Any = None
        if cached is not None:
            self._db = cached[0]
        elif exprs:
            db = hyperscan.Database()
            db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                       flags=flags)
            self._db = db
            _cache_store(hyperscan, plain, keywords, signatures, db, self._always)
        # A keyword in nearly every blob (Twilio's own code says "twilio" on every line) costs
        # the literal pass a confirmation at each occurrence, although it reports only once:
        # 17 % of the pass on twilio-python. Alone in a database of its own the scan stops at
        # its first occurrence. That costs a repository where it is rare a second pass
        # (~0.14 s/GB), so the split is made only once the keyword has been seen in most of
        # the blobs checked, and undone when it stops being so.
        self._hs, self._key = hyperscan, (plain, keywords, signatures)
        self._exprs, self._flags = exprs, flags
        self._hits = {i: 0 for i, t in enumerate(self._tags) if t.startswith(_KEYWORD)}
        self._checks = 0
        self._dense = -1
        self._split: tuple[Any, Any] | None = None  # (all but the dense keyword, it alone)

    def check(self, data: bytes | memoryview) -> GateResult:
        # One callback and one set for the gate's life: a history scan checks ~100,000 blobs.
        seen = self._seen
        seen.clear()
        if self._split is not None:
            self._split[0].scan(data, match_event_handler=self._on_match)
            self._split[1].scan(data, match_event_handler=self._on_match)
        elif self._db is not None:
            self._db.scan(data, match_event_handler=self._on_match)
        if self._hits:
            hits = self._hits
            for i in seen:
                if i in hits:
                    hits[i] += 1
            self._checks += 1
            if self._checks >= _ADAPT_EVERY:
                self._adapt()
        if self._loose_db is not None and (self._always or not seen.isdisjoint(self._value_need)):
            self._loose_db.scan(data, match_event_handler=self._on_match)
        if not seen:
            return self._nothing
        key = frozenset(seen)
        result = self._results.get(key)
        if result is None:  # a repository has a few dozen distinct answers: each made once
            if len(self._results) >= 4096:
                self._results.clear()
            result = self._results[key] = self._result(key)
        return result

    def _adapt(self) -> None:
        """Split the densest keyword out when it was in most blobs lately; undo when not."""
        n, hits = self._checks, self._hits
        if self._split is None:
            dense = max(hits, key=hits.__getitem__)
            if hits[dense] >= _SPLIT_ABOVE * n:
                self._split, self._dense = self._split_dbs(dense), dense
        elif hits[self._dense] < _JOIN_BELOW * n:
            self._split, self._dense = None, -1
        self._checks = 0
        for i in hits:
            hits[i] = 0

    def _split_dbs(self, dense: int) -> tuple[Any, Any]:
        hs, (plain, keywords, signatures) = self._hs, self._key
        variant = f"without:{self._tags[dense]}"
        cached = _cache_load(hs, plain, keywords, signatures, variant)
        if cached is not None:
            rest = cached[0]
        else:
            keep = [i for i in range(len(self._exprs)) if i != dense]
            rest = hs.Database()
            rest.compile(expressions=[self._exprs[i] for i in keep], ids=keep,
                         elements=len(keep), flags=[self._flags[i] for i in keep])
            _cache_store(hs, plain, keywords, signatures, rest, self._always, variant)
        alone = hs.Database()
        alone.compile(expressions=[self._exprs[dense]], ids=[dense], elements=1,
                      flags=[self._flags[dense]])
        return rest, alone

    def _result(self, seen: frozenset[int]) -> GateResult:
        tags = [self._tags[i] for i in seen]
        rules = frozenset(t for t in tags if t[0] != "\0").union(self._always)
        kw = frozenset(t[2:] for t in tags if t.startswith(_KEYWORD))
        enc = _ENCODED in tags
        if not (rules or kw or enc):
            return NOTHING
        return GateResult(rules, kw, enc, _LOOSE_HIT in tags, _ESCAPED_HIT in tags)

    def encoded_at(self, data: bytes) -> list[int] | None:
        """Sorted end offsets of the encoded signatures in ``data`` (for a blob the gate
        flagged ``encoded``), so only the base64 runs holding one are decoded: a lockfile has
        thousands of integrity hashes, and one of them matching a signature by chance must
        not cost decoding them all."""
        if not self._signatures:
            return None
        if self._sig_db is None:
            import hyperscan

            self._sig_db = _signature_db(hyperscan, self._signatures)
        ends: list[int] = []

        def on_match(_idx: int, _start: int, end: int, _fl: int, _ctx: object) -> None:
            ends.append(end)

        self._sig_db.scan(data, match_event_handler=on_match)
        ends.sort()
        return ends


def _collector(seen: set[int]) -> Callable[[int, int, int, int, object], None]:
    add = seen.add

    def on_match(idx: int, _start: int, _end: int, _fl: int, _ctx: object) -> None:
        add(idx)

    return on_match


def _signature_db(hyperscan: Any, signatures: Sequence[bytes]) -> Any:
    """The signatures alone, reporting every match; kept in the user cache like the gate."""
    import hashlib
    import tempfile

    h = hashlib.sha256(f"twscan-sigs:1:{getattr(hyperscan, '__version__', '?')}".encode())
    for sig in signatures:
        h.update(b"\0" + sig)
    path = cache_root() / f"sigs-{h.hexdigest()[:32]}.hsdb"
    try:
        db = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)
        return db
    except Exception:  # missing, stale, corrupt or from another build: compile instead
        pass
    db = hyperscan.Database()
    exprs = [re.escape(sig) for sig in signatures]
    db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sigs-")
        with os.fdopen(fd, "wb") as f:
            f.write(hyperscan.dumpb(db))
        os.replace(tmp, path)
    except Exception:  # a read-only home or full disk only costs the next run a compile
        pass
    return db





def _cache_path(
    hyperscan: Any,
    plain: Sequence[Rule],
    keywords: Sequence[str],
    signatures: Sequence[bytes],
    variant: str = "",
) -> Path:
    """Compiling the gate costs ~80 ms (it holds ~2,000 literals); loading it, well under 1 ms.

    The compiled database is kept in the user cache, keyed by everything that went into it.
    """
    import hashlib

    h = hashlib.sha256()
    h.update(f"twscan-gate:3:{getattr(hyperscan, '__version__', '?')}\0{variant}\0".encode())
    for r in plain:
        h.update(r.id.encode() + b"\0" + (r.bpattern.pattern if r.bpattern else b"") + b"\0")
    for k in keywords:
        h.update(b"k" + k.encode() + b"\0")
    for s in signatures:
        h.update(b"s" + s + b"\0")
    return cache_root() / f"gate-{h.hexdigest()[:32]}.hsdb"


def _cache_load(
    hyperscan: Any,
    plain: Sequence[Rule],
    keywords: Sequence[str],
    signatures: Sequence[bytes],
    variant: str = "",
) -> tuple[Any, dict[str, bool]] | None:
    import json

    try:
        raw = _cache_path(hyperscan, plain, keywords, signatures, variant).read_bytes()
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
    variant: str = "",
) -> None:
    import json
    import tempfile

    path = _cache_path(hyperscan, plain, keywords, signatures, variant)
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
    plain: Sequence[Rule],
    keywords: Sequence[str],
    fast: bool,
    signatures: Callable[[], Sequence[bytes]] | None = None,
) -> Gate:
    """``signatures`` (None: decoding is off) is called only for the Hyperscan gate: building
    them costs the hook ~1 ms, and the standard-library gate needs only to know decoding is on."""
    if fast and hyperscan_available():
        try:
            return HyperscanGate(plain, keywords, signatures() if signatures else ())
        except Exception:  # a broken native install must not stop a scan: fall back
            pass
    return ReGate(plain, keywords, decode=signatures is not None)
