"""The detection engine: rules in, findings out, for one text at a time.

Sources (files, git blobs, stdin) call :meth:`Detector.scan_bytes`; everything about where the
text came from stays with them. The engine's cost model: a cheap gate on the raw bytes decides
whether anything can match at all (most files: no), and only then is the text decoded and the
context rules — whose candidate patterns have no literal prefix and are slow — run, on the whole
of a small text or on windows around keyword hits in a large one.
"""

from __future__ import annotations

import bisect
import gc
import re
from collections.abc import Iterable, Iterator, Sequence

from twscan.core.model import Finding, Half
from twscan.detect import codec
from twscan.detect.checks import Checked, run_check
from twscan.detect.codec.text import decode, decode_as, is_binary, sniff_wide
from twscan.detect.context import Judge, Verdict
from twscan.detect.gate import VALUE_RUN, Gate, GateResult, make_gate, value_runs
from twscan.detect.placeholders import is_placeholder
from twscan.detect.rules import PairRule, Rule, RuleSet, RulesSource, load_ruleset
from twscan.triage.ignores import MARKER as IGNORE_MARKER
from twscan.triage.ignores import inline_ignored

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from twscan.detect.codec import layers

# The decoders (layers: base64, binascii, bisect and their tables) are imported where they are
# used: with the first text that may hide something under an encoding, which a commit of
# ordinary code never has.


# Characters around a hit where a contextual value may sit. A value follows its key on the same
# line or a sibling line (``{"key": …, "value": …}``), so a credential word reaches a few lines;
# a vendor word may head a whole section (``[twilio]``); an id reaches its construct; a column
# header (CSV, SQL ``VALUES``) reaches every row below it.
_KEYWORD_BEFORE = 400
_KEYWORD_AFTER = 600
_VENDOR_AFTER = 6000
_ANCHOR_BEFORE = 600
_ANCHOR_AFTER = 800
_TABLE_AFTER = 1 << 22
_DENSE = 1000  # more than one hit per this many characters: the whole text is the window
_B64_EDGE = "+/-"
_B64_EDGE_BYTES = (b"+", b"/", b"-")
_HEX = frozenset("0123456789ABCDEFabcdef")
_PAIR_KIND = "credential-pair"
_GC_PAUSE_BYTES = 1 << 20
_PATTERN = Verdict(True, 3, "pattern")  # frozen: one for every id a file holds


class _Raw:
    """A match that passed its rule, before it becomes a Finding (not a dataclass: importing
    ``dataclasses`` costs the commit hook ~10 ms)."""

    __slots__ = ("rule", "start", "end", "secret", "verdict", "checked")

    def __init__(
        self,
        rule: Rule,
        start: int,
        end: int,
        secret: str,
        verdict: Verdict,
        checked: Checked | None = None,
    ):
        self.rule = rule
        self.start = start
        self.end = end
        self.secret = secret
        self.verdict = verdict
        self.checked = checked


