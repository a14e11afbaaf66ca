"""Values that have the shape of a credential but are documentation, fixtures or masks.

Twilio's own docs use ``ACxxxx…``, ``AC`` + 32 zeros and ``ACaaaa…``/``ACbbbb…`` fixtures;
tutorials use sequential digits and ``your_auth_token``. Reporting those would teach users to
ignore twscan, and a random 32-hex value essentially never looks like any of them, so these
checks cost no recall: a random body has ~14 distinct hex digits, never a short period and
never a long ascending run.
"""

from __future__ import annotations

import re

_WORDS = (
    "xxxxx", "example", "sample", "dummy", "placeholder", "redacted", "changeme", "insert",
    "replace", "yourtwilio", "yourauth", "yourapi", "yoursecret", "yourtoken", "goeshere",
    "yourkey", "secretkey", "authtoken", "apisecret",
)
_SEQ = "0123456789abcdefghijklmnopqrstuvwxyz"


def is_placeholder(value: str) -> bool:
    body = value
    if len(value) >= 34 and value[:2] in ("AC", "SK"):
        body = value[2:]
    elif value.startswith("SG."):
        body = value[3:].replace(".", "")
    low = body.lower()
    chars = set(low)
    if len(chars) < min(8, max(2, len(low) // 4)):
        return True
    if _periodic(low, 8) or _ascending_run(low) >= 8:
        return True
    # Every SID and token of a file comes through here (a CSV export: a hundred thousand), so
    # each test is a few C calls; hex rules out the words without looking for them.
    if not chars <= _HEX_CHARS and any(w in low for w in _WORDS):
        return True
    return _alternating(low) or _identifier(body)


# Compiled by ``re`` (and kept in its cache) on first use: values made only of letters are rare,
# and the commit hook imports this module on every commit.
_CAMEL_WORD = r"[A-Z]{2,}(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+"


def _identifier(value: str) -> bool:
    """``ConversationWithParticipantsList``: a 32-letter class name, not a secret, also with
    one byte glued to its front.

    A random 32-character secret has a digit in all but 0.35 % of cases and, without one,
    still never splits into CamelCase words of two letters or more. Binary data glues a byte
    to a name: Sphinx's pickled doctrees put a length byte before 31-letter class names
    (``\\x8c`` ``s`` + ``WorkersCumulativeStatisticsList``), 32 letters beside "twilio" on
    every page, 45 false findings in twilio-python's history. So the value after its first
    character counts too, and so does a name's share of capitals: about one in six, where a
    random token after its first character has no digit with probability (52/62)**31 = 0.4 %
    and then at most one capital in four with probability 0.17 %, 7 in a million.
    """
    core = value[1:]
    if not core.isalpha():  # digits (or anything else) after the first character
        return False
    if 4 * sum(c.isupper() for c in core) <= len(core):
        return True
    return any(_camel_words(v) for v in ((value, core) if value[:1].isalpha() else (core,)))


def _camel_words(value: str) -> bool:
    words = re.findall(_CAMEL_WORD, value)
    return len(words) >= 2 and all(len(w) >= 2 for w in words)


_HEX_CHARS = frozenset("0123456789abcdef")


def _periodic(s: str, max_period: int) -> bool:
    """``deadbeefdeadbeef…`` and ``abc123abc123…``; a period of up to 16 catches hex counters.

    Only a period at which the first character comes back can hold (``str.find`` finds those,
    about one in sixteen for hex), so few of the sixteen slices are compared.
    """
    n = len(s)
    hi = min(max(max_period, 16), n // 2) + 1
    first = s[:1]
    p = s.find(first, 1, hi) if first else -1
    while p > 0:
        if s[p:] == s[: n - p]:
            return True
        p = s.find(first, p + 1, hi)
    return False


def _runs(alphabet: str, n: int) -> tuple[str, ...]:
    ups = [alphabet[i : i + n] for i in range(len(alphabet) - n + 1)]
    return tuple(ups + [u[::-1] for u in ups])


# Every ascending or descending run of 8 (``12345678``, ``fedcba98``), with ``…7890`` wrapping.
_SEQ_RUNS = _runs(_SEQ, 8) + _runs("1234567890", 8)


# Each character of the sequence mapped to the one after it (and before it) in the sequence;
# any other byte to 0xFF, which no ASCII character equals.
_NEXT = bytes(
    ord(_SEQ[_SEQ.index(chr(b)) + 1]) if chr(b) in _SEQ[:-1] else 0xFF for b in range(256)
)
_PREV = bytes(ord(_SEQ[_SEQ.index(chr(b)) - 1]) if chr(b) in _SEQ[1:] else 0xFF for b in range(256))
_SEVEN = bytes(7)


def _ascending_run(s: str) -> int:
    """8 when the value holds a run of eight consecutive characters, else 1 (a fast test).

    For ASCII: each byte is compared with the successor (predecessor) of the one before it in
    one XOR of the two as integers; seven equal bytes in a row are a run of eight.
    """
    if len(s) < 8:
        return 1
    if not s.isascii():
        return 8 if any(r in s for r in _SEQ_RUNS) else 1
    if "34567890" in s or "09876543" in s:  # the runs that wrap 9 to 0
        return 8
    b = s.encode("ascii")
    head, tail = b[:-1], int.from_bytes(b[1:], "big")
    n = len(head)
    for table in (_NEXT, _PREV):
        diff = int.from_bytes(head.translate(table), "big") ^ tail
        if _SEVEN in diff.to_bytes(n, "big"):
            return 8
    return 1


_ALTERNATING: list[re.Pattern[str]] = []


def _alternating(s: str) -> bool:
    """``a1b2c3d4…``: strictly alternating letters and digits over the whole value."""
    if len(s) < 16:
        return False
    if s.isascii():  # an ASCII digit is 0-9: one regex match instead of a loop
        if not _ALTERNATING:
            _ALTERNATING.append(re.compile(r"[0-9]?(?:[^0-9][0-9])*[^0-9]?"))
        return _ALTERNATING[0].fullmatch(s) is not None
    kinds = [c.isdigit() for c in s]
    return all(kinds[i] != kinds[i + 1] for i in range(len(kinds) - 1))
