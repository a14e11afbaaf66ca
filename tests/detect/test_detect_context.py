"""The engine on realistic snippets: what makes a 32-character value a Twilio secret, and what doesn't."""

from __future__ import annotations

import pytest

from tests import creds
from twscan.core.model import Finding
from twscan.detect.engine import Detector


def secrets_of(findings: list[Finding]) -> set[str]:
    out = {f.secret for f in findings}
    out |= {f.pair.secret for f in findings if f.pair}
    return out


# Each template: {sid} {key} {tok} {sec} are replaced with fresh values; expected kinds found.
POSITIVE_TOKEN = [
    "TWILIO_AUTH_TOKEN={tok}",
    'export TWILIO_AUTH_TOKEN="{tok}"',
    "TWILIO_AUTH_TOKEN: '{tok}'",
    '"authToken": "{tok}",',
    "authToken = '{tok}';",
    "const twilioAuthToken = `{tok}`;",
    "auth_token: {tok}",
    "twilio.auth.token={tok}",
    "twilio.authToken: {tok}",
    "$env:TWILIO_AUTH_TOKEN = \"{tok}\"",
    "ENV TWILIO_AUTH_TOKEN {tok}",
    "ENV TWILIO_AUTH_TOKEN={tok}",
    "TWILIO_AUTH_TOKEN ?= {tok}",
    "set TWILIO_AUTH_TOKEN={tok}",
    "| TWILIO_AUTH_TOKEN | {tok} |",
    "define('TWILIO_AUTH_TOKEN', '{tok}');",
    "INSERT INTO settings (name, value) VALUES ('twilio_auth_token', '{tok}');",
    '<add key="TwilioAuthToken" value="{tok}" />',
    "<AuthToken>{tok}</AuthToken>",
    '<string name="twilio_auth_token">{tok}</string>',
    "- name: TWILIO_AUTH_TOKEN\n  value: \"{tok}\"",
    'variable "twilio_auth_token" {{\n  type = string\n  default = "{tok}"\n}}',
    "[twilio]\naccount_sid = {sid}\ntoken = {tok}",
    "[twilio]\ntoken = {tok}",
    "twilio:\n  token: {tok}",
    "services:\n  twilio:\n    sid: {sid}\n    secret: {tok}",
    'provider "twilio" {{\n  username = "{sid}"\n  password = "{tok}"\n}}',
    "machine api.twilio.com\n  login {sid}\n  password {tok}",
    'client = Client("{sid}", "{tok}")',
    "client = Client(\n    '{sid}',\n    '{tok}',\n)",
    'Twilio.init("{sid}", "{tok}");',
    'TwilioClient.Init("{sid}", "{tok}");',
    "$client = new Client('{sid}', '{tok}');",
    "@client = Twilio::REST::Client.new '{sid}', '{tok}'",
    'client := twilio.NewRestClientWithParams(twilio.ClientParams{{Username: "{sid}", Password: "{tok}"}})',
    "curl -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json -u {sid}:{tok}",
    "curl -u '{sid}:{tok}' https://api.twilio.com/",
    "https://{sid}:{tok}@api.twilio.com/2010-04-01/Accounts.json",
    "AccountSid={sid}&AuthToken={tok}",
    "name,sid,token\nacme,{sid},{tok}",
    'Client(account_sid, "{tok}")',
    'twilio_client = Client(sid, "{tok}")',
    "$sid = \"{sid}\";\n$token = \"{tok}\";\n$twilio = new Client($sid, $token);",
    '{{"key": "password", "value": "{tok}"}}, {{"key": "username", "value": "{sid}"}}',
    "Auth Token: `{tok}`",
    "TWILIO_AUTH_TOKEN={tok}\r\nTWILIO_ACCOUNT_SID={sid}\r\n",
    "twilio_auth_token = \"{tok}\"  # prod",
    "ACCOUNT_SID={sid}\nAUTH_TOKEN={tok}",
    "--auth-token {tok}",
    "twilio login --auth-token={tok}",
]