class Detector:
    def __init__(
        self, ruleset: RuleSet, fast_gate: bool = False, max_decode_depth: int = codec.MAX_DEPTH
    ):
        self.ruleset = ruleset
        self.max_decode_depth = max_decode_depth
        self.rules = ruleset.rules
        self.plain = [r for r in self.rules if r.context is None]
        self.contextual = [r for r in self.rules if r.context is not None]
        self.pairs: list[PairRule] = ruleset.pairs
        self.anchor_kinds = {r.context.anchor_kind for r in self.contextual if r.context}
        self.keywords = sorted({k for r in self.contextual for k in r.keywords})
        self._gate: Gate | None = None
        self._plausible_seen: dict[tuple[str, str], bool] = {}
        # The gate's value test holds when every contextual value is one run of letters and
        # digits of the gate's length; a rules file with other shapes turns it off.
        self._values_gated = all(_value_shaped(r) for r in self.contextual)
        self.rule_paths: tuple[RulesSource, ...] = ()
        self.fast_gate = fast_gate

    @property
    def gate(self) -> Gate:
        """Built on first use: a process that only hands files to workers never builds one."""
        if self._gate is None:
            signatures = self._signatures if self.max_decode_depth > 0 else None
            self._gate = make_gate(self.plain, self.keywords, self.fast_gate, signatures)
        return self._gate

    def _signatures(self) -> list[bytes]:
        """What base64 of a Twilio word or id looks like (see layers.b64_signatures)."""
        from twscan.detect.codec import layers

        words = layers.SIGNATURE_WORDS + layers.sid_signature_words()
        sigs = layers.b64_signatures(words)
        if self.max_decode_depth > 1:  # base64 of base64: the signatures of the signatures
            first = layers.b64_signatures(layers.SIGNATURE_WORDS)
            sigs |= layers.b64_signatures([s.decode() for s in first])
        return sorted(sigs)

    @classmethod
    def load(
        cls,
        extra_rules: Sequence[RulesSource] = (),
        builtin: bool = True,
        fast_gate: bool = False,
        max_decode_depth: int = codec.MAX_DEPTH,
    ) -> Detector:
        """``fast_gate`` builds the Hyperscan gate (~15 ms): for scans of many megabytes.

        ``max_decode_depth`` bounds nested decoding (0 turns decoding layers off).
        """
        rs = load_ruleset(tuple(extra_rules), builtin=builtin)
        det = cls(rs, fast_gate=fast_gate, max_decode_depth=max_decode_depth)
        det.rule_paths = tuple(extra_rules)
        return det

    def prefilter(self, data: bytes) -> bool:
        """False means no rule can match these bytes (as UTF-8, Latin-1 or binary)."""
        return self.gate.check(data).any

    # -- scanning ----------------------------------------------------------------------------
    def scan_bytes(self, data: bytes | memoryview, path: str) -> list[Finding]:
        with _GcPause(len(data)):
            return self._scan_bytes(data, path)

    def scan_window(self, text: str, path: str, encoding: str, parts: Parts) -> None:
        """One window of a large file (see :mod:`twscan.sources.chunked`), decoded by the caller
        as the whole file is (``encoding`` as :func:`twscan.detect.codec.text.decode` names
        it): its findings go to ``parts``, ids and secrets unpaired, so that pairs are made
        once over the whole file."""
        with _GcPause(len(text)):
            if encoding.startswith(("utf-16", "utf-32")):
                self.scan_text(text, path, encoding=encoding, parts=parts)  # as scan_bytes: no gate
                return
            data = text.encode("latin-1" if encoding == "binary" else "utf-8")
            self._scan_bytes(data, path, encoding, parts)

    def _scan_bytes(
        self,
        data: bytes | memoryview,
        path: str,
        decoding: str | None = None,
        parts: Parts | None = None,
    ) -> list[Finding]:
        """``decoding`` (a window's: "binary", "utf-8-sig" or "utf-8") replaces the sniffing."""
        gate: GateResult | None = None
        if decoding is not None or sniff_wide(data) is None:
            gate = self.gate.check(data)
            if not gate.any:
                return []
        if not isinstance(data, bytes):
            data = data.tobytes()  # a view into a reader's buffer, worth a closer look
        values = text_values = True
        if gate is not None:
            binary = is_binary(data) if decoding is None else decoding == "binary"
            values, text_values = self._value_flags(gate, data, binary)
            layered = bool(gate.keywords) and (gate.escaped or text_values)
            if not (gate.rules or gate.encoded or values or layered):
                return []  # keywords, no value: decoding the text would find nothing
        d = decode(data) if decoding is None else decode_as(data, decoding)
        enc = d.encoding if d.encoding != "utf-8" else None
        b64_near = None
        if gate is not None and gate.encoded and (d.encoding == "binary" or d.text.isascii()):
            b64_near = self.gate.encoded_at(data)  # byte offsets are character offsets here
        return self.scan_text(
            d.text,
            path,
            encoding=enc,
            gate=gate,
            values=values,
            text_values=text_values,
            b64_near=b64_near,
            parts=parts,
        )

    def _value_flags(self, gate: GateResult, data: bytes, binary: bool) -> tuple[bool, bool]:
        """Whether a contextual rule may find a value in these bytes, and whether one stands
        apart as it would in text (the gate's ``loose`` run, then :meth:`_holds_value`)."""
        if not self._values_gated:
            return True, True
        if not (gate.keywords or gate.rules):
            return False, False  # a value counts only near a keyword or an id
        text_values = gate.loose and self._holds_value(data)
        # Binary data glues values to their names: any long run may hold one there.
        return (gate.loose if binary else text_values), text_values

    def scan_text(
        self,
        text: str,
        path: str,
        encoding: str | None = None,
        gate: GateResult | None = None,
        depth: int = 0,
        values: bool = True,
        text_values: bool = True,
        b64_near: list[int] | None = None,
        parts: Parts | None = None,
    ) -> list[Finding]:
        """``gate``, when the caller already has one for these bytes, skips ruled-out rules;
        ``values`` False says no contextual rule can find a value here, ``text_values`` False
        that none stands apart as in text (see :meth:`_holds_value`); ``b64_near`` where the
        gate saw encoded signatures; ``depth`` counts the decoding layers this text already
        sits under; ``parts``, when given, receives the findings of the text (the plain ones
        unpaired) and what is returned is not meant for use."""
        low: list[str] = []  # the lower-cased text, made once if needed (see _lowered)
        findings = self._scan_plain(text, path, encoding, gate, values, low, parts is None)
        if parts is not None:
            parts.halves.extend(findings)
        if depth < self.max_decode_depth:
            # URL and JSON escapes change a text only where they hide a letter or digit or sit
            # next to a value; base64 only where the gate saw an encoded signature.
            plain = gate is None or (
                bool(gate.rules or gate.keywords) and (gate.escaped or text_values)
            )
            b64 = gate is None or gate.encoded
            keys: list[int] | None = None
            if b64 and b64_near is not None and gate is not None and gate.keywords:
                hits = _keyword_hits(_lowered(text, low), self.keywords)
                keys = sorted(o for offsets in hits.values() for o in offsets)
            found: list[layers.Layer] = []
            if plain or b64:
                from twscan.detect.codec import layers

                found = layers.find_layers(text, plain, b64, b64_near, keys)
            if found:
                if parts is not None:  # the decoded layers are merged with the pairs, as below
                    findings = pair_and_dedupe(self.pairs, [_clone(f) for f in findings])
                findings = self._merge_decoded(text, path, encoding, depth, found, findings, parts)
        return findings

    def _scan_plain(
        self,
        text: str,
        path: str,
        encoding: str | None,
        gate: GateResult | None,
        values: bool,
        low: list[str],
        pair: bool = True,
    ) -> list[Finding]:
        binary = encoding == "binary"
        ids: dict[str, list[tuple[int, int]]] = {}
        raws: list[_Raw] = []
        for rule in self.plain:
            if gate is not None and rule.id not in gate.rules:
                continue
            for m in rule.pattern.finditer(text):
                s, e = m.span(rule.secret_group)
                if s < 0 or (rule.boundary and not _bounded(text, s, e, rule, binary)):
                    continue
                ids.setdefault(rule.kind, []).append((s, e))
                secret = m.group(rule.secret_group)
                if not self._plausible(rule, secret):
                    continue  # test fixtures repeat the same placeholder SID thousands of times
                verdict = _PATTERN
                if rule.check:
                    checked = run_check(rule.check, secret)
                    if checked is None:
                        continue
                    verdict = Verdict(True, 3, "check", checked.detail)
                    raws.append(_Raw(rule, s, e, secret, verdict, checked))
                    continue
                raws.append(_Raw(rule, s, e, secret, verdict))
        if self.contextual and values:
            for v in ids.values():
                v.sort()
            candidates = self._values(text, ids, binary, low)
            if candidates:
                # The gate saw these very bytes; where a character is a byte and lower-casing
                # makes no ASCII letter of another, its keywords are the text's.
                present = gate.keywords if gate is not None and (binary or text.isascii()) else None
                raws.extend(self._contextual(text, ids, candidates, binary, low, present))
        if not raws:
            return []
        judge_lines = Judge(text, self.ruleset.vocabulary, ids)
        return self._findings(raws, judge_lines, path, encoding, pair)

    def _merge_decoded(
        self,
        text: str,
        path: str,
        encoding: str | None,
        depth: int,
        found: list[layers.Layer],
        findings: list[Finding],
        parts: Parts | None = None,
    ) -> list[Finding]:
        """Scan the text with decoded spans in place; keep what only decoding revealed (also
        in ``parts``, when given)."""
        from twscan.detect.codec import layers

        spliced = layers.Spliced(text, found)
        # The spliced copy passes the same gate as a file would: a megabyte of text with one
        # decoded string is not searched whole for base64 again.
        data = spliced.text.encode("utf-8", "replace")
        gate = self.gate.check(data)
        if not gate.any:
            return findings
        values, text_values = self._value_flags(gate, data, encoding == "binary")
        inner = self.scan_text(
            spliced.text, path, encoding, gate, depth + 1, values=values, text_values=text_values
        )
        if not inner:
            return findings
        lines = Judge(text, self.ruleset.vocabulary, {})
        known = {(f.rule, f.secret, f.pair.secret if f.pair else "") for f in findings}
        added: list[Finding] = []
        for f in inner:
            off, layer = spliced.locate(f.offset)
            pair_layer = None
            if f.pair is not None:
                f.pair.offset, pair_layer = spliced.locate(f.pair.offset)
                f.pair.line, f.pair.column = _line_col(lines, f.pair.offset)
            if layer is None and pair_layer is None:
                continue  # plain text: the first pass has it
            if (f.rule, f.secret, f.pair.secret if f.pair else "") in known:
                continue
            via = (layer or pair_layer)
            assert via is not None
            f.encoding = via.kind if f.encoding == encoding else f"{via.kind}>{f.encoding}"
            f.offset = off
            f.line, f.column = _line_col(lines, off)
            end = via.end if layer is not None else off + len(f.secret)
            f.end_line, f.end_column = _line_col(lines, end)
            added.append(f)
        if not added:
            return findings
        if parts is not None:
            parts.layered.extend(added)
        return sorted(drop_covered_halves(findings + added), key=lambda f: f.offset)

    def _holds_value(self, data: bytes) -> bool:
        """Whether the raw text has a run that a contextual rule would take as a value by
        itself (its pattern, mixed case, no placeholder), context aside."""
        for s, e in value_runs(data):
            if data[s - 1 : s] in _B64_EDGE_BYTES or data[e : e + 1] in _B64_EDGE_BYTES:
                continue  # a piece of base64 or a dashed name: _bounded refuses it too
            value = data[s:e].decode("ascii")
            for rule in self.contextual:
                if rule.pattern.fullmatch(value) and self._plausible(rule, value):
                    return True
        return False

    def _plausible(self, rule: Rule, value: str) -> bool:
        """A value that passes the rule's own tests (mixed case, no placeholder).

        Remembered: a repository's history holds the same class names and fixture values in
        every version of a file, and these tests are the most frequent work left after the
        gate.
        """
        key = (rule.id, value)
        ok = self._plausible_seen.get(key)
        if ok is None:
            ok = not (
                (rule.mixed_case and not _mixed(value))
                or (rule.placeholder_check and is_placeholder(value))
            )
            if len(self._plausible_seen) >= _PLAUSIBLE_MEMORY:
                self._plausible_seen.clear()
            self._plausible_seen[key] = ok
        return ok

    def _values(
        self,
        text: str,
        ids: dict[str, list[tuple[int, int]]],
        binary: bool,
        low: list[str],
    ) -> dict[str, list[tuple[int, int]]]:
        """Per contextual rule, the spans that could be its value, judged by themselves.

        What a value is by itself (bounded, mixed case, no placeholder) is cheap to test over
        the whole text and rules out most texts (a 32-letter class name, a fixture's
        ``aaaa…``) before any keyword is looked for or any context judged.
        """
        class_runs = _ClassRuns(text)
        values: dict[str, list[tuple[int, int]]] = {}
        in_ids = _IdCover(ids) if binary else None
        for rule in self.contextual:
            runs = class_runs.get(rule, text)
            if binary and runs is not None and self._values_gated:
                # Inside a run of letters and digits a value can only start where a name
                # ending in a credential word ends (see _bounded_binary): try those starts
                # and each run's first, not every position of every long run.
                matches: Iterable[re.Match[str] | None] = (
                    rule.pattern.match(text, st, hi) for st, hi in _run_starts(text, runs)
                )
            elif not binary:
                # Text, the common case: one finditer per run, no generators in between (a CSV
                # export has a hundred thousand runs).
                spans = [(0, len(text))] if runs is None else runs
                finditer = rule.pattern.finditer
                group = rule.secret_group
                plausible = self._plausible
                out = values.setdefault(rule.id, [])
                for lo, hi in spans:
                    for hit in finditer(text, lo, hi):
                        s, e = hit.span(group)
                        if s < 0 or (rule.boundary and not _bounded(text, s, e, rule)):
                            continue
                        if plausible(rule, hit.group(group)):
                            out.append((s, e))
                if not out:
                    del values[rule.id]
                continue
            else:
                matches = (
                    m
                    for lo, hi in _within_runs([(0, len(text))], runs)
                    for m in _candidates(rule, text, lo, hi, binary)
                )
            for m in matches:
                if m is None:
                    continue
                s, e = m.span(rule.secret_group)
                if s < 0 or (rule.boundary and not _bounded(text, s, e, rule, binary)):
                    continue
                if in_ids is not None and s in in_ids:
                    continue  # the hex body of a SID glued to its name
                if self._plausible(rule, m.group(rule.secret_group)):
                    values.setdefault(rule.id, []).append((s, e))
        return values

    def _contextual(
        self,
        text: str,
        ids: dict[str, list[tuple[int, int]]],
        values: dict[str, list[tuple[int, int]]],
        binary: bool,
        lowered: list[str],
        present: frozenset[str] | None = None,
    ) -> list[_Raw]:
        """The values that their context makes credentials; ``present``, when known, the
        keywords that occur (the others are not counted)."""
        anchors = [s for k in self.anchor_kinds if k for s, _ in ids.get(k, ())]
        low = _lowered(text, lowered)
        # Counting is one C call per keyword; offsets are only needed where hits are sparse.
        keywords = self.keywords if present is None else sorted(present)
        counts = {k: n for k in keywords if (n := low.count(k))}
        if not anchors and not counts:
            return []
        hits_by_kw: dict[str, list[int]] | None = None
        judge = Judge(text, self.ruleset.vocabulary, ids, binary=binary)
        best: dict[tuple[int, int], _Raw] = {}
        tables = _Tables(text)
        for rule in self.contextual:
            found = values.get(rule.id)
            if not found:
                continue
            anchor_kind = rule.context.anchor_kind if rule.context else None
            has_anchor = bool(ids.get(anchor_kind or ""))
            if rule.keywords and not has_anchor and not any(k in counts for k in rule.keywords):
                continue
            n_hits = len(anchors) + sum(counts.get(k, 0) for k in rule.keywords)
            if n_hits * _DENSE > len(text):
                # Hits everywhere (Twilio's own code says "twilio" on every line): windows
                # would cover the text anyway, and merging thousands of them costs more.
                spans = [(0, len(text))]
            else:
                if hits_by_kw is None:
                    hits_by_kw = _keyword_hits(low, list(counts))
                spans = self._spans(text, rule, anchors, hits_by_kw, tables)
            for s, e in _inside_spans(found, spans):
                # Most candidates (hashes, ids) fail on context.
                verdict = judge.judge(rule, s, e)
                if not verdict.accept:
                    continue
                prev = best.get((s, e))
                if prev is None or verdict.score > prev.verdict.score:
                    best[(s, e)] = _Raw(rule, s, e, text[s:e], verdict)
        return list(best.values())

    def _spans(
        self,
        text: str,
        rule: Rule,
        anchors: list[int],
        hits_by_kw: dict[str, list[int]],
        tables: _Tables,
    ) -> list[tuple[int, int]]:
        """Windows where a value of this rule may sit: around ids and the rule's keywords."""
        vendor = self.ruleset.vocabulary.vendor
        reach = [(a - _ANCHOR_BEFORE, a + _ANCHOR_AFTER) for a in anchors]
        for k in rule.keywords:
            after = _VENDOR_AFTER if any(v in k for v in vendor) else _KEYWORD_AFTER
            for h in hits_by_kw.get(k, ()):
                reach.append((h - _KEYWORD_BEFORE, h + tables.reach(text, h, after)))
        return _windows(len(text), reach)

    def _findings(
        self, raws: list[_Raw], judge: Judge, path: str, encoding: str | None, pair: bool = True
    ) -> list[Finding]:
        """``pair`` False: every place apart, ids and secrets unpaired (a secret's anchor, the
        offset of the id of its construct, in ``extra["_anchor"]``)."""
        findings: list[Finding] = []
        ignores = IGNORE_MARKER in judge.text  # one search, not one per finding's line
        for r in sorted(raws, key=lambda r: r.start):
            line, col = _line_col(judge, r.start)
            eline, ecol = _line_col(judge, r.end)
            findings.append(
                Finding(
                    rule=r.rule.id,
                    kind=r.rule.kind,
                    severity=r.rule.severity,
                    title=r.rule.title,
                    file=path,
                    line=line,
                    column=col,
                    end_line=eline,
                    end_column=ecol,
                    secret=r.secret,
                    reason=r.verdict.reason,
                    offset=r.start,
                    encoding=encoding,
                    extra={"reason_detail": r.verdict.detail} if r.verdict.detail else {},
                )
            )
            if r.checked is not None:
                findings[-1].extra.update(r.checked.extra)
                if r.checked.severity is not None:
                    findings[-1].severity = r.checked.severity
            if r.verdict.anchor is not None:
                findings[-1].extra["_anchor"] = r.verdict.anchor
            if ignores and inline_ignored(judge, line - 1):
                findings[-1].extra["ignored"] = "inline"
        return pair_and_dedupe(self.pairs, findings) if pair else findings


