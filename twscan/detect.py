"""The detection engine: rules in, findings out, for one text at a time.

Sources (files, git blobs, stdin) call :meth:`Detector.scan_bytes`; everything about where the
text came from stays with them. The engine's cost model: a cheap gate on the raw bytes decides
whether anything can match at all (most files: no), and only then is the text decoded and the
context rules — whose candidate patterns have no literal prefix and are slow — run, on the whole
of a small text or on windows around keyword hits in a large one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from twscan import layers
from twscan.checks import Checked, run_check
from twscan.context import Judge, Verdict
from twscan.gate import Gate, GateResult, make_gate
from twscan.model import Finding, Half
from twscan.placeholders import is_placeholder
from twscan.rules import PairRule, Rule, RuleSet, load_ruleset
from twscan.textdecode import decode, sniff_utf16

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
_HEX = frozenset("0123456789ABCDEFabcdef")
_PAIR_KIND = "credential-pair"


@dataclass
class _Raw:
    rule: Rule
    start: int
    end: int
    secret: str
    verdict: Verdict
    checked: Checked | None = None


class Detector:
    def __init__(
        self, ruleset: RuleSet, fast_gate: bool = False, max_decode_depth: int = layers.MAX_DEPTH
    ):
        self.ruleset = ruleset
        self.max_decode_depth = max_decode_depth
        self.rules = ruleset.rules
        self.plain = [r for r in self.rules if r.context is None]
        self.contextual = [r for r in self.rules if r.context is not None]
        self.pairs: list[PairRule] = ruleset.pairs
        self.anchor_kinds = {r.context.anchor_kind for r in self.contextual if r.context}
        self.keywords = sorted({k for r in self.contextual for k in r.keywords})
        signatures: list[bytes] = []
        if max_decode_depth > 0:
            words = layers.SIGNATURE_WORDS + layers.sid_signature_words()
            sigs = layers.b64_signatures(words)
            if max_decode_depth > 1:  # base64 of base64: the signatures of the signatures
                first = layers.b64_signatures(layers.SIGNATURE_WORDS)
                sigs |= layers.b64_signatures([s.decode() for s in first])
            signatures = sorted(sigs)
        self._signatures = signatures
        self._gate: Gate | None = None
        self.rule_paths: tuple[Path, ...] = ()
        self.fast_gate = fast_gate

    @property
    def gate(self) -> Gate:
        """Built on first use: a process that only hands files to workers never builds one."""
        if self._gate is None:
            self._gate = make_gate(self.plain, self.keywords, self.fast_gate, self._signatures)
        return self._gate

    @classmethod
    def load(
        cls,
        extra_rules: Sequence[Path] = (),
        builtin: bool = True,
        fast_gate: bool = False,
        max_decode_depth: int = layers.MAX_DEPTH,
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
    def scan_bytes(self, data: bytes, path: str) -> list[Finding]:
        gate: GateResult | None = None
        if sniff_utf16(data) is None:
            gate = self.gate.check(data)
            if not gate.any:
                return []
        d = decode(data)
        enc = d.encoding if d.encoding != "utf-8" else None
        if gate is not None and gate.hits and d.encoding == "utf-8" and not d.text.isascii():
            gate = dataclasses.replace(gate, hits=_char_offsets(data, gate.hits), chars=True)
        return self.scan_text(d.text, path, encoding=enc, gate=gate)

    def scan_text(
        self,
        text: str,
        path: str,
        encoding: str | None = None,
        gate: GateResult | None = None,
        depth: int = 0,
    ) -> list[Finding]:
        """``gate``, when the caller already has one for these bytes, skips ruled-out rules;
        ``depth`` counts the decoding layers this text already sits under."""
        findings = self._scan_plain(text, path, encoding, gate)
        if depth < self.max_decode_depth:
            plain = gate is None or bool(gate.rules) or gate.keywords
            b64 = gate is None or gate.encoded
            found = layers.find_layers(text, plain=plain, b64=b64) if plain or b64 else []
            if found:
                findings = self._merge_decoded(text, path, encoding, depth, found, findings)
        return findings

    def _scan_plain(
        self, text: str, path: str, encoding: str | None, gate: GateResult | None
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
                if rule.placeholder_check and is_placeholder(secret):
                    continue
                if rule.mixed_case and not _mixed(secret):
                    continue
                verdict = Verdict(True, 3, "pattern")
                if rule.check:
                    checked = run_check(rule.check, secret)
                    if checked is None:
                        continue
                    verdict = Verdict(True, 3, "check", checked.detail)
                    raws.append(_Raw(rule, s, e, secret, verdict, checked))
                    continue
                raws.append(_Raw(rule, s, e, secret, verdict))
        if self.contextual and (gate is None or gate.keywords or ids):
            # Byte offsets are text offsets when the text is pure ASCII or read byte for byte.
            known = gate.hits if gate is not None and gate.hits is not None else None
            if known is not None and not (
                gate is not None and gate.chars
                or encoding == "binary"
                or (encoding is None and text.isascii())
            ):
                known = None
            raws.extend(self._contextual(text, ids, known, binary))
        if not raws:
            return []
        judge_lines = Judge(text, self.ruleset.vocabulary, ids)
        return self._findings(raws, judge_lines, path, encoding)

    def _merge_decoded(
        self,
        text: str,
        path: str,
        encoding: str | None,
        depth: int,
        found: list[layers.Layer],
        findings: list[Finding],
    ) -> list[Finding]:
        """Scan the text with decoded spans in place; keep what only decoding revealed."""
        spliced = layers.Spliced(text, found)
        inner = self.scan_text(spliced.text, path, encoding, None, depth + 1)
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
        return sorted(drop_covered_halves(findings + added), key=lambda f: f.offset)

    def _contextual(
        self,
        text: str,
        ids: dict[str, list[tuple[int, int]]],
        known_hits: dict[str, list[int]] | None = None,
        binary: bool = False,
    ) -> list[_Raw]:
        anchors = [s for k in self.anchor_kinds if k for s, _ in ids.get(k, ())]
        if known_hits is not None:
            hits_by_kw = known_hits
        else:
            low = text.lower()
            if len(low) != len(text):  # a few Unicode letters lower-case to two characters
                low = text.encode("ascii", "replace").decode("ascii").lower()
            hits_by_kw = _keyword_hits(low, self.keywords)
        if not anchors and not hits_by_kw:
            return []
        for v in ids.values():
            v.sort()
        judge = Judge(text, self.ruleset.vocabulary, ids, binary=binary)
        best: dict[tuple[int, int], _Raw] = {}
        class_runs = _ClassRuns(text)
        tables = _Tables(text)
        for rule in self.contextual:
            anchor_kind = rule.context.anchor_kind if rule.context else None
            has_anchor = bool(ids.get(anchor_kind or ""))
            if rule.keywords and not has_anchor and not any(k in hits_by_kw for k in rule.keywords):
                continue
            n_hits = len(anchors) + sum(len(hits_by_kw.get(k, ())) for k in rule.keywords)
            if n_hits * _DENSE > len(text):
                # Hits everywhere (Twilio's own code says "twilio" on every line): windows
                # would cover the text anyway, and merging thousands of them costs more.
                spans = [(0, len(text))]
            else:
                spans = self._spans(text, rule, anchors, hits_by_kw, tables)
            runs = class_runs.get(rule, text)
            for lo, hi in _within_runs(spans, runs):
                for m in _candidates(rule, text, lo, hi, binary):
                    s, e = m.span(rule.secret_group)
                    if s < 0 or (rule.boundary and not _bounded(text, s, e, rule, binary)):
                        continue
                    if binary and _inside_id(ids, s):
                        continue  # the hex body of a SID glued to its name
                    secret = m.group(rule.secret_group)
                    if rule.mixed_case and not _mixed(secret):
                        continue
                    # Most candidates (hashes, ids) fail on context; judge first, it is cheaper
                    # than the placeholder tests for a rejected value.
                    verdict = judge.judge(rule, s, e)
                    if not verdict.accept:
                        continue
                    if rule.placeholder_check and is_placeholder(secret):
                        continue
                    prev = best.get((s, e))
                    if prev is None or verdict.score > prev.verdict.score:
                        best[(s, e)] = _Raw(rule, s, e, secret, verdict)
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
        self, raws: list[_Raw], judge: Judge, path: str, encoding: str | None
    ) -> list[Finding]:
        findings: list[Finding] = []
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
            if _inline_ignored(judge, line - 1):
                findings[-1].extra["ignored"] = "inline"
        findings = self._pair(findings)
        return dedupe(findings)

    def _pair(self, findings: list[Finding]) -> list[Finding]:
        if not self.pairs:
            return findings
        out: list[Finding] = []
        consumed_ids: set[tuple[str, str]] = set()
        by_kind: dict[str, list[Finding]] = {}
        for f in findings:
            by_kind.setdefault(f.kind, []).append(f)
        paired: set[int] = set()
        for pr in self.pairs:
            idf = by_kind.get(pr.id_kind, [])
            if not idf:
                continue
            for f in by_kind.get(pr.secret_kind, []):
                anchor = f.extra.get("_anchor")
                partner = next((i for i in idf if i.offset == anchor), None)
                if partner is None:
                    partner = _nearest(idf, f.offset)
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


def _nearest(ids: list[Finding], offset: int) -> Finding:
    """The id closest to the secret, the one before it on a tie (``SID=…`` then ``TOKEN=…``)."""
    return min(ids, key=lambda i: (abs(i.offset - offset), i.offset > offset))


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


_IGNORE = "twscan:ignore"
_IGNORE_NEXT = "twscan:ignore-next-line"


def _inline_ignored(judge: Judge, line_idx: int) -> bool:
    """``twscan:ignore`` in a comment on the line, or ``twscan:ignore-next-line`` just above."""
    line = judge.line_text(line_idx)
    i = line.find(_IGNORE)
    while i >= 0:
        if not line.startswith(_IGNORE_NEXT, i):
            return True
        i = line.find(_IGNORE, i + 1)
    return line_idx > 0 and _IGNORE_NEXT in judge.line_text(line_idx - 1)


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


def _char_offsets(data: bytes, hits: dict[str, list[int]]) -> dict[str, list[int]]:
    """Byte offsets of keyword hits as character offsets of the (valid) UTF-8 text.

    Keywords are ASCII, so every offset falls between characters and each slice decodes on
    its own; one pass over the sorted offsets, the decoding done in C.
    """
    flat = sorted({o for offs in hits.values() for o in offs})
    chars: dict[int, int] = {}
    prev_b = prev_c = 0
    for o in flat:
        prev_c += len(data[prev_b:o].decode("utf-8", "replace"))
        prev_b = o
        chars[o] = prev_c
    return {k: [chars[o] for o in offs] for k, offs in hits.items()}


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
    if e < len(text) and _is_alnum(text[e]):
        return False
    if s > 0 and _is_alnum(text[s - 1]):
        escape = s >= 2 and text[s - 2] == "\\" and text[s - 1] in "nrt"
        percent = s >= 3 and text[s - 3] == "%" and all(c in _HEX for c in text[s - 2 : s])
        ok = escape or percent
        if not ok:
            return False
    # A run inside base64, or glued by a dash (``key-…``, ``…-us14``), is part of a larger
    # value, not a token of its own.
    in_b64 = (s > 0 and text[s - 1] in _B64_EDGE) or (e < len(text) and text[e] in _B64_EDGE)
    return not (rule.context is not None and in_b64)


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
            raw = self._bytes()
            n = int(m.group(2))
            self._cache[key] = None if raw is None else layers.char_runs(raw, m.group(1), n)
        return self._cache[key]


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


def _inside_id(ids: dict[str, list[tuple[int, int]]], pos: int) -> bool:
    return any(a <= pos < b for spans in ids.values() for a, b in spans)


_NAME_ENDS = ("token", "secret", "password", "passwd", "pwd", "sid", "key")


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
    word = re.search(r"[A-Za-z_]{3,40}$", text[max(0, s - 40) : s])
    return word is not None and word.group(0).lower().endswith(_NAME_ENDS)


def _mixed(value: str) -> bool:
    return any(c.isupper() for c in value) and any(c.islower() for c in value)

