"""The stand-in Twilio itself, with plain ``requests``: it must answer as Twilio documents.

Its answers are checked against Twilio's OpenAPI fragments as they are sent (any problem lands
in ``violations``, asserted empty after every test), and the validator is shown to reject wrong
answers and requests, so that the respond tests built on the stand-in test against Twilio's API
and not against a fake that agrees with whatever the product does.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests import creds
from tests.fake_twilio import FOREIGN, FakeTwilio
from tests.twilio_openapi import load

V2010 = "/2010-04-01"


@pytest.fixture
def standin() -> Iterator[FakeTwilio]:
    fake = FakeTwilio.incident()
    with fake.running():
        yield fake
    assert fake.violations == []


def call(
    fake: FakeTwilio,
    method: str,
    path: str,
    auth: tuple[str, str] | None,
    **kw: Any,
) -> requests.Response:
    url = path if path.startswith("http") else fake.base + path
    kw.setdefault("timeout", 5)
    return requests.request(method, url, auth=auth, allow_redirects=False, **kw)


def main_auth(fake: FakeTwilio) -> tuple[str, str]:
    return fake.main.sid, fake.main.auth_token


def walk(fake: FakeTwilio, path: str, auth: tuple[str, str], key: str) -> tuple[list[Any], int]:
    """Every item of a list, following the answers' own next links; and the pages it took."""
    items: list[Any] = []
    pages = 0
    url: str | None = path
    while url:
        r = call(fake, "GET", url, auth)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body[key]
        pages += 1
        if "meta" in body:
            url = body["meta"]["next_page_url"]
            assert url is None or url.startswith(fake.base)  # v1: absolute
        else:
            url = body["next_page_uri"]
            assert url is None or url.startswith(V2010)  # v2010: relative
    return items, pages


def assert_error(r: requests.Response, status: int, code: int) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


# -- the validator -----------------------------------------------------------------------------


def test_every_response_example_in_twilios_spec_validates() -> None:
    """Twilio's own example answers pass: the translation to JSON Schema is not too strict."""
    spec = load()
    sids = {"AccountSid": "AC", "Sid": None, "IsoCode": None}
    checked = 0
    for op in spec.ops:
        path = op.template
        for name in sids:
            if name == "Sid":
                prefix = "SK" if "Keys" in path else "UT" if "Triggers" in path else "AC"
                path = path.replace("{Sid}", prefix + "a" * 32)
            elif name == "IsoCode":
                path = path.replace("{IsoCode}", "US")
            else:
                path = path.replace("{AccountSid}", "AC" + "a" * 32)
        for status, resp in op.operation["responses"].items():
            examples = (resp.get("content") or {}).get("application/json", {}).get("examples", {})
            for example in examples.values():
                assert spec.check_response(op.method, path, int(status), example["value"]) == []
                checked += 1
    assert checked >= 25


def test_operations_are_found_by_concrete_path() -> None:
    spec = load()
    ac, sk = creds.account_sid(), creds.api_key_sid()
    cases = {
        ("GET", f"{V2010}/Accounts.json"): "ListAccount",
        ("GET", f"{V2010}/Accounts/{ac}.json"): "FetchAccount",
        ("DELETE", f"{V2010}/Accounts/{ac}/Keys/{sk}.json"): "DeleteKey",
        ("GET", f"{V2010}/Accounts/{ac}/Keys.json?Page=1"): "ListKey",
        ("POST", f"{V2010}/Accounts/{ac}/Usage/Triggers.json"): "CreateUsageTrigger",
        ("POST", "/v1/AuthTokens/Promote"): "UpdateAuthTokenPromotion",
        ("GET", "/v1/DialingPermissions/Countries/US"): "FetchDialingPermissionsCountry",
        ("PATCH", "/v1/Messaging/GeoPermissions"): "UpdateMessagingGeopermissions",
        ("GET", "/v2/Services"): "ListService",
    }
    for (method, path), op_id in cases.items():
        assert spec.operation(method, path).operation_id == op_id
    for method, path in [
        ("GET", "/v1/AuthTokens/Promote"),  # documented path, undocumented method
        ("GET", f"{V2010}/Accounts/{ac}/Calls.json"),
        ("GET", "/v1/Nope"),
    ]:
        with pytest.raises(KeyError):
            spec.operation(method, path)