class Parts:
    """What a window of a large file holds: the plain findings, each place apart and ids
    unpaired (``halves``), and what only decoding revealed, paired (``layered``)."""

    __slots__ = ("halves", "layered")

    def __init__(self) -> None:
        self.halves: list[Finding] = []
        self.layered: list[Finding] = []


class _GcPause:
    """No garbage collection while a large text is scanned.

    A text can hold a hundred thousand credentials: the objects made for them (none in a
    reference cycle) would set off a collection every few hundred, each looking again at every
    object still alive.
    """

    __slots__ = ("_paused",)

    def __init__(self, size: int):
        self._paused = size >= _GC_PAUSE_BYTES and gc.isenabled()

    def __enter__(self) -> None:
        if self._paused:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._paused:
            gc.enable()


def _clone(f: Finding) -> Finding:
    return f.replace(extra=dict(f.extra))


def pair_and_dedupe(pairs: Sequence[PairRule], findings: list[Finding]) -> list[Finding]:
    """The findings of a text as reported: pairs made (findings sorted by offset), then one
    finding per value (see :func:`dedupe`)."""
    return dedupe(pair_findings(pairs, findings))


def pair_findings(pairs: Sequence[PairRule], findings: list[Finding]) -> list[Finding]:
    """Join each token or secret to its id: the SID of its construct (its anchor) when there is
    one, else the nearest, the one before it on a tie (``SID=…`` then ``TOKEN=…``).

    Near-linear: a CSV export holds tens of thousands of pairs, and looking through every id
    for every secret made such a file take minutes. Ids are indexed once per kind, anchors
    by offset and the nearest by bisection over sorted offsets.
    """
    if not pairs:
        return findings
    out: list[Finding] = []
    consumed_ids: set[tuple[str, str]] = set()
    by_kind: dict[str, list[Finding]] = {}
    for f in findings:
        by_kind.setdefault(f.kind, []).append(f)
    indexes: dict[str, _IdIndex] = {}
    paired: set[int] = set()
    for pr in pairs:
        idf = by_kind.get(pr.id_kind, [])
        if not idf:
            continue
        index = indexes.get(pr.id_kind)
        if index is None:
            index = indexes[pr.id_kind] = _IdIndex(idf)
        for f in by_kind.get(pr.secret_kind, []):
            anchor = f.extra.get("_anchor")
            partner = index.at(anchor) if isinstance(anchor, int) else None
            if partner is None:
                partner = index.nearest(f.offset)
            paired.add(id(f))
            consumed_ids.add((partner.rule, partner.secret))
            out.append(_pair_finding(pr, f, partner))
    for f in findings:
        if id(f) in paired or (f.rule, f.secret) in consumed_ids:
            continue
        out.append(f)
    for f in out:
        f.extra.pop("_anchor", None)
    out.sort(key=lambda f: f.offset)
    return out


