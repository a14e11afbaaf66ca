"""Fresh fake credentials for tests: random at run time, never literals in the repository."""

from __future__ import annotations

import secrets
import string

_ALNUM = string.ascii_letters + string.digits
_SG = string.ascii_letters + string.digits + "_-"


def account_sid() -> str:
    return "AC" + secrets.token_hex(16)


def api_key_sid() -> str:
    return "SK" + secrets.token_hex(16)


def auth_token() -> str:
    return secrets.token_hex(16)


def api_secret() -> str:
    while True:
        v = "".join(secrets.choice(_ALNUM) for _ in range(32))
        if any(c.isupper() for c in v) and any(c.islower() for c in v) and any(c.isdigit() for c in v):
            return v


def sendgrid_key() -> str:
    def part(n: int) -> str:
        return "".join(secrets.choice(_SG) for _ in range(n))

    return f"SG.{part(22)}.{part(43)}"


def resource_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)