def test_the_validator_rejects_wrong_answers() -> None:
    spec = load()
    ac, sk = creds.account_sid(), creds.api_key_sid()
    key_path = f"{V2010}/Accounts/{ac}/Keys/{sk}.json"
    date = "Mon, 13 Jun 2016 22:50:08 +0000"
    good = {"sid": sk, "friendly_name": "k", "date_created": date, "date_updated": date}
    assert spec.check_response("GET", key_path, 200, good) == []
    wrong = {
        "a key SID that is an account's": {**good, "sid": ac},
        "a secret where none is documented": {**good, "secret": creds.api_secret()},
        "an ISO date where RFC 2822 is documented": {
            **good,
            "date_created": "2016-06-13T22:50:08Z",
        },
        "a number for a string": {**good, "friendly_name": 3},
    }
    for why, body in wrong.items():
        assert spec.check_response("GET", key_path, 200, body), why
    assert spec.check_response("GET", key_path, 201, good)  # undocumented status
    assert spec.check_response("DELETE", key_path, 204, {"sid": sk})  # 204 has no body
    assert spec.check_response("GET", key_path, 404, {"message": "no"})  # not Twilio's error
    error = {"code": 20404, "message": "x", "more_info": "https://www.twilio.com/docs/errors/20404"}
    assert spec.check_response("GET", key_path, 404, {**error, "status": 404}) == []
    assert spec.check_response("GET", key_path, 404, {**error, "status": 400})
    page = {"keys": [good], "page": "0", "next_page_uri": None}
    assert spec.check_response("GET", f"{V2010}/Accounts/{ac}/Keys.json", 200, page)
    meta = {"content": [], "meta": {"page": 0, "next_page_url": 5}}
    assert spec.check_response("GET", "/v1/DialingPermissions/Countries", 200, meta)
    promote = {"account_sid": ac, "auth_token": creds.auth_token(), "url": "u"}
    assert spec.check_response("POST", "/v1/AuthTokens/Promote", 200, promote) == []
    assert spec.check_response("POST", "/v1/AuthTokens/Promote", 200, {**promote, "x": 1})


def test_the_validator_rejects_wrong_requests() -> None:
    spec = load()
    ac, sk = creds.account_sid(), creds.api_key_sid()
    triggers = f"{V2010}/Accounts/{ac}/Usage/Triggers.json"
    trigger = {
        "CallbackUrl": ["https://example.com/hook"],
        "TriggerValue": ["50"],
        "UsageCategory": ["totalprice"],
        "Recurring": ["daily"],
        "TriggerBy": ["price"],
    }
    assert spec.check_request("POST", triggers, {}, trigger) == []
    missing = {k: v for k, v in trigger.items() if k != "TriggerValue"}
    assert any("TriggerValue" in p for p in spec.check_request("POST", triggers, {}, missing))
    assert spec.check_request("POST", triggers, {}, {**trigger, "Recurring": ["weekly"]})
    assert spec.check_request("POST", triggers, {}, {**trigger, "callback_url": ["x"]})
    assert spec.check_request("POST", triggers, {}, {**trigger, "TriggerValue": ["1", "2"]})
    assert spec.check_request("GET", triggers, {"PageSize": ["0"]}, {})
    assert spec.check_request("GET", triggers, {"PageSize": ["ten"]}, {})
    assert spec.check_request("GET", triggers, {"Limit": ["5"]}, {})
    assert spec.check_request("GET", triggers, {"PageSize": ["50"], "Page": ["1"]}, {}) == []
    countries = "/v1/DialingPermissions/Countries"
    assert spec.check_request("GET", countries, {"LowRiskNumbersEnabled": ["True"]}, {})
    assert spec.check_request("GET", countries, {"LowRiskNumbersEnabled": ["true"]}, {}) == []
    assert spec.check_request("GET", f"{V2010}/Accounts/{ac}/Keys/{ac}.json", {}, {})
    assert spec.check_request("GET", f"{V2010}/Accounts/{ac}/Keys/{sk}.json", {}, {"A": ["b"]})
    perms = {"Permissions": ['{"country_code": "US"}', '{"country_code": "CA"}']}
    assert spec.check_request("PATCH", "/v1/Messaging/GeoPermissions", {}, perms) == []
    assert spec.check_request("PATCH", "/v1/Messaging/GeoPermissions", {}, {})