class _IdIndex:
    """The ids of one kind by offset. Where several ids share an offset, the first in the
    findings' order stands for it, as a scan of the list in order would pick it."""

    __slots__ = ("_first", "_offsets", "_ids")

    def __init__(self, ids: list[Finding]):
        self._first: dict[int, Finding] = {}
        for i in ids:
            self._first.setdefault(i.offset, i)
        self._offsets = sorted(self._first)
        self._ids = [self._first[o] for o in self._offsets]

    def at(self, offset: int) -> Finding | None:
        return self._first.get(offset)

    def nearest(self, offset: int) -> Finding:
        """The id closest to ``offset``, the one before it on a tie."""
        offs = self._offsets
        j = bisect.bisect_left(offs, offset)
        if j < len(offs) and (offs[j] == offset or j == 0):
            return self._ids[j]
        if j == len(offs) or offset - offs[j - 1] <= offs[j] - offset:
            return self._ids[j - 1]
        return self._ids[j]


def _pair_finding(pr: PairRule, secret: Finding, ident: Finding) -> Finding:
    return Finding(
        rule=pr.id,
        kind=_PAIR_KIND,
        severity=pr.severity,
        title=pr.title,
        file=secret.file,
        line=secret.line,
        column=secret.column,
        end_line=secret.end_line,
        end_column=secret.end_column,
        secret=secret.secret,
        reason=secret.reason,
        offset=secret.offset,
        encoding=secret.encoding,
        pair=Half(
            rule=ident.rule,
            kind=ident.kind,
            secret=ident.secret,
            line=ident.line,
            column=ident.column,
            offset=ident.offset,
        ),
        extra={**secret.extra, "secret_kind": secret.kind},
    )


