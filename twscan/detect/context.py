"""Decide whether a bare 32-character value is a Twilio Auth Token or API key secret.

Entropy cannot tell a token from an md5 (both ~3.6 bits per character); only the surroundings
can. A value counts when, in order of strength:

1. it follows an Account SID / API Key SID in the same construct (``Client("AC…", "…")``,
   ``-u AC…:…``, ``https://AC…:…@``) — the pair is then certain;
2. the key it is assigned to names it (``TWILIO_AUTH_TOKEN``, ``authToken``, ``apiSecret``),
   unless a word of that key marks another service or a non-secret (``DD_API_KEY``,
   ``checksum``, ``request_id``);
3. a key made of generic credential words (``token``, ``password``) sits in a Twilio scope: a
   ``[twilio]`` section, a ``twilio:`` parent, a ``provider "twilio"`` block, a statement that
   names Twilio, or a few lines that hold the matching SID.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Callable

from twscan.core.record import FrozenRecord, set_field
from twscan.detect.rules import Rule, Vocabulary


def _lazy(pattern: str) -> Callable[[], re.Pattern[str]]:
    """A pattern compiled on first use. The commit hook imports this module on every commit
    but judges a value's context only when a commit holds one: compiling these twenty patterns
    up front cost every commit ~2 ms."""
    return functools.cache(lambda: re.compile(pattern))


_CAMEL = _lazy(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_TRAILING_OPEN = "\"'`([{\\"
_VALUEISH = {"value", "val", "default", "string", "text", "data", "content", "v"}
# An assignment operator at the end of a key prefix; ordered longest first.
_OPERATOR = _lazy(r"(=>|:=|\?=|\+=|==|=|:|->|\||,|\s)\s*$")
_IDENT_END = _lazy(r"[A-Za-z_$@%][\w.\-$@]*$")
_QUOTED_END = _lazy(r"""(["'])([^"'\n]{1,100})\1\s*$""")
_XML_OPEN_END = _lazy(r"<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>$")
#: Quoted strings (to their close, or the line's end) and commas: a row's separators.
_ROW_TOKENS = _lazy(r"""'[^']*(?:'|$)|"[^"]*(?:"|$)|,""")
#: How far back from a value the ``(`` that opens its SQL tuple is looked for.
_TUPLE_REACH = 1 << 16
_SIBLING = _lazy(r"""(?i)\b(?:key|name)["']?\s*[=:]\s*["']?([A-Za-z_][\w.\-:]*)""")
_INI_HEADER = _lazy(r"""^\s*\[+\s*([\w .\-"':]+?)\s*\]+\s*$""")
_STATEMENT_CUT = _lazy(r"[;}]")
_CLI_FLAG = _lazy(r"(?:^|\s)--?([A-Za-z][\w-]*)(?:=|\s+)$")
_TYPE_SUFFIX = _lazy(
    r"(?:\s*:(?:\s+|\s*&)(?:'static\s+)?[A-Za-z_][\w.<>\[\], ]*|\s+(?:string|String|str))$"
)
# What may stand between an id and its secret in one construct: quotes, commas, colons, blanks,
# and the ``\\n`` escapes of a notebook's JSON-encoded source lines.
_SEPARATORS = _lazy(r"""(?:[\s"'`,:;|]|\\[nrt]|=>)*""")
# Between two strings of a binary (a .pyc's constants, a SQLite row): type and length bytes.
_BINARY_SEPARATORS = _lazy(r"""(?:[\s"'`,:;|]|[^\x20-\x7e]|\\[nrt])*""")
_SQL_COLUMNS = _lazy(r"""(?i)\(\s*([\w`"\[\]]+(?:\s*,\s*[\w`"\[\]]+)+)\s*\)\s*values\b""")
_CSV_NAME = _lazy(r"[A-Za-z_][\w .-]{0,40}")
_DENY_OWNER = _lazy(r"\bsession\s*\(")
_GLUED_NAME = _lazy(r"[A-Za-z_][A-Za-z0-9_.\-]{2,60}$")
_NETRC_MACHINE = _lazy(r"\bmachine\s+(\S+)")
_XML_ELEMENT = _lazy(r"<([A-Za-z_][\w.:-]*)\s[^<>]*$")
_OBJECT_OWNER = _lazy(r"([A-Za-z_][\w-]*)[\"']?\s*(?::|=|\()\s*\{")
_WINDOW_CHARS = 1500
_MAX_GAP = 40  # characters between an id and the value that follows it in one construct
_WINDOW_LINES = 5
_SCOPE_LINES_BACK = 80


class Verdict(FrozenRecord):
    """A record, not a dataclass: the commit hook imports this (see :mod:`twscan.core.record`)."""

    __slots__ = ("accept", "score", "reason", "detail", "anchor")
    accept: bool
    score: int  # 3 = certain (pair construct or naming key), 2 = scope, 1 = neighbourhood
    reason: str  # a message-catalogue code
    detail: str  # key or scope name shown with the reason (never a secret)
    anchor: int | None  # offset of the SID that shares the construct, if any

    def __init__(
        self, accept: bool, score: int, reason: str, detail: str = "", anchor: int | None = None
    ) -> None:
        set_field(self, "accept", accept)
        set_field(self, "score", score)
        set_field(self, "reason", reason)
        set_field(self, "detail", detail)
        set_field(self, "anchor", anchor)


REJECT = Verdict(False, 0, "")


def split_words(key: str) -> list[str]:
    """``TWILIO_AUTH_TOKEN`` / ``twilioAuthToken`` / ``twilio.auth-token`` → twilio, auth, token."""
    return [w.lower() for w in _CAMEL().findall(key)]


_NOT_ALNUM = _lazy(r"[^a-z0-9]+")


def normalise(key: str) -> str:
    return _NOT_ALNUM().sub("", key.lower())


class Judge:
    """Context decisions for one text; built once per scanned text, lazily indexes lines."""

    def __init__(
        self,
        text: str,
        vocab: Vocabulary,
        ids: dict[str, list[tuple[int, int]]],
        binary: bool = False,
    ):
        self.text = text
        self.vocab = vocab
        self.ids = ids  # kind -> sorted (start, end) of id matches (SIDs) in the text
        self._line_starts: list[int] | None = None
        self.binary = binary
        # Many candidates share lines (CSV rows, logs): scopes and headers are computed once.
        self._scope_cache: dict[int, tuple[str, int, int | None] | None] = {}
        self._sql_cache: dict[int, list[str] | None] = {}
        self._commas: dict[int, tuple[int, int]] = {}  # line -> (first comma or -1, count)
        self._row_seps: dict[int, list[int]] = {}
        self._sibling_lines: dict[int, str | None] = {}
        self._csv_header: list[str] | None | bool = False
        self._class_cache: dict[str, str] = {}

    # -- lines --------------------------------------------------------------------------
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            # split, map and accumulate all run in C: ~10x faster than a find loop.
            lengths = map(operator.add, map(len, self.text.split("\n")), itertools.repeat(1))
            self._line_starts = [0, *itertools.accumulate(lengths)][:-1]
        return self._line_starts

    def line_index(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts(), offset) - 1

    def line_text(self, idx: int) -> str:
        starts = self.line_starts()
        if idx < 0 or idx >= len(starts):
            return ""
        end = starts[idx + 1] - 1 if idx + 1 < len(starts) else len(self.text)
        return self.text[starts[idx] : end]

    # -- words ----------------------------------------------------------------------------
    def _segments_generic(self, word: str) -> bool:
        """``authtoken`` and ``apikey`` are generic words run together; ``ddapikey`` is not."""
        generic = self.vocab.generic
        n = len(word)
        ok = [True] + [False] * n
        for i in range(1, n + 1):
            for j in range(max(0, i - 14), i):
                if ok[j] and word[j:i] in generic:
                    ok[i] = True
                    break
        return ok[n]

    def classify_key(self, key: str) -> str:
        """'deny' | 'foreign' | 'vendor' | 'generic' | 'empty' for a key or scope name."""
        cached = self._class_cache.get(key)
        if cached is None:
            cached = self._class_cache[key] = self._classify(key)
        return cached

    def _classify(self, key: str) -> str:
        words = split_words(key)
        if not words:
            return "empty"
        vocab = self.vocab
        norm = "".join(words)
        if any(v in norm for v in vocab.vendor):
            return "vendor"
        if any(w in vocab.deny for w in words):
            return "deny"
        for w in words:
            if w not in vocab.generic and not w.isdigit() and not self._segments_generic(w):
                return "foreign"
        return "generic"

    def _has_vendor(self, s: str) -> bool:
        low = s.lower()
        return any(v in low for v in self.vocab.vendor)

    # -- the decision -----------------------------------------------------------------------
    def judge(self, rule: Rule, start: int, end: int) -> Verdict:
        spec = rule.context
        if spec is None:
            return Verdict(True, 3, "pattern")
        text = self.text
        line_no = self.line_index(start)
        line_start = self.line_starts()[line_no]
        prefix = text[max(line_start, start - 240) : start]

        anchor = self._adjacent_id(spec.anchor_kind, start)
        if anchor is not None:
            return Verdict(True, 3, "pair-construct", "", anchor)

        key, positional = _assigned_key(prefix)
        if not key and self.binary:
            glued = _GLUED_NAME().search(prefix)
            if glued and (prefix.endswith(glued.group(0))):
                key = glued.group(0)  # ``twilio_auth_token<token>`` in a SQLite row
            else:
                positional = True  # a bare string among a binary's strings: judged by neighbours
        tab = self._tabular_key(line_no, start)
        if tab is not None and not set(split_words(tab)) <= _VALUEISH:
            key, positional = tab, False
        cls = self.classify_key(key) if key else "empty"
        if cls != "vendor" and not positional and _matches(spec.deny_names, normalise(key)):
            return REJECT
        if cls in ("deny", "foreign") and not positional:
            return REJECT
        foreign = cls in ("deny", "foreign")
        if positional and foreign and self._credential(key, spec.credential_words):
            return REJECT  # ``config :app, :mixpanel_token, "…"``: another service's secret
        named = cls in ("vendor", "generic") and _matches(spec.key_names, normalise(key))
        if key and not positional and named:
            return Verdict(True, 3, "key-name", key)
        statement = _STATEMENT_CUT().split(prefix)[-1]
        owner = _owner(statement)
        if owner:
            ocls = self.classify_key(owner)
            if ocls in ("deny", "foreign"):
                return REJECT  # ``mixpanel: { token: … }``, ``<datadog apiKey=…>``
        credential_key = self._credential(key, spec.credential_words) if key else False
        valueish = bool(key) and set(split_words(key)) <= _VALUEISH
        if not positional and (not key or not credential_key):
            # ``value="…"`` / ``default = "…"``: the name sits in a sibling attribute or line.
            suffix = text[end : end + 160].split("\n", 1)[0]
            sib = self._sibling_key(statement, suffix, line_no)
            if sib:
                scls = self.classify_key(sib)
                if scls in ("deny", "foreign") or _matches(spec.deny_names, normalise(sib)):
                    return REJECT
                if _matches(spec.key_names, normalise(sib)):
                    return Verdict(True, 3, "key-name", sib)
                if self._credential(sib, spec.credential_words):
                    credential_key = True
                    key = sib
        if owner and self.classify_key(owner) == "vendor" and (credential_key or valueish):
            return Verdict(True, 2, "scope", owner[:60])
        if (positional or not key) and self._statement_names_vendor(statement):
            return Verdict(True, 2, "statement", "")
        scope = self._scope(line_no)
        lo_line = line_no - _WINDOW_LINES
        hi_line = line_no + _WINDOW_LINES
        if scope is not None:
            name, scope_line, block_end = scope
            scls = self.classify_key(name)
            if scls == "generic":
                # ``datadog:`` → ``metrics:`` → ``export:`` → ``api-key``: look further up.
                for outer in self._ancestors(scope_line, 3):
                    ocls = self.classify_key(outer)
                    if ocls != "generic":
                        scls = ocls
                        break
            if scls == "vendor":
                if credential_key or valueish or positional or not key:
                    return Verdict(True, 2, "scope", name.strip()[:60])
                return REJECT
            # Neighbours count only inside the same block: a [twilio] section above a
            # [datadog] section says nothing about the datadog keys.
            lo_line = max(lo_line, scope_line + 1)
            if block_end is not None:
                hi_line = min(hi_line, block_end - 1)
            if scls == "deny":
                return REJECT
            if scls == "foreign" and self._near(spec.anchor_kind, lo_line, hi_line, start) is None:
                return REJECT
        if credential_key or positional:
            if _DENY_OWNER().search(statement.lower()) or self._owner_denied(statement):
                return REJECT
            near = self._near(spec.anchor_kind, lo_line, hi_line, start)
            if near is not None:
                return Verdict(True, 1, "near-id", key or "", near)
            if self._window_has_vendor(lo_line, hi_line, start):
                return Verdict(True, 1, "near-vendor", key or "")
        return REJECT

    def _credential(self, key: str, words: frozenset[str]) -> bool:
        kw = set(split_words(key))
        norm = normalise(key)
        return bool(kw & words) or any(w in norm for w in words if len(w) > 3)

    def _owner_denied(self, statement: str) -> bool:
        """``session({ secret: … })``: the object a generic key belongs to is not Twilio's."""
        words = split_words(statement)
        return any(w in self.vocab.deny for w in words) and not self._has_vendor(statement)

    def _adjacent_id(self, kind: str | None, start: int) -> int | None:
        """An id that ends just before the value, only separators between: ``AC…:tok``."""
        if kind is None:
            return None
        spans = self.ids.get(kind, ())
        i = bisect.bisect_right(spans, (start, start)) - 1
        if i < 0:
            return None
        s, e = spans[i]
        if e > start or start - e > _MAX_GAP:
            return None
        gap = self.text[e:start]
        seps = _BINARY_SEPARATORS() if self.binary else _SEPARATORS()
        if not seps.fullmatch(gap) or sum(gap.count(c) for c in ",:;|") > 2:
            return None
        return s

    def _sibling_key(self, prefix: str, suffix: str, line_no: int) -> str | None:
        """The name of a ``value`` from its own line (either side) or the two lines above."""
        for candidate in (prefix, suffix):
            found = _SIBLING().findall(candidate)
            if found:
                return str(found[-1] if candidate is not suffix else found[0])
        return self._sibling_line(line_no - 1) or self._sibling_line(line_no - 2)

    def _sibling_line(self, line_no: int) -> str | None:
        """The last sibling name on a line, found once per line: all the values of a long
        line below ask for it."""
        if line_no not in self._sibling_lines:
            found = _SIBLING().findall(self.line_text(line_no))
            self._sibling_lines[line_no] = str(found[-1]) if found else None
        return self._sibling_lines[line_no]

    def _tabular_key(self, line_no: int, start: int) -> str | None:
        """The column name of a value in a CSV row or a SQL ``VALUES`` tuple.

        Every value of a line asks this, and a line may be a minified bundle or a dump's
        one-line ``INSERT`` of megabytes: nothing here copies or scans the line per value.
        What is needed of the line (its first comma, its separators) is found once per line.
        """
        text = self.text
        line_start = self.line_starts()[line_no]
        first, commas = self._commas_of(line_no)
        if first < 0 or first >= start:
            return None
        header = self._sql_columns(line_no)
        if header is not None:
            paren = text.rfind("(", max(line_start, start - _TUPLE_REACH), start)
            if paren < 0:
                return None
            idx = _split_count(text[paren + 1 : start])
        elif line_no > 0:
            csv = self._csv_columns()
            if csv is None or commas != len(csv) - 1:
                return None
            header = csv
            idx = bisect.bisect_left(self._separators(line_no), start)
        else:
            return None
        return header[idx] if 0 <= idx < len(header) and header[idx] else None

    def _commas_of(self, line_no: int) -> tuple[int, int]:
        """Where the line's first comma is (-1: none) and how many it has."""
        found = self._commas.get(line_no)
        if found is None:
            starts = self.line_starts()
            end = starts[line_no + 1] if line_no + 1 < len(starts) else len(self.text)
            first = self.text.find(",", starts[line_no], end)
            count = self.text.count(",", first, end) if first >= 0 else 0
            found = self._commas[line_no] = (first, count)
        return found

    def _separators(self, line_no: int) -> list[int]:
        """Offsets of the line's commas outside quotes (as :func:`_split_count` counts)."""
        found = self._row_seps.get(line_no)
        if found is None:
            starts = self.line_starts()
            end = starts[line_no + 1] if line_no + 1 < len(starts) else len(self.text)
            found = [
                m.start()
                for m in _ROW_TOKENS().finditer(self.text, starts[line_no], end)
                if m.group() == ","
            ]
            self._row_seps[line_no] = found
        return found

    def _sql_columns(self, line_no: int) -> list[str] | None:
        """Columns of the nearest ``(a, b, …) VALUES`` at or above the line (50 lines up)."""
        found: list[str] | None = None
        for i in range(line_no, max(-1, line_no - 50), -1):
            if i in self._sql_cache:  # an earlier candidate already looked from there up
                found = self._sql_cache[i]
                break
            m = _SQL_COLUMNS().search(self.line_text(i))
            if m:
                found = [c.strip(" `\"'[]") for c in m.group(1).split(",")]
                break
        self._sql_cache[line_no] = found
        return found

    def _csv_columns(self) -> list[str] | None:
        if self._csv_header is False:
            cols = self.line_text(0).split(",")
            ok = len(cols) >= 3 and all(_CSV_NAME().fullmatch(c.strip().strip('"')) for c in cols)
            self._csv_header = [c.strip().strip('"') for c in cols] if ok else None
        return self._csv_header if isinstance(self._csv_header, list) else None

    def _statement_names_vendor(self, statement: str) -> bool:
        low = statement.lower()
        if self._has_vendor(low):
            return True
        norm = normalise(low)
        return "accountsid" in norm or "apikeysid" in norm

    def _scope(self, line_no: int) -> tuple[str, int, int | None] | None:
        """The nearest enclosing header: an INI ``[section]`` or a less-indented parent line.

        Returns the header's name, its line and, for an INI section, the line of the next
        section (where the block ends).
        """
        if line_no not in self._scope_cache:
            self._scope_cache[line_no] = self._find_scope(line_no)
        return self._scope_cache[line_no]

    def _find_scope(self, line_no: int) -> tuple[str, int, int | None] | None:
        line = self.line_text(line_no)
        indent = len(line) - len(line.lstrip())
        lo = max(0, line_no - _SCOPE_LINES_BACK)
        for i in range(line_no - 1, lo - 1, -1):
            t = self.line_text(i)
            stripped = t.strip()
            comment = stripped.startswith(("#", "//", ";", "--", "*", "/*", "-"))
            if not stripped or (comment and not stripped.startswith("- ")):
                continue
            m = _INI_HEADER().match(t)
            if m:
                return m.group(1), i, self._next_ini_header(line_no)
            ind = len(t) - len(t.lstrip())
            if ind == indent and i in self._scope_cache:
                # A sibling line already found the header this line shares (a CSV, a log).
                cached = self._scope_cache[i]
                if cached is None or cached[2] is None:
                    return cached
            if ind < indent:
                head = _header_name(stripped)
                if head is not None:
                    return head, i, None
                indent = ind
        return None

    def _ancestors(self, line_no: int, depth: int) -> list[str]:
        names: list[str] = []
        while depth > 0:
            scope = self._scope(line_no)
            if scope is None or scope[2] is not None:  # none, or an INI section (flat)
                break
            names.append(scope[0])
            line_no = scope[1]
            depth -= 1
        return names

    def _next_ini_header(self, line_no: int) -> int | None:
        n = len(self.line_starts())
        for i in range(line_no + 1, min(n, line_no + _WINDOW_LINES + 2)):
            if _INI_HEADER().match(self.line_text(i)):
                return i
        return None

    def _char_range(self, lo_line: int, hi_line: int, start: int) -> tuple[int, int]:
        starts = self.line_starts()
        lo = starts[max(0, lo_line)] if lo_line < len(starts) else len(self.text)
        nxt = hi_line + 1
        hi = starts[nxt] if 0 <= nxt < len(starts) else len(self.text)
        # One-line minified text: lines mean nothing, keep to characters around the value.
        return max(lo, start - _WINDOW_CHARS), min(hi, start + _WINDOW_CHARS)

    def _near(self, kind: str | None, lo_line: int, hi_line: int, start: int) -> int | None:
        if kind is None:
            return None
        lo, hi = self._char_range(lo_line, hi_line, start)
        spans = self.ids.get(kind, ())
        # The first id at or after lo (sorted spans): bisected, since every candidate of a CSV
        # export with thousands of SIDs asks.
        i = bisect.bisect_left(spans, (lo, -1))
        if i < len(spans) and spans[i][0] < hi:
            return spans[i][0]
        return None

    def _window_has_vendor(self, lo_line: int, hi_line: int, start: int) -> bool:
        lo, hi = self._char_range(lo_line, hi_line, start)
        return self._has_vendor(self.text[lo:hi])


def _owner(statement: str) -> str | None:
    """What a key on this line belongs to: XML element, ``name: {``, ``name({``, .netrc host."""
    m = _NETRC_MACHINE().search(statement)
    if m:
        return m.group(1)
    m = _XML_ELEMENT().search(statement)
    if m:
        return m.group(1)
    found = [f for f in _OBJECT_OWNER().findall(statement) if len(f) > 2]  # not minified names
    return str(found[-1]) if found else None


def _matches(patterns: tuple[re.Pattern[str], ...], norm: str) -> bool:
    return any(p.search(norm) for p in patterns)


def _split_count(row: str) -> int:
    """How many separators (commas outside quotes) precede the value in a row."""
    n = 0
    quote = ""
    for ch in row:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == ",":
            n += 1
    return n


def _header_name(stripped: str) -> str | None:
    """The name a parent line opens: ``twilio:``, ``provider "twilio" {``, ``"twilio": {``."""
    s = stripped.rstrip("{[( \t").rstrip()
    if not s:
        return None
    if s.startswith("machine "):
        return s.split()[1] if len(s.split()) > 1 else None
    if s.endswith(":") or s.endswith("=") or stripped.endswith(("{", "[", "(")):
        return s.rstrip(":= \t")
    if s.startswith("<") and s.endswith(">") and not s.startswith("</"):
        return s
    return None


def _assigned_key(prefix: str) -> tuple[str, bool]:
    """The name a value is assigned to, from the text before it on its line.

    Returns ``(key, positional)``; positional means the value is an argument after another
    argument (``f(x, "…")``) so the preceding word is not its name.
    """
    p = prefix.rstrip(_TRAILING_OPEN)
    m = _XML_OPEN_END().search(p)
    if m:
        return m.group(1), False
    # ``--auth-token VALUE`` / ``--auth-token=VALUE``
    m = _CLI_FLAG().search(prefix.rstrip("\"'`"))
    if m:
        return m.group(1), False
    m = _OPERATOR().search(p)
    if not m:
        return "", False
    op = m.group(1)
    before = p[: m.start()].rstrip().rstrip("]) \t")
    if op == "=":
        # Typed declarations: ``TOKEN: &str =``, ``val token: String =``, ``var token string =``.
        before = _TYPE_SUFFIX().sub("", before)
    q = _QUOTED_END().search(before)
    if q:
        name = q.group(2)
        if op == "," and not re.fullmatch(r"[A-Za-z_][\w.\-:]*", name):
            return "", True
        return name, False
    ident = _IDENT_END().search(before)
    if op == ",":
        return (ident.group(0) if ident else ""), True
    if ident:
        name = ident.group(0).lstrip("$@%:")
        if op.isspace() or op == ":":
            # ``Auth Token: …`` in prose / ``ENV TWILIO_AUTH_TOKEN …``: take up to two more words.
            words = before[: ident.start()].split()[-2:]
            extra = [w for w in words if re.fullmatch(r"[A-Za-z][\w-]*", w)]
            if op == ":" and extra and len(extra) == len(words):
                name = " ".join([*extra, name])
        return name, False
    return "", op == ","
