"""Values that have the shape of a credential but are documentation, fixtures or masks.

Twilio's own docs use ``ACxxxx…``, ``AC`` + 32 zeros and ``ACaaaa…``/``ACbbbb…`` fixtures;
tutorials use sequential digits and ``your_auth_token``. Reporting those would teach users to
ignore twscan, and a random 32-hex value essentially never looks like any of them, so these
checks cost no recall: a random body has ~14 distinct hex digits, never a short period and
never a long ascending run.
"""

from __future__ import annotations

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
    if len(set(low)) < min(8, max(2, len(low) // 4)):
        return True
    if _periodic(low, 8) or _ascending_run(low) >= 8:
        return True
    if any(w in low for w in _WORDS) and not _is_hex(low):
        return True
    return _alternating(low)


def _is_hex(s: str) -> bool:
    return all(c in "0123456789abcdef" for c in s)


def _periodic(s: str, max_period: int) -> bool:
    """``deadbeefdeadbeef…`` and ``abc123abc123…``; a period of up to 16 catches hex counters."""
    n = len(s)
    for p in range(1, min(max(max_period, 16), n // 2) + 1):
        if all(s[i] == s[i - p] for i in range(p, n)):
            return True
    return False


def _ascending_run(s: str) -> int:
    """Longest run stepping by +1 (``123456789`` and ``1234567890``) or by -1 throughout."""
    best = 1
    for step in (1, -1):
        run = 1
        for a, b in zip(s, s[1:], strict=False):
            ia, ib = _SEQ.find(a), _SEQ.find(b)
            if ia >= 0 and ib >= 0 and (ib - ia == step or (step == 1 and a == "9" and b == "0")):
                run += 1
                best = max(best, run)
            else:
                run = 1
    return best


def _alternating(s: str) -> bool:
    """``a1b2c3d4…``: strictly alternating letters and digits over the whole value."""
    if len(s) < 16:
        return False
    kinds = [c.isdigit() for c in s]
    return all(kinds[i] != kinds[i + 1] for i in range(len(kinds) - 1))