def drop_covered_halves(findings: list[Finding]) -> list[Finding]:
    """Leave out lone ids that a pair finding already names (its other half).

    A pair locates both halves; the same SID reported again on its own would count one
    credential twice. Needed wherever findings of separate passes meet: decoded layers over
    plain text, and overlapping windows of a large file.
    """
    halves = {(f.pair.rule, f.pair.secret) for f in findings if f.pair is not None}
    return [f for f in findings if (f.rule, f.secret) not in halves]


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per value and rule in a text; the first place, with a count of the others.

    An ignored place and a reported place of the same value stay apart, so an inline ignore
    on one line never hides the same secret elsewhere in the file. Findings that already
    carry a count (from an earlier window) add it.
    """
    seen: dict[tuple[str, str, str, bool], Finding] = {}
    out: list[Finding] = []
    for f in findings:
        key = (f.rule, f.secret, f.pair.secret if f.pair else "", "ignored" in f.extra)
        first = seen.get(key)
        if first is None:
            seen[key] = f
            out.append(f)
        else:
            count = int(str(first.extra.get("occurrences", 1)))
            first.extra["occurrences"] = count + int(str(f.extra.get("occurrences", 1)))
    return out


def _keyword_hits(low: str, keywords: Sequence[str]) -> dict[str, list[int]]:
    """Offsets of each keyword in the lower-cased text (``str.find``: C speed, no regex)."""
    hits: dict[str, list[int]] = {}
    for k in keywords:
        i = low.find(k)
        while i >= 0:
            hits.setdefault(k, []).append(i)
            i = low.find(k, i + 1)
    return hits


class _Tables:
    """Lines that head a table: a CSV header (the first line) or a SQL ``(…) VALUES`` list.

    Found once per text, so that each of thousands of keyword hits costs a comparison.
    """

    def __init__(self, text: str):
        nl = text.find("\n", 0, 4096)
        self.first_line_end = nl if nl >= 0 else -1
        self.sql = bool(_SQL_VALUES.search(text))

    def reach(self, text: str, hit: int, default: int) -> int:
        if hit < self.first_line_end or self.sql:
            return _table_reach(text, hit, default)
        return default


_SQL_VALUES = re.compile(r"(?i)\)\s*values\b")


def _table_reach(text: str, hit: int, default: int) -> int:
    """A keyword in a CSV header (first line) or a SQL column list reaches the rows below."""
    line_start = text.rfind("\n", max(0, hit - 4096), hit) + 1
    line_end = text.find("\n", hit, hit + 4096)
    if line_end < 0 or (line_start == 0 and hit > 4096):
        return default  # a minified one-liner is no table
    line = text[line_start:line_end]
    if line_start == 0 and line.count(",") >= 2:
        return _TABLE_AFTER
    if "values" in line.lower() and "(" in line:
        return _TABLE_AFTER
    return default


def _windows(n: int, reach: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for a, b in sorted(reach):
        lo, hi = max(0, a), min(n, b)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def _line_col(judge: Judge, offset: int) -> tuple[int, int]:
    idx = judge.line_index(offset)
    return idx + 1, offset - judge.line_starts()[idx] + 1


def _is_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _bounded(text: str, s: int, e: int, rule: Rule, binary: bool = False) -> bool:
    """The match is a whole value: no letter or digit glued on either side.

    Escapes (``\\n`` in JSON strings) and percent-encoding (``%22``) end in a letter or digit but
    do separate values, so they count as a boundary.
    """
    if binary:
        return _bounded_binary(text, s, e, rule)
    # One-character slices ('' at either end of the text), no helper calls: every id and
    # candidate of a file comes through here.
    after = text[e : e + 1]
    if after.isalnum() and after.isascii():
        return False
    before = text[s - 1 : s] if s > 0 else ""
    if before.isalnum() and before.isascii():
        escape = s >= 2 and text[s - 2] == "\\" and before in "nrt"
        percent = s >= 3 and text[s - 3] == "%" and all(c in _HEX for c in text[s - 2 : s])
        ok = escape or percent
        if not ok:
            return False
    if rule.context is None:
        return True
    # A run inside base64, or glued by a dash (``key-…``, ``…-us14``), is part of a larger
    # value, not a token of its own.
    return not ((before and before in _B64_EDGE) or (after and after in _B64_EDGE))


_CLASS_RUN = re.compile(r"\[([0-9A-Za-z-]+)\]\{(\d+)\}")


class _ClassRuns:
    """Where a pattern made of one character class (``[0-9a-f]{32}``) can match at all.

    ``re`` searches such a pattern at ~50 MB/s (every position starts an attempt); mapping the
    text's bytes to in-class/out-of-class with ``bytes.translate`` and finding 32 in-class
    bytes in a row with ``bytes.find`` runs at memory speed, so the regex then runs only on
    the runs. Used for ASCII and byte-for-byte (binary) texts, where a byte is a character.
    """

    def __init__(self, text: str):
        self._text = text
        self._raw: bytes | None | bool = False
        self._cache: dict[str, list[tuple[int, int]] | None] = {}

    def _bytes(self) -> bytes | None:
        if self._raw is False:
            t = self._text
            if t.isascii():
                self._raw = t.encode("ascii")
            else:
                # One byte per character either way ('?' for what ASCII lacks): the classes
                # are ASCII, so the runs are where they were in the text.
                try:
                    self._raw = t.encode("latin-1")
                except UnicodeEncodeError:
                    self._raw = t.encode("ascii", "replace")
        return self._raw if isinstance(self._raw, bytes) else None

    def get(self, rule: Rule, text: str) -> list[tuple[int, int]] | None:
        """Sorted runs long enough for the rule's pattern; None: no shortcut for this rule."""
        m = _CLASS_RUN.fullmatch(rule.pattern.pattern)
        if m is None or rule.secret_group not in (0,):
            return None
        key = m.group(0)
        if key not in self._cache:
            from twscan.detect.codec import layers

            raw = self._bytes()
            n = int(m.group(2))
            self._cache[key] = None if raw is None else layers.char_runs(raw, m.group(1), n)
        return self._cache[key]


