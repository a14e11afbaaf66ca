"""A stand-in Twilio on 127.0.0.1 for ``twscan respond``: every host's API on one base URL.

It serves the operations of ``shared/research/twilio-api.openapi.json`` (api.twilio.com 2010,
accounts.twilio.com v1, voice.twilio.com v1, verify.twilio.com v2; their paths do not collide,
so one base stands for all, as ``--twilio-api-base`` does) with Twilio's behaviour where it
matters to an incident response: Basic auth by Account SID + primary or secondary token or by
API key + secret, a parent account's reach into its subaccounts, 404 (not 403) for accounts you
cannot see, test credentials refused with 20008, both pagings (v2010 ``next_page_uri``, v1
``meta``), token rotation, key deletion, usage triggers, voice and messaging permissions.

Every request is checked with :meth:`Spec.check_request` and every answer with
:meth:`Spec.check_response`; problems land in :attr:`FakeTwilio.violations`, which a test asserts
empty, so the stand-in cannot drift from Twilio's published descriptions and the product cannot
send what Twilio would refuse. State is plain data a test reads directly. No credential literal
lives here: SIDs, tokens and secrets are made at run time.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import json
import re
import secrets
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fake_github import _FakeServer
from tests.twilio_openapi import Op, Spec, check_error, load
from twscan.core.stamp import utc_stamp

FOREIGN = "http://127.0.0.2:9"

_ERRORS: dict[int, tuple[int, str]] = {
    400: (20001, "Missing required parameter"),
    401: (20003, "Authenticate"),
    403: (20403, "Forbidden"),
    404: (20404, "The requested resource was not found"),
    405: (20004, "Method not allowed"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}

# name, continent, country codes: the voice table of :meth:`FakeTwilio.incident`.
COUNTRIES: dict[str, tuple[str, str, list[str]]] = {
    "US": ("United States/Canada", "NORTH_AMERICA", ["+1"]),
    "CA": ("Canada", "NORTH_AMERICA", ["+1"]),
    "GB": ("United Kingdom", "EUROPE", ["+44"]),
    "DE": ("Germany", "EUROPE", ["+49"]),
    "IN": ("India", "ASIA", ["+91"]),
    "NG": ("Nigeria", "AFRICA", ["+234"]),
    "CU": ("Cuba", "NORTH_AMERICA", ["+53"]),
    "KP": ("North Korea", "ASIA", ["+850"]),
}
_HIGH_RISK = {"GB", "NG", "CU", "KP"}  # high-risk special numbers enabled in the incident
_TOLL_FRAUD = {"NG", "CU", "KP", "IN"}  # toll-fraud numbers enabled in the incident


def _hex_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _now_rfc2822() -> str:
    return email.utils.format_datetime(datetime.now(UTC).replace(microsecond=0))


@dataclass
class Account:
    sid: str
    auth_token: str
    owner_sid: str
    friendly_name: str
    secondary_token: str | None = None
    status: str = "active"
    type: str = "Full"


@dataclass
class Key:
    sid: str
    secret: str
    friendly_name: str
    account_sid: str


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    auth_user: str | None  # the Basic-auth username only, never the password
    host: str | None  # the Host header the client sent
    status: int = 0  # what was answered; 0 while held or never answered (a "hang")


@dataclass
class Fault:
    method: str  # upper case, or "*" for any
    path_regex: str
    kind: str
    times: int = 1
    skip: int = 0
    retry_after: int | None = None
    location: str | None = None
    seen: int = 0  # matching requests so far

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and re.search(self.path_regex, path) is not None


FAULT_KINDS = ("429", "500", "503", "401", "403", "404", "hang", "redirect", "foreign-next-page")


class TwilioError(Exception):
    """An answer in Twilio's error shape; ``violation``: the caller broke the published rules."""

    def __init__(self, status: int, code: int, message: str, *, violation: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.violation = status, code, message, violation


def error_body(status: int, code: int | None = None, message: str | None = None) -> dict[str, Any]:
    dcode, dmessage = _ERRORS.get(status, (20500, "Error"))
    code = dcode if code is None else code
    return {
        "code": code,
        "message": dmessage if message is None else message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


_P = dict[str, str]  # path parameters
_Q = dict[str, list[str]]  # query or form fields


@dataclass
class _Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeTwilio(_FakeServer):
    """Twilio's REST API, as much of it as an account-takeover response touches."""

    def __init__(self, *, page_size: int = 2, max_page_size: int | None = None) -> None:
        super().__init__()
        self.spec: Spec = load()
        self.page_size = page_size
        # A client's PageSize is honoured up to this (default: page_size, so paging always runs).
        self.max_page_size = page_size if max_page_size is None else max_page_size
        self.accounts: dict[str, Account] = {}
        self.keys: dict[str, Key] = {}
        self.triggers: dict[str, list[dict[str, Any]]] = {}
        self.voice: dict[str, dict[str, dict[str, Any]]] = {}
        self.messaging: dict[str, dict[str, bool]] = {}
        self.high_risk_messaging: set[str] = set()
        self.test_credentials: dict[str, str] = {}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.created = _now_rfc2822()
        self.lock = threading.RLock()

    # -- set-up -----------------------------------------------------------------------------------

    def add_account(
        self, *, owner: str | None = None, friendly_name: str = "My account"
    ) -> Account:
        sid = _hex_sid("AC")
        acct = Account(sid, secrets.token_hex(16), owner or sid, friendly_name)
        self.accounts[sid] = acct
        self.triggers.setdefault(sid, [])
        self.voice.setdefault(sid, {})
        self.messaging.setdefault(sid, {})
        return acct

    def add_key(self, account_sid: str, friendly_name: str = "deploy key") -> Key:
        alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        secret = "".join(secrets.choice(alnum) for _ in range(32))
        key = Key(_hex_sid("SK"), secret, friendly_name, account_sid)
        self.keys[key.sid] = key
        return key

    def add_test_credentials(self) -> tuple[str, str]:
        """A test Account SID and its test token (every endpoint refuses them with 20008)."""
        sid, token = _hex_sid("AC"), secrets.token_hex(16)
        self.test_credentials[sid] = token
        return sid, token

    def add_countries(self, account_sid: str, isos: list[str] | None = None) -> None:
        """Voice and messaging tables for ``account_sid``: the incident's risky defaults."""
        for iso in isos or list(COUNTRIES):
            name, continent, codes = COUNTRIES[iso]
            self.voice[account_sid][iso] = {
                "iso_code": iso,
                "name": name,
                "continent": continent,
                "country_codes": list(codes),
                "low_risk_numbers_enabled": True,
                "high_risk_special_numbers_enabled": iso in _HIGH_RISK,
                "high_risk_tollfraud_numbers_enabled": iso in _TOLL_FRAUD,
            }
            self.messaging[account_sid][iso] = True

    def fault(
        self,
        method: str,
        path_regex: str,
        kind: str,
        *,
        times: int = 1,
        skip: int = 0,
        retry_after: int | None = None,
        location: str | None = None,
    ) -> None:
        """Misanswer ``times`` requests matching ``method`` ("*": any) and ``path_regex``.

        The first ``skip`` matching requests are answered normally (a failure halfway).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind}")
        self.faults.append(
            Fault(method.upper(), path_regex, kind, times, skip, retry_after, location)
        )

    @classmethod
    def incident(cls, *, subaccounts: int = 2, keys: int = 5, page_size: int = 2) -> FakeTwilio:
        """The judged scenario: a main account with subaccounts, keys and toll-fraud exposure."""
        fake = cls(page_size=page_size)
        main = fake.add_account(friendly_name="Main account")
        fake.add_countries(main.sid)
        for i in range(keys):
            fake.add_key(main.sid, f"key {i + 1}")
        for i in range(subaccounts):
            sub = fake.add_account(owner=main.sid, friendly_name=f"Subaccount {i + 1}")
            fake.add_countries(sub.sid)
            for j in range(2):
                fake.add_key(sub.sid, f"sub {i + 1} key {j + 1}")
        return fake

    # -- views --------------------------------------------------------------------------------------

    @property
    def main(self) -> Account:
        """The first main account (owner of itself)."""
        return next(a for a in self.accounts.values() if a.owner_sid == a.sid)

    def subaccounts(self, owner: str) -> list[Account]:
        return [a for a in self.accounts.values() if a.owner_sid == owner and a.sid != owner]

    def keys_of(self, account_sid: str) -> list[Key]:
        return [k for k in self.keys.values() if k.account_sid == account_sid]

    @property
    def base(self) -> str:
        return self.web

    # -- serving (``running()`` is the shared one of tests/fake_github.py) ----------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(h.path)
        path = parts.path
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        form: dict[str, list[str]] = {}
        with self.lock:
            if raw:
                if ctype == "application/x-www-form-urlencoded":
                    form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), True)
                else:
                    self.violations.append(f"{h.command} {path}: body sent as {ctype or 'nothing'}")
            user, password = _basic(h.headers.get("Authorization"))
            rec = Recorded(h.command, path, query, form, user, h.headers.get("Host"))
            self.requests.append(rec)
            fault = self._take_fault(h.command, path)
        if fault is not None and fault.kind == "hang":
            if self._stop.wait(30):  # the server stops: the answer never comes
                h.close_connection = True
                return
            fault = None  # 30 s passed: the held request is answered as usual
        with self.lock:
            answer, op = self._answer(h.command, path, query, form, user, password, fault)
            rec.status = answer.status
            if fault is None or fault.kind not in ("redirect",):
                if op is None:
                    problems = check_error(answer.status, answer.body)
                else:
                    problems = self.spec.check_response(h.command, path, answer.status, answer.body)
                self.violations += [f"answer to {h.command} {path}: {p}" for p in problems]
        self._send(h, answer)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for f in self.faults:
            if f.times > 0 and f.matches(method, path):
                f.seen += 1
                if f.seen <= f.skip:
                    continue
                f.times -= 1
                return f
        return None

    def _send(self, h: BaseHTTPRequestHandler, a: _Answer) -> None:
        data = b"" if a.body is None else json.dumps(a.body).encode()
        try:
            h.send_response(a.status)
            for k, v in a.headers.items():
                h.send_header(k, v)
            if a.body is not None:
                h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        form: dict[str, list[str]],
        user: str | None,
        password: str | None,
        fault: Fault | None,
    ) -> tuple[_Answer, Op | None]:
        try:
            op: Op | None = self.spec.operation(method, path)
        except KeyError:
            op = None
        if fault is not None and fault.kind == "redirect":
            return _Answer(302, None, {"Location": fault.location or f"{FOREIGN}/elsewhere"}), op
        if fault is not None and fault.kind != "foreign-next-page":
            status = int(fault.kind)
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            return _Answer(status, error_body(status), headers), op
        if op is None:
            known = self.spec.path_known(path)
            self.violations.append(f"{method} {path}: not an operation in Twilio's OpenAPI")
            status = 405 if known else 404
            return _Answer(status, error_body(status)), None
        problems = self.spec.check_request(method, path, query, form)
        self.violations += [f"request {method} {path}: {p}" for p in problems]
        try:
            acting = self._authenticate(user, password)
            if problems:
                path_bad = any(" path " in p for p in problems)
                if path_bad:
                    raise TwilioError(404, 20404, error_body(404)["message"])
                raise TwilioError(400, 20001, problems[0])
            handler: Callable[..., _Answer] = getattr(self, "_op_" + op.operation_id)
            answer = handler(acting, op.path_params(path), query, form)
        except TwilioError as e:
            if e.violation:
                self.violations.append(f"request {method} {path}: {e.message}")
            return _Answer(e.status, error_body(e.status, e.code, e.message)), op
        if (
            fault is not None
            and fault.kind == "foreign-next-page"
            and isinstance(answer.body, dict)
        ):
            _point_next_elsewhere(answer.body, path)
        return answer, op

    # -- auth -------------------------------------------------------------------------------------

    def _authenticate(self, user: str | None, password: str | None) -> Account:
        """The account a credential acts for; TwilioError 401/403 otherwise."""
        if user is None or password is None:
            raise TwilioError(401, 20003, "Authenticate")
        if user in self.test_credentials and secrets.compare_digest(
            self.test_credentials[user], password
        ):
            raise TwilioError(403, 20008, "Resource not accessible with Test Account Credentials")
        acct = self.accounts.get(user)
        if acct is not None and acct.status != "closed":
            tokens = [acct.auth_token] + ([acct.secondary_token] if acct.secondary_token else [])
            if any(secrets.compare_digest(t, password) for t in tokens):
                return acct
        key = self.keys.get(user)
        if key is not None and secrets.compare_digest(key.secret, password):
            owner = self.accounts.get(key.account_sid)
            if owner is not None and owner.status != "closed":
                return owner
        raise TwilioError(401, 20003, "Authenticate")

    def _visible(self, acting: Account, sid: str) -> Account:
        """The account at ``sid`` in a 2010 path, if ``acting`` may see it; else 404 (as Twilio)."""
        acct = self.accounts.get(sid)
        if acct is None or (acct.sid != acting.sid and acct.owner_sid != acting.sid):
            raise TwilioError(404, 20404, error_body(404)["message"])
        return acct

    # -- paging -------------------------------------------------------------------------------------

    def _window(self, query: dict[str, list[str]], items: list[Any]) -> tuple[int, int, list[Any]]:
        size = int(query.get("PageSize", [str(self.page_size)])[0])
        size = max(1, min(size, self.max_page_size))
        page = int(query.get("Page", ["0"])[0])
        return page, size, items[page * size : (page + 1) * size]

    def _page_2010(
        self, path: str, query: dict[str, list[str]], key: str, items: list[Any]
    ) -> dict[str, Any]:
        page, size, chunk = self._window(query, items)
        filters = [
            (k, v[0]) for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")
        ]

        def uri(p: int, token: bool = False) -> str:
            q = [*filters, ("PageSize", str(size)), ("Page", str(p))]
            if token:
                q.append(("PageToken", f"PA{p * size}"))
            return f"{path}?{urllib.parse.urlencode(q)}"

        more = (page + 1) * size < len(items)
        start = page * size
        return {
            key: chunk,
            "page": page,
            "page_size": size,
            "start": start,
            "end": start + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0),
            "uri": uri(page),
            "next_page_uri": uri(page + 1, True) if more else None,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
        }

    def _page_v1(
        self, path: str, query: dict[str, list[str]], key: str, items: list[Any]
    ) -> dict[str, Any]:
        page, size, chunk = self._window(query, items)
        filters = [
            (k, v[0]) for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")
        ]

        def url(p: int, token: bool = False) -> str:
            q = [*filters, ("PageSize", str(size)), ("Page", str(p))]
            if token:
                q.append(("PageToken", f"PA{p * size}"))
            return f"{self.base}{path}?{urllib.parse.urlencode(q)}"

        more = (page + 1) * size < len(items)
        return {
            key: chunk,
            "meta": {
                "page": page,
                "page_size": size,
                "first_page_url": url(0),
                "previous_page_url": url(page - 1) if page > 0 else None,
                "url": url(page),
                "next_page_url": url(page + 1, True) if more else None,
                "key": key,
            },
        }

    # -- resources ----------------------------------------------------------------------------------

    def _account_json(self, a: Account) -> dict[str, Any]:
        uri = f"/2010-04-01/Accounts/{a.sid}"
        return {
            "auth_token": a.auth_token,
            "date_created": self.created,
            "date_updated": self.created,
            "friendly_name": a.friendly_name,
            "owner_account_sid": a.owner_sid,
            "sid": a.sid,
            "status": a.status,
            "subresource_uris": {
                "keys": f"{uri}/Keys.json",
                "signing_keys": f"{uri}/SigningKeys.json",
                "usage": f"{uri}/Usage.json",
            },
            "type": a.type,
            "uri": f"{uri}.json",
        }

    def _key_json(self, k: Key) -> dict[str, Any]:
        return {
            "sid": k.sid,
            "friendly_name": k.friendly_name,
            "date_created": self.created,
            "date_updated": self.created,
        }

    def _country_json(self, c: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/v1/DialingPermissions/Countries/{c['iso_code']}"
        return {
            **c,
            "url": url,
            "links": {"highrisk_special_prefixes": f"{url}/HighRiskSpecialPrefixes"},
        }

    def _key(self, acting: Account, params: dict[str, str]) -> Key:
        acct = self._visible(acting, params["AccountSid"])
        key = self.keys.get(params["Sid"])
        if key is None or key.account_sid != acct.sid:
            raise TwilioError(404, 20404, error_body(404)["message"])
        return key

    def _trigger(self, acting: Account, params: dict[str, str]) -> dict[str, Any]:
        acct = self._visible(acting, params["AccountSid"])
        for t in self.triggers.get(acct.sid, []):
            if t["sid"] == params["Sid"]:
                return t
        raise TwilioError(404, 20404, error_body(404)["message"])

    # Each _op_<operationId> takes (acting account, path params, query, form).

    def _op_ListAccount(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        accounts = (
            [acting, *self.subaccounts(acting.sid)] if acting.owner_sid == acting.sid else [acting]
        )
        if "FriendlyName" in q:
            accounts = [a for a in accounts if a.friendly_name == q["FriendlyName"][0]]
        if "Status" in q:
            accounts = [a for a in accounts if a.status == q["Status"][0]]
        items = [self._account_json(a) for a in accounts]
        return _Answer(200, self._page_2010("/2010-04-01/Accounts.json", q, "accounts", items))

    def _op_CreateAccount(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        if acting.owner_sid != acting.sid:
            raise TwilioError(403, 20403, "Subaccounts cannot create subaccounts")
        sub = self.add_account(owner=acting.sid, friendly_name=f.get("FriendlyName", ["Sub"])[0])
        return _Answer(201, self._account_json(sub))

    def _op_FetchAccount(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        return _Answer(200, self._account_json(self._visible(acting, p["Sid"])))

    def _op_UpdateAccount(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acct = self._visible(acting, p["Sid"])
        if "FriendlyName" in f:
            acct.friendly_name = f["FriendlyName"][0]
        if "Status" in f:
            acct.status = f["Status"][0]
        return _Answer(200, self._account_json(acct))

    def _op_ListKey(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acct = self._visible(acting, p["AccountSid"])
        items = [self._key_json(k) for k in self.keys_of(acct.sid)]
        path = f"/2010-04-01/Accounts/{acct.sid}/Keys.json"
        return _Answer(200, self._page_2010(path, q, "keys", items))

    def _op_CreateNewKey(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acct = self._visible(acting, p["AccountSid"])
        key = self.add_key(acct.sid, f.get("FriendlyName", [""])[0])
        return _Answer(201, {**self._key_json(key), "secret": key.secret})

    def _op_FetchKey(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        return _Answer(200, self._key_json(self._key(acting, p)))

    def _op_UpdateKey(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        key = self._key(acting, p)
        if "FriendlyName" in f:
            key.friendly_name = f["FriendlyName"][0]
        return _Answer(200, self._key_json(key))

    def _op_DeleteKey(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        del self.keys[self._key(acting, p).sid]
        return _Answer(204)

    def _op_ListUsageTrigger(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acct = self._visible(acting, p["AccountSid"])
        items = self.triggers.get(acct.sid, [])
        for name, field_ in (
            ("Recurring", "recurring"),
            ("TriggerBy", "trigger_by"),
            ("UsageCategory", "usage_category"),
        ):
            if name in q:
                items = [t for t in items if t[field_] == q[name][0]]
        path = f"/2010-04-01/Accounts/{acct.sid}/Usage/Triggers.json"
        return _Answer(200, self._page_2010(path, q, "usage_triggers", list(items)))

    def _op_CreateUsageTrigger(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acct = self._visible(acting, p["AccountSid"])
        sid = _hex_sid("UT")
        category = f["UsageCategory"][0]
        base = f"/2010-04-01/Accounts/{acct.sid}"
        trigger = {
            "account_sid": acct.sid,
            "api_version": "2010-04-01",
            "callback_method": f.get("CallbackMethod", ["POST"])[0],
            "callback_url": f["CallbackUrl"][0],
            "current_value": "0",
            "date_created": _now_rfc2822(),
            "date_fired": None,
            "date_updated": _now_rfc2822(),
            "friendly_name": f.get("FriendlyName", [""])[0],
            "recurring": f.get("Recurring", ["alltime"])[0],
            "sid": sid,
            "trigger_by": f.get("TriggerBy", ["usage"])[0],
            "trigger_value": f["TriggerValue"][0],
            "uri": f"{base}/Usage/Triggers/{sid}.json",
            "usage_category": category,
            "usage_record_uri": f"{base}/Usage/Records.json?Category={category}",
        }
        self.triggers.setdefault(acct.sid, []).append(trigger)
        return _Answer(201, dict(trigger))

    def _op_FetchUsageTrigger(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        return _Answer(200, dict(self._trigger(acting, p)))

    def _op_UpdateUsageTrigger(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        t = self._trigger(acting, p)
        for name, field_ in (
            ("CallbackMethod", "callback_method"),
            ("CallbackUrl", "callback_url"),
            ("FriendlyName", "friendly_name"),
        ):
            if name in f:
                t[field_] = f[name][0]
        t["date_updated"] = _now_rfc2822()
        return _Answer(200, dict(t))

    def _op_DeleteUsageTrigger(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        t = self._trigger(acting, p)
        self.triggers[t["account_sid"]].remove(t)
        return _Answer(204)

    def _op_ListSigningKey(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acct = self._visible(acting, p["AccountSid"])
        path = f"/2010-04-01/Accounts/{acct.sid}/SigningKeys.json"
        return _Answer(200, self._page_2010(path, q, "signing_keys", []))

    # accounts.twilio.com: the authenticated account itself.

    def _token_json(self, acct: Account, which: str) -> dict[str, Any]:
        now = utc_stamp()
        return {"account_sid": acct.sid, "date_created": now, "date_updated": now, "url": which}

    def _op_CreateSecondaryAuthToken(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acting.secondary_token = secrets.token_hex(16)
        body = self._token_json(acting, f"{self.base}/v1/AuthTokens/Secondary")
        return _Answer(201, {**body, "secondary_auth_token": acting.secondary_token})

    def _op_DeleteSecondaryAuthToken(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        acting.secondary_token = None
        return _Answer(204)

    def _op_UpdateAuthTokenPromotion(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        if acting.secondary_token is None:
            raise TwilioError(400, 20001, "No secondary Auth Token to promote")
        acting.auth_token, acting.secondary_token = acting.secondary_token, None
        body = self._token_json(acting, f"{self.base}/v1/AuthTokens/Promote")
        return _Answer(200, {**body, "auth_token": acting.auth_token})

    def _op_FetchMessagingGeopermissions(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        table = self.messaging.get(acting.sid, {})
        wanted = None
        if "CountryCode" in q:
            wanted = {c.strip() for c in q["CountryCode"][0].split(",") if c.strip()}
        perms = [
            {"country_code": cc, "type": "country", "enabled": on}
            for cc, on in table.items()
            if wanted is None or cc in wanted
        ]
        return _Answer(200, {"permissions": perms})

    def _op_UpdateMessagingGeopermissions(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        table = self.messaging.setdefault(acting.sid, {})
        changes = []
        for raw in f["Permissions"]:
            item = _json_object(raw, "Permissions")
            cc, enabled = item.get("country_code"), item.get("enabled")
            if (
                not isinstance(cc, str)
                or item.get("type") != "country"
                or not isinstance(enabled, bool)
                or set(item) - {"country_code", "type", "enabled"}
            ):
                raise TwilioError(400, 20001, f"Invalid Permissions value {raw!r}", violation=True)
            if cc not in table:
                raise TwilioError(400, 20001, f"Unknown country code {cc}", violation=True)
            changes.append((cc, enabled))
        results = []
        for cc, enabled in changes:
            if cc in self.high_risk_messaging:
                results.append(
                    {
                        "country_code": cc,
                        "type": "country",
                        "enabled": table[cc],
                        "error_code": 30649,
                        "error_messages": ["High risk country permission cannot be updated"],
                    }
                )
                continue
            table[cc] = enabled
            results.append(
                {
                    "country_code": cc,
                    "type": "country",
                    "enabled": enabled,
                    "error_code": 0,
                    "error_messages": [],
                }
            )
        return _Answer(200, {"permissions": results})

    # voice.twilio.com: the authenticated account itself.

    def _op_ListDialingPermissionsCountry(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        rows = list(self.voice.get(acting.sid, {}).values())
        for name, field_ in (
            ("IsoCode", "iso_code"),
            ("Continent", "continent"),
        ):
            if name in q:
                rows = [r for r in rows if r[field_] == q[name][0]]
        if "CountryCode" in q:
            rows = [r for r in rows if q["CountryCode"][0] in r["country_codes"]]
        for name, field_ in (
            ("LowRiskNumbersEnabled", "low_risk_numbers_enabled"),
            ("HighRiskSpecialNumbersEnabled", "high_risk_special_numbers_enabled"),
            ("HighRiskTollfraudNumbersEnabled", "high_risk_tollfraud_numbers_enabled"),
        ):
            if name in q:
                rows = [r for r in rows if r[field_] == (q[name][0] == "true")]
        items = [self._country_json(r) for r in rows]
        return _Answer(200, self._page_v1("/v1/DialingPermissions/Countries", q, "content", items))

    def _op_FetchDialingPermissionsCountry(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        row = self.voice.get(acting.sid, {}).get(p["IsoCode"])
        if row is None:
            raise TwilioError(404, 20404, error_body(404)["message"])
        return _Answer(200, self._country_json(row))

    def _op_ListDialingPermissionsHrsPrefixes(
        self, acting: Account, p: _P, q: _Q, f: _Q
    ) -> _Answer:
        if p["IsoCode"] not in self.voice.get(acting.sid, {}):
            raise TwilioError(404, 20404, error_body(404)["message"])
        path = f"/v1/DialingPermissions/Countries/{p['IsoCode']}/HighRiskSpecialPrefixes"
        return _Answer(200, self._page_v1(path, q, "content", []))

    def _op_CreateDialingPermissionsCountryBulkUpdate(
        self, acting: Account, p: _P, q: _Q, f: _Q
    ) -> _Answer:
        raw = f["UpdateRequest"][0]
        try:
            updates = json.loads(raw)
        except ValueError:
            raise TwilioError(400, 20001, "UpdateRequest is not JSON", violation=True) from None
        if not isinstance(updates, list) or not updates:
            raise TwilioError(400, 20001, "UpdateRequest must be a non-empty list", violation=True)
        table = self.voice.setdefault(acting.sid, {})
        planned: list[tuple[str, dict[str, bool]]] = []
        for u in updates:
            if not isinstance(u, dict) or u.get("iso_code") not in table:
                raise TwilioError(400, 20001, f"Invalid update {u!r}", violation=True)
            planned.append((u["iso_code"], _bulk_flags(u)))
        for iso, flags in planned:
            table[iso].update(flags)
        return _Answer(201, {"update_count": len(planned), "update_request": raw})

    # verify.twilio.com

    def _op_ListService(self, acting: Account, p: _P, q: _Q, f: _Q) -> _Answer:
        return _Answer(200, self._page_v1("/v2/Services", q, "services", []))


_BULK_FIELDS = {
    # the brief's booleans, and the "Enabled"/"Disabled" strings of Twilio's own example
    "low_risk_numbers_enabled": "low_risk_numbers_enabled",
    "high_risk_special_numbers_enabled": "high_risk_special_numbers_enabled",
    "high_risk_tollfraud_numbers_enabled": "high_risk_tollfraud_numbers_enabled",
    "low_risk_numbers": "low_risk_numbers_enabled",
    "high_risk_special_numbers": "high_risk_special_numbers_enabled",
    "high_risk_irsf_numbers": "high_risk_tollfraud_numbers_enabled",
}


def _bulk_flags(u: dict[str, Any]) -> dict[str, bool]:
    flags: dict[str, bool] = {}
    for k, v in u.items():
        if k == "iso_code":
            continue
        target = _BULK_FIELDS.get(k)
        if target is None:
            raise TwilioError(400, 20001, f"Unknown field {k} in UpdateRequest", violation=True)
        if k.endswith("_enabled") and isinstance(v, bool):
            flags[target] = v
        elif not k.endswith("_enabled") and v in ("Enabled", "Disabled"):
            flags[target] = v == "Enabled"
        else:
            raise TwilioError(400, 20001, f"Invalid value for {k}: {v!r}", violation=True)
    return flags


def _json_object(raw: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise TwilioError(400, 20001, f"{name} value is not JSON", violation=True) from None
    if not isinstance(value, dict):
        raise TwilioError(400, 20001, f"{name} value is not an object", violation=True)
    return value


def _point_next_elsewhere(body: dict[str, Any], path: str) -> None:
    """Make a list answer's next page live on another host (a client must refuse to follow)."""
    if "meta" in body and isinstance(body["meta"], dict):
        body["meta"]["next_page_url"] = f"{FOREIGN}{path}?Page=1&PageSize=2"
    elif "next_page_uri" in body:
        body["next_page_uri"] = f"{FOREIGN}{path}?Page=1&PageSize=2"


def _basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.startswith("Basic "):
        return None, None
    try:
        user, sep, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return (user, password) if sep else (user, None)