NEGATIVE_TOKEN = [
    "checksum: {tok}",
    'etag = "{tok}"',
    "md5 = {tok}",
    "sha: {tok}",
    '"integrity": "{tok}"',
    "request_id={tok}",
    "X-Request-Id: {tok}",
    "DD_API_KEY={tok}",
    "DATADOG_API_KEY={tok}",
    "PLIVO_AUTH_TOKEN={tok}",
    "GITHUB_TOKEN={tok}",
    "MAILGUN_API_KEY={tok}",
    "SENTRY_DSN=https://{tok}@o12345.ingest.sentry.io/42",
    "TWILIO_ACCOUNT_SID={sid}\nASSET_MD5={tok}",
    "[twilio]\nsid = {sid}\n[datadog]\napi_key = {tok}",
    "twilio:\n  sid: {sid}\nstripe:\n  key: {tok}",
    "session_secret = '{tok}'",
    "commit {tok}",
    "git_sha = \"{tok}\"",
    "cache_key: {tok}",
    '{{"twilio":{{"sid":"{sid}"}},"cache":{{"md5":"{tok}"}}}}',
    "TWILIO_AUTH_TOKEN=${{TWILIO_AUTH_TOKEN}}",
    'auth_token = os.environ["TWILIO_AUTH_TOKEN"]',
    "authToken: process.env.TWILIO_AUTH_TOKEN",
    "TWILIO_AUTH_TOKEN=your_auth_token",
    "TWILIO_AUTH_TOKEN=<token>",
    "TWILIO_AUTH_TOKEN=[AuthToken]",
    "TWILIO_AUTH_TOKEN=********************************",
    "TWILIO_AUTH_TOKEN=00000000000000000000000000000000",
    "TWILIO_AUTH_TOKEN=0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN=abababababababababababababababab",
    "fingerprint: {tok}",
    "token_hash = {tok}",
    "some text {tok} more text",
    "TWILIO_AUTH_TOKEN=sha512-{tok}+abc/def==",
]


def fill(template: str) -> tuple[str, dict[str, str]]:
    vals = {
        "sid": creds.account_sid(),
        "key": creds.api_key_sid(),
        "tok": creds.auth_token(),
        "sec": creds.api_secret(),
    }
    return template.format(**vals), vals


@pytest.mark.parametrize("template", POSITIVE_TOKEN)
def test_token_found(detector: Detector, template: str) -> None:
    text, v = fill(template)
    found = detector.scan_text(text, "f")
    assert v["tok"] in secrets_of(found), template
    kinds = {f.extra.get("secret_kind", f.kind) for f in found if f.secret == v["tok"]}
    assert kinds <= {"auth-token"}
    if v["sid"] in text:
        pair = [f for f in found if f.secret == v["tok"]][0]
        assert pair.kind == "credential-pair" and pair.pair is not None
        assert pair.pair.secret == v["sid"]


@pytest.mark.parametrize("template", NEGATIVE_TOKEN)
def test_token_not_reported(detector: Detector, template: str) -> None:
    text, v = fill(template)
    found = detector.scan_text(text, "f")
    assert v["tok"] not in secrets_of(found), template


POSITIVE_SECRET = [
    "TWILIO_API_SECRET={sec}",
    "TWILIO_API_KEY_SECRET={sec}",
    "apiSecret: '{sec}'",
    "api_secret = \"{sec}\"",
    'client = Client("{key}", "{sec}", "{sid}")',
    "TWILIO_API_KEY={key}\nTWILIO_API_SECRET={sec}",
    "const client = twilio('{key}', '{sec}', {{ accountSid: '{sid}' }});",
    "[twilio]\napi_key = {key}\nsecret = {sec}",
    "curl -u {key}:{sec} https://api.twilio.com/2010-04-01/Accounts/{sid}/Calls.json",
]

NEGATIVE_SECRET = [
    "SECRET_KEY_BASE = '{sec}'",
    "NEXMO_API_SECRET={sec}",
    "client_id: {sec}",
    "APP_KEY={sec}",
    "JWT_SECRET={sec}",
    "some words {sec} more words",
    "TWILIO_API_SECRET=your_api_secret",
]


@pytest.mark.parametrize("template", POSITIVE_SECRET)
def test_api_secret_found(detector: Detector, template: str) -> None:
    text, v = fill(template)
    found = detector.scan_text(text, "f")
    assert v["sec"] in secrets_of(found), template
    hit = [f for f in found if f.secret == v["sec"]][0]
    assert hit.extra.get("secret_kind", hit.kind) == "api-key-secret"
    if v["key"] in text:
        assert hit.pair is not None and hit.pair.secret == v["key"]


@pytest.mark.parametrize("template", NEGATIVE_SECRET)
def test_api_secret_not_reported(detector: Detector, template: str) -> None:
    text, v = fill(template)
    assert v["sec"] not in secrets_of(detector.scan_text(text, "f")), template


@pytest.mark.parametrize("prefix", ["CA", "SM", "MM", "PN", "MG", "VA", "AP", "CF", "RE", "WT", "IS"])
def test_resource_sids_are_not_findings(detector: Detector, prefix: str) -> None:
    sid = creds.resource_sid(prefix)
    text = f"POST /sms 200 MessageSid={sid}&Sid={sid}"
    assert detector.scan_text(text, "log") == []