def _value_shaped(rule: Rule) -> bool:
    m = _CLASS_RUN.fullmatch(rule.pattern.pattern)
    if m is None or rule.secret_group != 0 or int(m.group(2)) != VALUE_RUN:
        return False
    members = re.findall(r".-.|.", m.group(1))
    return all(part in ("0-9", "a-f", "A-F", "a-z", "A-Z") or part.isalnum() for part in members)


def _inside_spans(
    values: list[tuple[int, int]], spans: list[tuple[int, int]]
) -> Iterable[tuple[int, int]]:
    """The values (sorted) that lie wholly inside one of the windows (sorted, disjoint)."""
    i = 0
    for s, e in values:
        while i < len(spans) and spans[i][1] < e:
            i += 1
        if i == len(spans):
            return
        if spans[i][0] <= s:
            yield s, e


def _within_runs(
    spans: list[tuple[int, int]], runs: list[tuple[int, int]] | None
) -> Iterable[tuple[int, int]]:
    """The parts of the windows where a run lies (all of each window without a run index)."""
    if runs is None:
        yield from spans
        return
    i = 0
    for lo, hi in spans:
        while i < len(runs) and runs[i][1] <= lo:
            i += 1
        j = i
        while j < len(runs) and runs[j][0] < hi:
            yield max(lo, runs[j][0]), min(hi, runs[j][1])
            j += 1


