"""The credential ``twscan respond`` acts with: from the environment, a file or a prompt.

Never from the command line, which lands in shell history and in every process listing. The
shapes are checked before anything is sent, so a mistyped variable fails here with its name,
not at Twilio with a 401 that could mean anything.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from twscan.core.errors import TwscanError
from twscan.core.safeio import read_capped
from twscan.net.twilio.api import ACCOUNT_SID, KEY_SID
from twscan.net.twilio.client import Credential

AUTH_TOKEN = re.compile(r"[0-9a-fA-F]{32}")
#: An API key secret is 32 characters of letters and digits.
KEY_SECRET = re.compile(r"[0-9A-Za-z]{32}")
NAMES = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET")


def from_mapping(values: Mapping[str, str], where: str) -> Credential | None:
    """The credential in ``values`` (the four variable names), or None when there is none."""
    sid = values.get("TWILIO_ACCOUNT_SID", "").strip()
    token = values.get("TWILIO_AUTH_TOKEN", "").strip()
    key = values.get("TWILIO_API_KEY", "").strip()
    secret = values.get("TWILIO_API_SECRET", "").strip()
    if not (sid or token or key or secret):
        return None
    if not ACCOUNT_SID.fullmatch(sid):
        raise TwscanError(
            f"{where}: TWILIO_ACCOUNT_SID must be the Account SID to act for (AC and 32 hex "
            "digits)" + (" and is missing" if not sid else "")
        )
    if key or secret:
        if not KEY_SID.fullmatch(key):
            raise TwscanError(
                f"{where}: TWILIO_API_KEY must be an API key SID (SK and 32 hex digits)"
            )
        if not KEY_SECRET.fullmatch(secret):
            raise TwscanError(f"{where}: TWILIO_API_SECRET must be the key's 32-character secret")
        return Credential(key, secret, sid)
    if not AUTH_TOKEN.fullmatch(token):
        raise TwscanError(
            f"{where}: TWILIO_AUTH_TOKEN must be the account's Auth Token (32 hex digits), or "
            "set TWILIO_API_KEY and TWILIO_API_SECRET instead"
        )
    return Credential(sid, token, sid)


def parse_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (``export`` and quotes allowed, ``#`` comments), like a ``.env``."""
    text = read_capped(path, "credentials file").decode("utf-8", "replace")
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name.strip() in NAMES:
            values[name.strip()] = value
    return values


def acting_credential(credentials_file: str | None, *, interactive: bool) -> Credential:
    """From ``--credentials-file``, else the environment, else a prompt on the terminal."""
    if credentials_file:
        path = Path(credentials_file)
        try:
            cred = from_mapping(parse_file(path), str(path))
        except FileNotFoundError:
            raise TwscanError(f"credentials file not found: {path}") from None
        if cred is None:
            raise TwscanError(f"{path}: no TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN in it")
        return cred
    cred = from_mapping(os.environ, "environment")
    if cred is not None:
        return cred
    if not interactive:
        raise TwscanError(
            "no credential to act with: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or "
            "TWILIO_API_KEY and TWILIO_API_SECRET), or pass --credentials-file FILE"
        )
    return _prompt()


def _prompt() -> Credential:
    import getpass

    sys.stderr.write("Credential to act with (input is not echoed for secrets).\n")
    sid = input("Account SID (AC…): ").strip()
    user = input("API key SID (SK…), or Enter to use the Auth Token: ").strip()
    if user:
        secret = getpass.getpass("API key secret: ").strip()
        found = from_mapping(
            {"TWILIO_ACCOUNT_SID": sid, "TWILIO_API_KEY": user, "TWILIO_API_SECRET": secret},
            "prompt",
        )
    else:
        token = getpass.getpass("Auth Token: ").strip()
        found = from_mapping({"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": token}, "prompt")
    assert found is not None
    return found
