"""Structural checks a rule can name (``check = "…"``) when a pattern alone cannot decide.

A Twilio Access Token is a JWT like any other; only its header (``cty: twilio-fpa;v=1``) makes
it Twilio's. Decoding header and payload needs no key and no network: the claims say which API
key signed it (``iss``), for which account (``sub``), what it grants and until when. An
expired token is old news (lower severity); a fresh one works for up to 24 hours.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from twscan.model import Severity

TWILIO_CTY = "twilio-fpa;v=1"


@dataclass
class Checked:
    detail: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    severity: Severity | None = None


def _b64json(part: str) -> dict[str, object] | None:
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
    now = time.time() if now is None else now
    expired = isinstance(exp, int | float) and exp < now
    grants = payload.get("grants")
    grant_names = sorted(k for k in grants if k != "identity") if isinstance(grants, dict) else []
    identity = grants.get("identity") if isinstance(grants, dict) else None
    extra: dict[str, object] = {
        "api_key_sid": payload.get("iss") if isinstance(payload.get("iss"), str) else None,
        "account_sid": payload.get("sub") if isinstance(payload.get("sub"), str) else None,
        "grants": grant_names,
        "identity": identity if isinstance(identity, str) else None,
        "expires_at": _iso(exp) if isinstance(exp, int | float) else None,
        "expired": expired,
    }
    return Checked(
        detail="expired" if expired else "valid",
        extra=extra,
        severity=Severity.LOW if expired else None,
    )


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


CHECKS: dict[str, Callable[[str], Checked | None]] = {
    "twilio-access-token": twilio_access_token,
}


def run_check(name: str, value: str) -> Checked | None:
    return CHECKS[name](value)