@pytest.mark.parametrize(
    "value",
    [
        "AC" + "x" * 32, "AC" + "X" * 32, "AC" + "0" * 32, "AC" + "a" * 32, "AC" + "b" * 32,
        "AC" + "0123456789abcdef" * 2, "AC" + "12345678" * 4, "AC" + "deadbeef" * 4,
        "AC" + "x" * 28 + "1a2b", "SK" + "a" * 32, "SK" + "0" * 32,
    ],
)
def test_placeholder_sids(detector: Detector, value: str) -> None:
    assert detector.scan_text(f"TWILIO_ACCOUNT_SID={value}", "f") == []


def test_sid_boundaries(detector: Detector) -> None:
    sid = creds.account_sid()
    assert detector.scan_text(f"X{sid}", "f") == []
    assert detector.scan_text(f"{sid}f", "f") == []
    for ok in (f"'{sid}'", f"/{sid}/", f"%22{sid}%22", f'"x\\n{sid}\\n"', f"_{sid}_"):
        assert secrets_of(detector.scan_text(ok, "f")) == {sid}, ok


def test_sendgrid(detector: Detector) -> None:
    key = creds.sendgrid_key()
    found = detector.scan_text(f"SENDGRID_API_KEY={key}\n", ".env")
    assert [(f.kind, f.secret) for f in found] == [("sendgrid-api-key", key)]
    assert detector.scan_text("SENDGRID_API_KEY=SG." + "x" * 22 + "." + "x" * 43, "f") == []


def test_pair_uses_nearest_sid_and_reports_each_location(detector: Detector) -> None:
    a1, t1, a2, t2 = creds.account_sid(), creds.auth_token(), creds.account_sid(), creds.auth_token()
    text = (
        f"[prod]\nTWILIO_ACCOUNT_SID={a1}\nTWILIO_AUTH_TOKEN={t1}\n\n"
        f"[staging]\nTWILIO_ACCOUNT_SID={a2}\nTWILIO_AUTH_TOKEN={t2}\n"
    )
    found = detector.scan_text(text, "f")
    pairs = {(f.pair.secret, f.secret) for f in found if f.pair}
    assert pairs == {(a1, t1), (a2, t2)}
    assert all(f.kind == "credential-pair" for f in found)
    t1f = [f for f in found if f.secret == t1][0]
    assert (t1f.line, t1f.column) == (3, 19)
    assert t1f.pair is not None and (t1f.pair.line, t1f.pair.column) == (2, 20)


def test_same_value_reported_once_per_file_with_count(detector: Detector) -> None:
    sid = creds.account_sid()
    text = "\n".join(f"POST /sms AccountSid={sid}" for _ in range(50))
    found = detector.scan_text(text, "log")
    assert len(found) == 1 and found[0].extra["occurrences"] == 50


def test_token_with_sid_elsewhere_in_file_is_paired(detector: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    text = f"TWILIO_ACCOUNT_SID={sid}\n" + "# filler\n" * 40 + f"TWILIO_AUTH_TOKEN={tok}\n"
    [f] = detector.scan_text(text, "f")
    assert f.kind == "credential-pair" and f.severity.value == "critical"


def test_inline_ignores_are_marked_not_dropped(detector: Detector) -> None:
    sid, tok, tok2 = creds.account_sid(), creds.auth_token(), creds.auth_token()
    text = (
        f"TWILIO_ACCOUNT_SID={sid}  # twscan:ignore\n"
        "# twscan:ignore-next-line\n"
        f"TWILIO_AUTH_TOKEN={tok}\n"
        f"SECONDARY_AUTH_TOKEN={tok2}\n"
        f"AGAIN={sid}\n"
    )
    found = detector.scan_text(text, "f")
    ignored = {f.secret for f in found if f.extra.get("ignored") == "inline"}
    live = {f.secret for f in found if "ignored" not in f.extra}
    assert tok in ignored and tok2 in live
    assert sid in secrets_of(found)  # as the other half of the pairs


@pytest.mark.parametrize("name", ["ConversationWithParticipantsList", "DomainConfigMessagingServiceList"])
def test_class_names_are_not_api_secrets(detector: Detector, name: str) -> None:
    text = f"from twilio.rest.conversations.v1 import {name}\nx = {name}(self._version)\n"
    assert detector.scan_text(text, "twilio/rest/v1/__init__.py") == []