def _candidates(
    rule: Rule, text: str, lo: int, hi: int, binary: bool
) -> Iterable[re.Match[str]]:
    """Matches in [lo, hi). In binary data values are glued to their names
    (``…tokenbf63…``) so a match may start one character early inside the name: there every
    start is tried, not only the ends of earlier matches."""
    if not binary:
        yield from rule.pattern.finditer(text, lo, hi)
        return
    pos = lo
    search = rule.pattern.search
    while True:
        m = search(text, pos, hi)
        if m is None:
            return
        yield m
        pos = m.start() + 1


class _IdCover:
    """Where the ids of a text lie, as disjoint sorted spans: whether a position is inside one
    is a bisection, not a look at every id (a binary file may hold thousands)."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, ids: dict[str, list[tuple[int, int]]]):
        merged: list[list[int]] = []
        for a, b in sorted(span for spans in ids.values() for span in spans):
            if a >= b:
                continue  # empty: contains no position
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._starts = [a for a, _ in merged]
        self._ends = [b for _, b in merged]

    def __contains__(self, pos: int) -> bool:
        i = bisect.bisect_right(self._starts, pos) - 1
        return i >= 0 and pos < self._ends[i]


_NAME_ENDS = ("token", "secret", "password", "passwd", "pwd", "sid", "key")
_PLAUSIBLE_MEMORY = 1 << 16


def _lowered(text: str, memo: list[str]) -> str:
    """The text lower-cased, offsets kept, computed once per text (``memo`` holds it)."""
    if not memo:
        low = text.lower()
        if len(low) != len(text):  # a few Unicode letters lower-case to two characters
            low = text.encode("ascii", "replace").decode("ascii").lower()
        memo.append(low)
    return memo[0]


def _run_starts(text: str, runs: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Each run's start, and where a credential word (a name's last word) ends inside it:
    ``(start, run end)``, in order. The words are letters, so they lie wholly inside a run or
    outside it: only the runs are lower-cased and searched, not a whole pickle."""
    for lo, hi in runs:
        yield lo, hi
        seg = text[lo:hi].lower()
        ends: set[int] = set()
        for w in _NAME_ENDS:
            i = seg.find(w)
            while i >= 0:
                if i + len(w) < len(seg):
                    ends.add(lo + i + len(w))
                i = seg.find(w, i + 1)
        for end in sorted(ends):
            yield end, hi


