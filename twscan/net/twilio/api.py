"""The Twilio endpoints a takeover response touches, as plain values.

Each function is one documented operation (``shared/research/twilio-api.openapi.json``: the
2010 API on ``api.twilio.com``, Voice v1 and Accounts v1) and returns what the response needs
of the answer, checked for shape: an answer that lacks a field the plan relies on is an error,
not a guess. The secrets Twilio returns (a subaccount's ``auth_token``, a new token) live in
:class:`Account` and :class:`NewToken` only, whose ``repr`` hides them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from twscan.net.twilio.client import Credential, TwilioClient, TwilioError

ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
KEY_SID = re.compile(r"SK[0-9a-fA-F]{32}")
TRIGGER_SID = re.compile(r"UT[0-9a-fA-F]{32}")
ISO = re.compile(r"[A-Z]{2}")


@dataclass
class Account:
    sid: str
    friendly_name: str
    status: str
    type: str
    owner_sid: str
    auth_token: str = field(default="", repr=False)

    def credential(self) -> Credential:
        return Credential(self.sid, self.auth_token, self.sid)


@dataclass(frozen=True)
class Key:
    sid: str
    friendly_name: str
    date_created: str


@dataclass(frozen=True)
class Trigger:
    sid: str
    friendly_name: str
    usage_category: str
    recurring: str
    trigger_by: str
    trigger_value: str
    callback_url: str


@dataclass(frozen=True)
class VoiceCountry:
    iso_code: str
    name: str
    low_risk: bool
    high_risk_special: bool
    high_risk_tollfraud: bool

    @property
    def enabled(self) -> bool:
        return self.low_risk or self.high_risk_special or self.high_risk_tollfraud


@dataclass(frozen=True)
class NewToken:
    account_sid: str
    token: str = field(repr=False)


def _str(
    entry: dict[str, Any], name: str, what: str, pattern: re.Pattern[str] | None = None
) -> str:
    value = entry.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
        raise TwilioError(f"{what}: Twilio's answer has no valid {name!r}")
    return value


def _bool(entry: dict[str, Any], name: str, what: str) -> bool:
    value = entry.get(name)
    if not isinstance(value, bool):
        raise TwilioError(f"{what}: Twilio's answer has no true/false {name!r}")
    return value


def _account(entry: dict[str, Any]) -> Account:
    what = "account"
    return Account(
        sid=_str(entry, "sid", what, ACCOUNT_SID),
        friendly_name=_str(entry, "friendly_name", what),
        status=_str(entry, "status", what),
        type=_str(entry, "type", what),
        owner_sid=_str(entry, "owner_account_sid", what),
        auth_token=_str(entry, "auth_token", what),
    )


def fetch_account(client: TwilioClient, cred: Credential, sid: str) -> Account:
    return _account(client.call(cred, "GET", "api", f"/2010-04-01/Accounts/{sid}.json") or {})


def list_accounts(client: TwilioClient, cred: Credential) -> list[Account]:
    """The credential's account and its subaccounts (the 2010 API lists both)."""
    return [_account(e) for e in client.pages(cred, "api", "/2010-04-01/Accounts.json", "accounts")]


def list_keys(client: TwilioClient, cred: Credential, account: str) -> list[Key]:
    path = f"/2010-04-01/Accounts/{account}/Keys.json"
    return [
        Key(
            sid=_str(e, "sid", "API key", KEY_SID),
            friendly_name=_str(e, "friendly_name", "API key"),
            date_created=_str(e, "date_created", "API key"),
        )
        for e in client.pages(cred, "api", path, "keys")
    ]


def delete_key(client: TwilioClient, cred: Credential, account: str, key: str) -> bool:
    """True when deleted now, False when it was already gone (404): deleting is idempotent."""
    try:
        client.call(cred, "DELETE", "api", f"/2010-04-01/Accounts/{account}/Keys/{key}.json")
    except TwilioError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _trigger(e: dict[str, Any]) -> Trigger:
    what = "usage trigger"
    return Trigger(
        sid=_str(e, "sid", what, TRIGGER_SID),
        friendly_name=_str(e, "friendly_name", what),
        usage_category=_str(e, "usage_category", what),
        recurring=_str(e, "recurring", what),
        trigger_by=_str(e, "trigger_by", what),
        trigger_value=_str(e, "trigger_value", what),
        callback_url=_str(e, "callback_url", what),
    )


def list_triggers(client: TwilioClient, cred: Credential, account: str) -> list[Trigger]:
    path = f"/2010-04-01/Accounts/{account}/Usage/Triggers.json"
    return [_trigger(e) for e in client.pages(cred, "api", path, "usage_triggers")]