# -- the stand-in's endpoints ------------------------------------------------------------------


def test_accounts_keys_and_paging(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    accounts, pages = walk(standin, f"{V2010}/Accounts.json", auth, "accounts")
    assert pages == 2  # three accounts, two a page
    assert {a["sid"] for a in accounts} == set(standin.accounts)
    assert {a["auth_token"] for a in accounts} == {a.auth_token for a in standin.accounts.values()}
    sub = standin.subaccounts(standin.main.sid)[0]
    r = call(standin, "GET", f"{V2010}/Accounts/{sub.sid}.json", auth)
    assert r.status_code == 200 and r.json()["owner_account_sid"] == standin.main.sid
    keys, pages = walk(standin, f"{V2010}/Accounts/{standin.main.sid}/Keys.json", auth, "keys")
    assert pages == 3 and len(keys) == 5
    assert all("secret" not in k for k in keys)
    r = call(standin, "GET", f"{V2010}/Accounts.json", auth, params={"PageSize": "1", "Page": "2"})
    assert r.json()["start"] == 2 and r.json()["next_page_uri"] is None
    assert r.json()["previous_page_uri"].endswith("Page=1")


def test_a_key_is_deleted_once(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    key = standin.keys_of(standin.main.sid)[0]
    path = f"{V2010}/Accounts/{standin.main.sid}/Keys/{key.sid}.json"
    r = call(standin, "GET", path, auth)
    assert r.status_code == 200 and r.json()["sid"] == key.sid and "secret" not in r.json()
    r = call(standin, "DELETE", path, auth)
    assert r.status_code == 204 and r.content == b""
    assert key.sid not in standin.keys
    assert_error(call(standin, "DELETE", path, auth), 404, 20404)
    # a deleted key no longer authenticates
    assert_error(call(standin, "GET", f"{V2010}/Accounts.json", (key.sid, key.secret)), 401, 20003)


def test_usage_triggers(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    base = f"{V2010}/Accounts/{standin.main.sid}/Usage/Triggers.json"
    assert walk(standin, base, auth, "usage_triggers")[0] == []
    form = {
        "CallbackUrl": "https://example.com/hook",
        "TriggerValue": "50",
        "UsageCategory": "totalprice",
        "Recurring": "daily",
        "TriggerBy": "price",
    }
    r = call(standin, "POST", base, auth, data=form)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["sid"].startswith("UT") and made["recurring"] == "daily"
    assert standin.triggers[standin.main.sid] == [made]
    call(standin, "POST", base, auth, data={**form, "Recurring": "monthly"})
    daily, _ = walk(standin, base + "?Recurring=daily&TriggerBy=price", auth, "usage_triggers")
    assert [t["sid"] for t in daily] == [made["sid"]]
    one = f"{V2010}/Accounts/{standin.main.sid}/Usage/Triggers/{made['sid']}.json"
    assert call(standin, "GET", one, auth).json() == made
    assert call(standin, "DELETE", one, auth).status_code == 204
    assert_error(call(standin, "GET", one, auth), 404, 20404)


def test_secondary_token_and_promotion(standin: FakeTwilio) -> None:
    main = standin.main
    old = main.auth_token
    r = call(standin, "POST", "/v1/AuthTokens/Secondary", (main.sid, old))
    assert r.status_code == 201
    first = r.json()["secondary_auth_token"]
    r = call(standin, "POST", "/v1/AuthTokens/Secondary", (main.sid, first))  # secondary works
    second = r.json()["secondary_auth_token"]
    assert second != first and main.secondary_token == second
    assert_error(call(standin, "GET", f"{V2010}/Accounts.json", (main.sid, first)), 401, 20003)
    r = call(standin, "POST", "/v1/AuthTokens/Promote", (main.sid, old))
    assert r.status_code == 200 and r.json()["auth_token"] == second
    assert main.auth_token == second and main.secondary_token is None
    assert_error(call(standin, "GET", f"{V2010}/Accounts.json", (main.sid, old)), 401, 20003)
    assert call(standin, "GET", f"{V2010}/Accounts.json", (main.sid, second)).status_code == 200
    r = call(standin, "POST", "/v1/AuthTokens/Promote", (main.sid, second))
    assert_error(r, 400, 20001)  # nothing to promote
    call(standin, "POST", "/v1/AuthTokens/Secondary", (main.sid, second))
    assert (
        call(standin, "DELETE", "/v1/AuthTokens/Secondary", (main.sid, second)).status_code == 204
    )
    assert main.secondary_token is None


def test_voice_dialing_permissions(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    countries, pages = walk(standin, "/v1/DialingPermissions/Countries", auth, "content")
    assert pages == 4 and len(countries) == 8
    risky, _ = walk(
        standin,
        "/v1/DialingPermissions/Countries?HighRiskTollfraudNumbersEnabled=true",
        auth,
        "content",
    )
    assert {c["iso_code"] for c in risky} == {"NG", "CU", "KP", "IN"}
    r = call(standin, "GET", "/v1/DialingPermissions/Countries/CU", auth)
    assert r.json()["high_risk_special_numbers_enabled"] is True
    update = [
        {
            "iso_code": iso,
            "low_risk_numbers_enabled": iso in ("US", "CA"),
            "high_risk_special_numbers_enabled": False,
            "high_risk_tollfraud_numbers_enabled": False,
        }
        for iso in standin.voice[standin.main.sid]
    ]
    text = json.dumps(update)
    r = call(
        standin,
        "POST",
        "/v1/DialingPermissions/BulkCountryUpdates",
        auth,
        data={"UpdateRequest": text},
    )
    assert r.status_code == 201 and r.json() == {"update_count": 8, "update_request": text}
    allowed = {
        i for i, c in standin.voice[standin.main.sid].items() if c["low_risk_numbers_enabled"]
    }
    assert allowed == {"US", "CA"}
    sub = standin.subaccounts(standin.main.sid)[0]
    assert standin.voice[sub.sid]["CU"]["high_risk_tollfraud_numbers_enabled"]  # its own table
    r = call(standin, "GET", "/v1/DialingPermissions/Countries/CU/HighRiskSpecialPrefixes", auth)
    assert r.status_code == 200 and r.json()["content"] == []


def test_bulk_update_refuses_bad_json_and_unknown_countries(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    path = "/v1/DialingPermissions/BulkCountryUpdates"
    assert_error(call(standin, "POST", path, auth, data={"UpdateRequest": "[{"}), 400, 20001)
    bad = json.dumps([{"iso_code": "ZZ", "low_risk_numbers_enabled": False}])
    assert_error(call(standin, "POST", path, auth, data={"UpdateRequest": bad}), 400, 20001)
    assert len(standin.violations) == 2  # the caller broke the rules: a test would fail
    standin.violations.clear()


def test_messaging_geo_permissions(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    standin.high_risk_messaging.add("NG")
    r = call(standin, "GET", "/v1/Messaging/GeoPermissions", auth)
    assert {p["country_code"] for p in r.json()["permissions"] if p["enabled"]} == set(
        standin.messaging[standin.main.sid]
    )
    r = call(standin, "GET", "/v1/Messaging/GeoPermissions", auth, params={"CountryCode": "US,NG"})
    assert {p["country_code"] for p in r.json()["permissions"]} == {"US", "NG"}
    perms = [
        json.dumps({"country_code": cc, "type": "country", "enabled": False}) for cc in ("DE", "NG")
    ]
    r = call(standin, "PATCH", "/v1/Messaging/GeoPermissions", auth, data={"Permissions": perms})
    assert r.status_code == 200
    results = {p["country_code"]: p for p in r.json()["permissions"]}
    assert results["DE"]["error_code"] == 0 and results["DE"]["enabled"] is False
    assert results["NG"]["error_code"] == 30649 and results["NG"]["enabled"] is True
    assert standin.messaging[standin.main.sid]["DE"] is False
    assert standin.messaging[standin.main.sid]["NG"] is True
    sent = standin.requests[-1]
    assert sent.method == "PATCH" and sent.form["Permissions"] == perms


def test_verify_services(standin: FakeTwilio) -> None:
    services, pages = walk(standin, "/v2/Services", main_auth(standin), "services")
    assert services == [] and pages == 1


# -- auth --------------------------------------------------------------------------------------


def test_who_may_see_what(standin: FakeTwilio) -> None:
    main = standin.main
    sub, other_sub = standin.subaccounts(main.sid)
    sub_key = standin.keys_of(sub.sid)[0]
    main_key = standin.keys_of(main.sid)[0]
    stranger = standin.add_account(friendly_name="someone else")

    def keys(account: str, auth: tuple[str, str]) -> requests.Response:
        return call(standin, "GET", f"{V2010}/Accounts/{account}/Keys.json", auth)

    assert keys(sub.sid, (main.sid, main.auth_token)).status_code == 200  # parent -> sub
    assert keys(sub.sid, (main_key.sid, main_key.secret)).status_code == 200
    assert keys(sub.sid, (sub_key.sid, sub_key.secret)).status_code == 200
    assert keys(sub.sid, (sub.sid, sub.auth_token)).status_code == 200
    assert_error(keys(main.sid, (sub.sid, sub.auth_token)), 404, 20404)  # sub -> parent
    assert_error(keys(other_sub.sid, (sub.sid, sub.auth_token)), 404, 20404)  # sibling
    assert_error(keys(stranger.sid, (main.sid, main.auth_token)), 404, 20404)
    assert_error(keys(main.sid, (main.sid, creds.auth_token())), 401, 20003)
    assert_error(keys(main.sid, (main_key.sid, creds.api_secret())), 401, 20003)
    assert_error(call(standin, "GET", f"{V2010}/Accounts/{main.sid}/Keys.json", None), 401, 20003)
    # a sub's own credential lists only itself; v1 acts on the authenticated account
    listed, _ = walk(standin, f"{V2010}/Accounts.json", (sub.sid, sub.auth_token), "accounts")
    assert [a["sid"] for a in listed] == [sub.sid]
    r = call(standin, "POST", "/v1/AuthTokens/Secondary", (sub_key.sid, sub_key.secret))
    assert r.json()["account_sid"] == sub.sid and sub.secondary_token is not None
    assert main.secondary_token is None


def test_test_credentials_are_refused_everywhere(standin: FakeTwilio) -> None:
    sid, token = standin.add_test_credentials()
    for method, path in [
        ("GET", f"{V2010}/Accounts.json"),
        ("GET", f"{V2010}/Accounts/{sid}/Keys.json"),
        ("GET", "/v1/DialingPermissions/Countries"),
        ("POST", "/v1/AuthTokens/Secondary"),
        ("GET", "/v2/Services"),
    ]:
        r = call(standin, method, path, (sid, token))
        assert_error(r, 403, 20008)
        assert r.json()["message"] == "Resource not accessible with Test Account Credentials"


def test_requests_are_recorded_without_passwords(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    call(standin, "GET", f"{V2010}/Accounts.json", auth, params={"PageSize": "2"})
    rec = standin.requests[-1]
    assert (rec.method, rec.path, rec.query, rec.auth_user) == (
        "GET",
        f"{V2010}/Accounts.json",
        {"PageSize": ["2"]},
        standin.main.sid,
    )
    assert rec.status == 200 and rec.host == urllib.parse.urlsplit(standin.base).netloc
    assert standin.main.auth_token not in repr(standin.requests)


def test_an_invalid_request_is_answered_400_and_recorded(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    path = f"{V2010}/Accounts/{standin.main.sid}/Usage/Triggers.json"
    r = call(
        standin,
        "POST",
        path,
        auth,
        data={"CallbackUrl": "https://example.com", "UsageCategory": "totalprice"},
    )
    assert_error(r, 400, 20001)
    assert "TriggerValue" in r.json()["message"]
    assert standin.triggers[standin.main.sid] == []
    r = call(standin, "GET", f"{V2010}/Accounts/{standin.main.sid}/Calls.json", auth)
    assert_error(r, 404, 20404)  # not an operation the stand-in knows
    assert len(standin.violations) == 2 and "TriggerValue" in standin.violations[0]
    standin.violations.clear()


# -- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("429", 429, 20429),
        ("500", 500, 20500),
        ("503", 503, 20503),
        ("401", 401, 20003),
        ("403", 403, 20403),
        ("404", 404, 20404),
    ],
)
def test_error_faults(standin: FakeTwilio, kind: str, status: int, code: int) -> None:
    auth = main_auth(standin)
    path = f"{V2010}/Accounts/{standin.main.sid}/Keys.json"
    standin.fault("GET", r"/Keys\.json$", kind, times=2, skip=1, retry_after=7)
    assert call(standin, "GET", path, auth).status_code == 200  # skipped
    for _ in range(2):
        r = call(standin, "GET", path, auth)
        assert_error(r, status, code)
        assert r.headers.get("Retry-After") == "7"
    assert call(standin, "GET", path, auth).status_code == 200  # spent
    assert [q.status for q in standin.requests] == [200, status, status, 200]


def test_a_fault_matches_method_and_path(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    key = standin.keys_of(standin.main.sid)[2]
    path = f"{V2010}/Accounts/{standin.main.sid}/Keys/{key.sid}.json"
    standin.fault("DELETE", r"/Keys/SK", "500")
    standin.fault("GET", r"/Accounts\.json", "429")
    assert call(standin, "GET", path, auth).status_code == 200
    assert call(standin, "DELETE", path, auth).status_code == 500
    assert key.sid in standin.keys  # a failed delete changes nothing
    r = call(standin, "GET", f"{V2010}/Accounts.json", auth)
    assert r.status_code == 429 and "Retry-After" not in r.headers
    assert call(standin, "DELETE", path, auth).status_code == 204


def test_a_hang_holds_the_answer_until_the_server_stops() -> None:
    fake = FakeTwilio.incident()
    started = time.monotonic()
    with fake.running():
        fake.fault("GET", r"/Accounts\.json$", "hang")
        with pytest.raises(requests.exceptions.ReadTimeout):
            call(fake, "GET", f"{V2010}/Accounts.json", main_auth(fake), timeout=0.5)
        r = call(fake, "GET", f"{V2010}/Accounts.json", main_auth(fake))
        assert r.status_code == 200  # only the one request hangs
    assert time.monotonic() - started < 5  # stopping the server releases it
    assert fake.violations == []


def test_a_redirect_points_at_another_host(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    standin.fault("GET", r"/Accounts\.json$", "redirect")
    r = call(standin, "GET", f"{V2010}/Accounts.json", auth)
    assert r.status_code == 302 and r.headers["Location"] == f"{FOREIGN}/elsewhere"
    standin.fault(
        "POST", r"/Promote$", "redirect", location="http://127.0.0.3:9/v1/AuthTokens/Promote"
    )
    r = call(standin, "POST", "/v1/AuthTokens/Promote", auth)
    assert r.status_code == 302 and r.headers["Location"].startswith("http://127.0.0.3:9/")


def test_a_next_page_on_another_host(standin: FakeTwilio) -> None:
    auth = main_auth(standin)
    standin.fault("GET", r"/Keys\.json$", "foreign-next-page")
    standin.fault("GET", r"/Countries$", "foreign-next-page")
    r = call(standin, "GET", f"{V2010}/Accounts/{standin.main.sid}/Keys.json", auth)
    assert r.status_code == 200 and r.json()["next_page_uri"].startswith(FOREIGN + V2010)
    r = call(standin, "GET", "/v1/DialingPermissions/Countries", auth)
    assert r.json()["meta"]["next_page_url"].startswith(FOREIGN + "/v1/")
    assert all(q.host == urllib.parse.urlsplit(standin.base).netloc for q in standin.requests)


def test_the_incident_scenario() -> None:
    fake = FakeTwilio.incident(subaccounts=2, keys=5)
    main = fake.main
    subs = fake.subaccounts(main.sid)
    assert len(fake.accounts) == 3 and len(subs) == 2
    assert len(fake.keys_of(main.sid)) == 5 and all(len(fake.keys_of(s.sid)) == 2 for s in subs)
    assert all(fake.triggers[a] == [] for a in fake.accounts)
    for a in fake.accounts:
        table = fake.voice[a]
        assert {"US", "CA", "GB", "DE", "IN", "NG", "CU", "KP"} <= set(table)
        assert any(c["high_risk_tollfraud_numbers_enabled"] for c in table.values())
        assert all(fake.messaging[a].values())
    assert len({a.auth_token for a in fake.accounts.values()}) == 3
