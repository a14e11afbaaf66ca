"""Structural checks a rule can name (``check = "…"``) when a pattern alone cannot decide.

A Twilio Access Token is a JWT like any other; only its header (``cty: twilio-fpa;v=1``) makes
it Twilio's. Decoding header and payload needs no key and no network: the claims say which API
key signed it (``iss``), for which account (``sub``), what it grants and until when. An
expired token is old news (lower severity); a fresh one works for up to 24 hours.
"""

from __future__ import annotations

from collections.abc import Callable

from twscan.core.model import Severity
from twscan.core.record import Record
from twscan.core.stamp import utc_stamp

TWILIO_CTY = "twilio-fpa;v=1"


class Checked(Record):
    """What a check learnt about a match. A record, not a dataclass, and the decoding modules
    are imported only when a check runs: the commit hook imports this module on every commit
    (see :mod:`twscan.core.record`)."""

    __slots__ = ("detail", "extra", "severity")

    def __init__(
        self,
        detail: str = "",
        extra: dict[str, object] | None = None,
        severity: Severity | None = None,
    ) -> None:
        self.detail = detail
        self.extra: dict[str, object] = {} if extra is None else extra
        self.severity = severity


def _b64json(part: str) -> dict[str, object] | None:
    import base64
    import binascii
    import json

    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def twilio_access_token(token: str, now: float | None = None) -> Checked | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header = _b64json(parts[0])
    if header is None or header.get("cty") != TWILIO_CTY:
        return None  # another issuer's JWT: not a Twilio finding
    payload = _b64json(parts[1]) or {}
    exp = payload.get("exp")
    if now is None:
        import time

        now = time.time()
    expired = isinstance(exp, int | float) and exp < now
    grants = payload.get("grants")
    grant_names = sorted(k for k in grants if k != "identity") if isinstance(grants, dict) else []
    identity = grants.get("identity") if isinstance(grants, dict) else None
    extra: dict[str, object] = {
        "api_key_sid": payload.get("iss") if isinstance(payload.get("iss"), str) else None,
        "account_sid": payload.get("sub") if isinstance(payload.get("sub"), str) else None,
        "grants": grant_names,
        "identity": identity if isinstance(identity, str) else None,
        "expires_at": utc_stamp(exp) if isinstance(exp, int | float) else None,
        "expired": expired,
    }
    return Checked(
        detail="expired" if expired else "valid",
        extra=extra,
        severity=Severity.LOW if expired else None,
    )


CHECKS: dict[str, Callable[[str], Checked | None]] = {
    "twilio-access-token": twilio_access_token,
}


def run_check(name: str, value: str) -> Checked | None:
    return CHECKS[name](value)
