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
import re
from dataclasses import dataclass

from twscan.rules import Rule, Vocabulary

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_TRAILING_OPEN = "\"'`([{"
_VALUEISH = {"value", "val", "default", "string", "text", "data", "content", "v"}
# An assignment operator at the end of a key prefix; ordered longest first.
_OPERATOR = re.compile(r"(=>|:=|\?=|\+=|==|=|:|->|\||,|\s)\s*$")
_IDENT_END = re.compile(r"[A-Za-z_$@%][\w.\-$@]*$")
_QUOTED_END = re.compile(r"""(["'])([^"'\n]{1,100})\1\s*$""")
_XML_OPEN_END = re.compile(r"<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>$")
_SIBLING = re.compile(r"""(?i)\b(?:key|name)["']?\s*[=:]\s*["']?([A-Za-z_][\w.\-:]*)""")
_INI_HEADER = re.compile(r"""^\s*\[+\s*([\w .\-"':]+?)\s*\]+\s*$""")
_STATEMENT_CUT = re.compile(r"[;}]")
_SEPARATORS = re.compile(r"""\s*["'`]?\s*(?:[,:;|]|=>)?\s*["'`]?\s*$""")
_MAX_GAP = 40  # characters between an id and the value that follows it in one construct
_WINDOW_LINES = 3
_SCOPE_LINES_BACK = 80


@dataclass(frozen=True)
class Verdict:
    accept: bool
    score: int  # 3 = certain (pair construct or naming key), 2 = scope, 1 = neighbourhood
    reason: str  # a message-catalogue code
    detail: str = ""  # key or scope name shown with the reason (never a secret)
    anchor: int | None = None  # offset of the SID that shares the construct, if any


REJECT = Verdict(False, 0, "")


def split_words(key: str) -> list[str]:
    """``TWILIO_AUTH_TOKEN`` / ``twilioAuthToken`` / ``twilio.auth-token`` → twilio, auth, token."""
    return [w.lower() for w in _CAMEL.findall(key)]


def normalise(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch.isalnum())


class Judge:
    """Context decisions for one text; built once per scanned text, lazily indexes lines."""

    def __init__(self, text: str, vocab: Vocabulary, ids: dict[str, list[tuple[int, int]]]):
        self.text = text
        self.vocab = vocab
        self.ids = ids  # kind -> sorted (start, end) of id matches (SIDs) in the text
        self._line_starts: list[int] | None = None

    # -- lines --------------------------------------------------------------------------
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
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
        cls = self.classify_key(key) if key else "empty"
        norm = normalise(key)
        if cls in ("deny", "foreign") and not positional:
            return REJECT
        named = key and not positional and any(p.search(norm) for p in spec.key_names)
        if named and cls in ("vendor", "generic"):
            return Verdict(True, 3, "key-name", key)
        words = set(split_words(key)) if key else set()
        credential_key = bool(words & spec.credential_words) or any(
            w in norm for w in spec.credential_words if len(w) > 3
        )
        valueish = bool(words) and words <= _VALUEISH
        if not positional and (not key or not credential_key):
            # ``value="…"`` / ``default = "…"``: the name sits in a sibling attribute or line.
            sib = self._sibling_key(prefix, line_no)
            if sib:
                scls = self.classify_key(sib)
                snorm = normalise(sib)
                if scls in ("deny", "foreign"):
                    return REJECT
                if any(p.search(snorm) for p in spec.key_names):
                    return Verdict(True, 3, "key-name", sib)
                if set(split_words(sib)) & spec.credential_words:
                    credential_key = True
                    key = sib
        statement = _STATEMENT_CUT.split(prefix)[-1]
        if (positional or not key) and self._statement_names_vendor(statement, spec):
            return Verdict(True, 2, "statement", "")
        scope = self._scope(line_no)
        if scope is not None:
            scls = self.classify_key(scope)
            if scls == "vendor":
                if credential_key or valueish or positional or not key:
                    return Verdict(True, 2, "scope", scope.strip()[:60])
                return REJECT
            if scls in ("foreign", "deny"):
                return REJECT
        if credential_key or positional:
            near = self._near(spec.anchor_kind, line_no)
            if near is not None:
                return Verdict(True, 1, "near-id", key or "", near)
            if self._window_has_vendor(line_no):
                return Verdict(True, 1, "near-vendor", key or "")
        return REJECT

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
        return s if _SEPARATORS.fullmatch(self.text[e:start]) else None

    def _sibling_key(self, prefix: str, line_no: int) -> str | None:
        for candidate in (prefix, self.line_text(line_no - 1), self.line_text(line_no - 2)):
            found = _SIBLING.findall(candidate)
            if found:
                return str(found[-1])
        return None

    def _statement_names_vendor(self, statement: str, spec: object) -> bool:
        low = statement.lower()
        if self._has_vendor(low):
            return True
        norm = normalise(low)
        return "accountsid" in norm or "apikeysid" in norm or "apikey" in norm

    def _scope(self, line_no: int) -> str | None:
        """The nearest enclosing header: an INI ``[section]`` or a less-indented parent line."""
        line = self.line_text(line_no)
        indent = len(line) - len(line.lstrip())
        lo = max(0, line_no - _SCOPE_LINES_BACK)
        for i in range(line_no - 1, lo - 1, -1):
            t = self.line_text(i)
            stripped = t.strip()
            comment = stripped.startswith(("#", "//", ";", "--", "*", "/*", "-"))
            if not stripped or (comment and not stripped.startswith("- ")):
                continue
            m = _INI_HEADER.match(t)
            if m:
                return m.group(1)
            ind = len(t) - len(t.lstrip())
            if ind < indent:
                head = _header_name(stripped)
                if head is not None:
                    return head
                indent = ind
        return None

    def _near(self, kind: str | None, line_no: int) -> int | None:
        if kind is None:
            return None
        starts = self.line_starts()
        lo = starts[max(0, line_no - _WINDOW_LINES)]
        hi_line = line_no + _WINDOW_LINES + 1
        hi = starts[hi_line] if hi_line < len(starts) else len(self.text)
        for s, _e in self.ids.get(kind, ()):
            if lo <= s < hi:
                return s
        return None

    def _window_has_vendor(self, line_no: int) -> bool:
        starts = self.line_starts()
        lo = starts[max(0, line_no - _WINDOW_LINES)]
        hi_line = line_no + _WINDOW_LINES + 1
        hi = starts[hi_line] if hi_line < len(starts) else len(self.text)
        return self._has_vendor(self.text[lo:hi])


def _header_name(stripped: str) -> str | None:
    """The name a parent line opens: ``twilio:``, ``provider "twilio" {``, ``"twilio": {``."""
    s = stripped.rstrip("{[( \t").rstrip()
    if not s:
        return None
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
    m = _XML_OPEN_END.search(p)
    if m:
        return m.group(1), False
    # ``--auth-token VALUE`` / ``--auth-token=VALUE``
    m = re.search(r"--?([A-Za-z][\w-]*)[= ]?$", prefix.rstrip("\"'` "))
    if m and (prefix.rstrip("\"'`").endswith((" ", "=")) or prefix.endswith(m.group(0))):
        return m.group(1), False
    m = _OPERATOR.search(p)
    if not m:
        return "", False
    op = m.group(1)
    before = p[: m.start()].rstrip().rstrip("]) \t")
    q = _QUOTED_END.search(before)
    if q:
        name = q.group(2)
        if op == "," and not re.fullmatch(r"[A-Za-z_][\w.\-:]*", name):
            return "", True
        return name, False
    ident = _IDENT_END.search(before)
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