def create_trigger(
    client: TwilioClient,
    cred: Credential,
    account: str,
    *,
    value: str,
    callback_url: str,
    friendly_name: str,
) -> Trigger:
    data = [
        ("CallbackUrl", callback_url),
        ("TriggerValue", value),
        ("UsageCategory", "totalprice"),
        ("Recurring", "daily"),
        ("TriggerBy", "price"),
        ("FriendlyName", friendly_name),
    ]
    path = f"/2010-04-01/Accounts/{account}/Usage/Triggers.json"
    return _trigger(client.call(cred, "POST", "api", path, data=data) or {})


def list_voice_countries(client: TwilioClient, cred: Credential) -> list[VoiceCountry]:
    what = "voice dialing permission"
    return [
        VoiceCountry(
            iso_code=_str(e, "iso_code", what, ISO),
            name=_str(e, "name", what),
            low_risk=_bool(e, "low_risk_numbers_enabled", what),
            high_risk_special=_bool(e, "high_risk_special_numbers_enabled", what),
            high_risk_tollfraud=_bool(e, "high_risk_tollfraud_numbers_enabled", what),
        )
        for e in client.pages(cred, "voice", "/v1/DialingPermissions/Countries", "content")
    ]


#: Countries per bulk update; Twilio's limit is documented in the Console, not the API: stay small.
BULK_SIZE = 100


def update_voice_countries(
    client: TwilioClient, cred: Credential, changes: list[VoiceCountry]
) -> int:
    """Set each country's three flags as given; the number Twilio says it updated."""
    updated = 0
    for start in range(0, len(changes), BULK_SIZE):
        request = [
            {
                "iso_code": c.iso_code,
                "low_risk_numbers_enabled": c.low_risk,
                "high_risk_special_numbers_enabled": c.high_risk_special,
                "high_risk_tollfraud_numbers_enabled": c.high_risk_tollfraud,
            }
            for c in changes[start : start + BULK_SIZE]
        ]
        answer = client.call(
            cred,
            "POST",
            "voice",
            "/v1/DialingPermissions/BulkCountryUpdates",
            data=[("UpdateRequest", json.dumps(request))],
        )
        count = answer.get("update_count") if isinstance(answer, dict) else None
        updated += count if isinstance(count, int) else 0
    return updated


def messaging_permissions(client: TwilioClient, cred: Credential) -> dict[str, bool]:
    """Country code -> SMS allowed, for every country Twilio lists."""
    answer = client.call(cred, "GET", "accounts", "/v1/Messaging/GeoPermissions")
    return {p["country_code"]: p["enabled"] for p in _permissions(answer, "messaging permission")}


def update_messaging(
    client: TwilioClient, cred: Credential, changes: dict[str, bool]
) -> list[tuple[str, int, str]]:
    """Set the countries' SMS permission; what Twilio refused: (country, error code, message)."""
    data = [
        ("Permissions", json.dumps({"country_code": cc, "type": "country", "enabled": on}))
        for cc, on in sorted(changes.items())
    ]
    answer = client.call(cred, "PATCH", "accounts", "/v1/Messaging/GeoPermissions", data=data)
    refused: list[tuple[str, int, str]] = []
    for p in _permissions(answer, "messaging permission update"):
        code = p.get("error_code")
        if isinstance(code, int) and code != 0:
            msgs = p.get("error_messages")
            text = (
                "; ".join(m for m in msgs if isinstance(m, str)) if isinstance(msgs, list) else ""
            )
            refused.append((p["country_code"], code, text))
    return refused


def _permissions(answer: Any, what: str) -> list[dict[str, Any]]:
    items = answer.get("permissions") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        raise TwilioError(f"{what}: Twilio's answer holds no 'permissions' list")
    out = []
    for p in items:
        if not isinstance(p, dict):
            continue
        _str(p, "country_code", what, ISO)
        _bool(p, "enabled", what)
        out.append(p)
    return out


def create_secondary_token(client: TwilioClient, cred: Credential) -> NewToken:
    answer = client.call(cred, "POST", "accounts", "/v1/AuthTokens/Secondary") or {}
    token = _str(answer, "secondary_auth_token", "secondary Auth Token")
    if not token:
        raise TwilioError("secondary Auth Token: Twilio's answer holds no token")
    return NewToken(cred.account_sid, token)


def delete_secondary_token(client: TwilioClient, cred: Credential) -> None:
    try:
        client.call(cred, "DELETE", "accounts", "/v1/AuthTokens/Secondary")
    except TwilioError as exc:
        if exc.status != 404:
            raise


def promote_secondary_token(client: TwilioClient, cred: Credential) -> None:
    client.call(cred, "POST", "accounts", "/v1/AuthTokens/Promote")