def _bounded_binary(text: str, s: int, e: int, rule: Rule) -> bool:
    """Boundaries in binary data, where values touch their names and the bytes after them.

    A SQLite row stores ``twilio_auth_token`` and the token with nothing between, and a .pyc
    puts a type byte right after a string (``…e4F``: F is False). So: a contextual value glued
    on the left must start exactly where a name ending in a credential word ends (which also
    fixes its alignment); then whatever follows it is another field. Without such a name, a
    following character that the pattern would take as its own means a longer value.
    """
    left = s > 0 and _is_alnum(text[s - 1])
    named = left and _glued_name(text, s)
    if left and not named and rule.context is not None:
        return False
    right = e < len(text) and _is_alnum(text[e])
    return not (right and not named and rule.pattern.fullmatch(text, s + 1, e + 1))


def _glued_name(text: str, s: int) -> bool:
    if not text[max(0, s - 8) : s].lower().endswith(_NAME_ENDS):
        return False  # the common case in binary data, decided without a regex
    word = re.search(r"[A-Za-z_]{3,40}$", text[max(0, s - 40) : s])
    return word is not None and word.group(0).lower().endswith(_NAME_ENDS)


def _mixed(value: str) -> bool:
    if value.isascii():  # an ASCII letter is upper (lower) exactly when lower() (upper()) moves it
        return value.lower() != value and value.upper() != value
    return any(c.isupper() for c in value) and any(c.islower() for c in value)

