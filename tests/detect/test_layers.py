"""Credentials in disguise: base64, URL and JSON escapes, binaries, access tokens.

Every disguise is built at run time from fresh random credentials, and so is every decoy.
Each test runs with both gates (the standard-library one a hook uses and the Hyperscan one a
large scan uses) so that the fast path never sees less than the thorough one.
"""

from __future__ import annotations

import base64
import json
import py_compile
import random
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from tests import creds
from twscan.core.model import Finding
from twscan.detect.engine import Detector
from twscan.detect.gate import hyperscan_available
from twscan.detect.rules import make_jwt

GATES = [False, True] if hyperscan_available() else [False]


@pytest.fixture(params=GATES, ids=lambda f: "hyperscan" if f else "re")
def det(request: pytest.FixtureRequest) -> Detector:
    return Detector.load(fast_gate=request.param)


def b64(s: str | bytes) -> str:
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def values(found: list[Finding]) -> set[str]:
    return {f.secret for f in found} | {f.pair.secret for f in found if f.pair}


def pair_of(found: list[Finding], secret: str) -> Finding:
    [f] = [f for f in found if f.secret == secret]
    return f


def test_basic_auth_header_in_proxy_log(det: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    text = (
        '10.0.0.7 - - [12/Mar/2024:10:01:22 +0000] "POST /2010-04-01/Accounts/x/Messages.json"\n'
        f"    Authorization: Basic {b64(sid + ':' + tok)}\n"
    )
    found = det.scan_bytes(text.encode(), "proxy.log")
    f = pair_of(found, tok)
    assert f.kind == "credential-pair" and f.pair is not None and f.pair.secret == sid
    assert f.encoding == "base64" and (f.line, f.column) == (2, 26)


def test_basic_auth_api_key_in_har(det: Detector) -> None:
    key, sec = creds.api_key_sid(), creds.api_secret()
    har = {"log": {"entries": [{"request": {"method": "GET", "url": "https://api.twilio.com/x",
                                            "headers": [{"name": "Authorization",
                                                         "value": "Basic " + b64(f"{key}:{sec}")}]}}]}}
    found = det.scan_bytes(json.dumps(har, indent=2).encode(), "session.har")
    f = pair_of(found, sec)
    assert f.pair is not None and f.pair.secret == key and f.rule == "twilio-api-key-credentials"


def test_nginx_and_vcr_cassette(det: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    nginx = f'location /twilio/ {{\n  proxy_set_header Authorization "Basic {b64(sid + ":" + tok)}";\n}}\n'
    assert {sid, tok} <= values(det.scan_bytes(nginx.encode(), "nginx.conf"))
    sid2, tok2 = creds.account_sid(), creds.auth_token()
    vcr = (
        "http_interactions:\n- request:\n    method: post\n    headers:\n      Authorization:\n"
        f"      - Basic {b64(sid2 + ':' + tok2)}\n"
    )
    assert {sid2, tok2} <= values(det.scan_bytes(vcr.encode(), "cassette.yml"))


def test_kubernetes_secret_values(det: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sms\ntype: Opaque\ndata:\n"
        f"  TWILIO_ACCOUNT_SID: {b64(sid)}\n  TWILIO_AUTH_TOKEN: {b64(tok)}\n"
        f"  DB_PASSWORD: {b64('hunter2-not-twilio')}\n"
    )
    found = det.scan_bytes(text.encode(), "secret.yaml")
    f = pair_of(found, tok)
    assert f.pair is not None and f.pair.secret == sid and f.line == 8


def test_whole_dotenv_base64_in_one_key(det: Detector) -> None:
    sid, tok, sg = creds.account_sid(), creds.auth_token(), creds.sendgrid_key()
    env = f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\nSENDGRID_API_KEY={sg}\n"
    text = f"apiVersion: v1\nkind: Secret\ndata:\n  .env: {b64(env)}\n"
    assert {sid, tok, sg} <= values(det.scan_bytes(text.encode(), "env-secret.yaml"))


def test_nested_base64_to_the_documented_depth(det: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    env = f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n"
    two = det.scan_bytes(f"blob: {b64(b64(env))}\n".encode(), "x")
    assert {sid, tok} <= values(two) and two[0].encoding == "base64>base64"
    three = det.scan_bytes(f"blob: {b64(b64(b64(env)))}\n".encode(), "x")
    assert three == []  # depth 3 is past the limit (--max-decode-depth)
    deeper = Detector.load(max_decode_depth=3)
    assert {sid, tok} <= values(deeper.scan_bytes(f"blob: {b64(b64(b64(env)))}\n".encode(), "x"))


def test_base64_secret_among_thousands_of_lockfile_hashes(det: Detector) -> None:
    """The fast gate decodes only the base64 runs holding an encoded signature; the one that
    matters must be among them, wherever it sits and however long the runs around it."""
    rnd = random.Random(5)
    sid, tok = creds.account_sid(), creds.auth_token()
    env = f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n"
    hashes = [f'"integrity": "sha512-{b64(rnd.randbytes(64))}",' for _ in range(3000)]
    for where in (0, 1500, 2999):
        lines = list(hashes)
        lines.insert(where, f'"env": "{b64(env)}",')
        lines.insert(where + 7, f'"blob": "{b64(rnd.randbytes(6000))}{b64(env)}",')
        found = det.scan_bytes(("\n".join(lines) + "\n").encode(), "package-lock.json")
        assert {sid, tok} <= values(found)
        assert all(f.encoding == "base64" for f in found)


def test_decoding_can_be_turned_off() -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    text = f"Authorization: Basic {b64(sid + ':' + tok)}\n"
    assert Detector.load(max_decode_depth=0).scan_bytes(text.encode(), "x") == []


def test_url_encoded_values(det: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    body = urlencode({"AccountSid": sid, "AuthToken": tok, "To": "+15005550006"})
    assert {sid, tok} <= values(det.scan_bytes(f"POST /setup HTTP/1.1\n\n{body}\n".encode(), "x"))
    sid2, tok2 = creds.account_sid(), creds.auth_token()
    cfg = quote(json.dumps({"accountSid": sid2, "authToken": tok2}))
    found = det.scan_bytes(f"GET /cb?cfg={cfg} HTTP/1.1\n".encode(), "access.log")
    f = pair_of(found, tok2)
    assert f.encoding == "url" and f.pair is not None and f.pair.secret == sid2
    sid3, tok3 = creds.account_sid(), creds.auth_token()
    url = f"https://{sid3}:{tok3}@api.twilio.com/2010-04-01/Accounts/{sid3}/Messages.json"
    assert {sid3, tok3} <= values(det.scan_bytes(url.encode(), "x"))


def test_json_escaped_sources(det: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    nb = {"cells": [{"cell_type": "code", "source": [
        "from twilio.rest import Client\n", f'client = Client("{sid}", "{tok}")\n']}]}
    assert {sid, tok} <= values(det.scan_bytes(json.dumps(nb, indent=1).encode(), "nb.ipynb"))
    sid2, tok2 = creds.account_sid(), creds.auth_token()
    escaped = json.dumps({"body": f'{{"accountSid": "{sid2}", "authToken": "{tok2}"}}'},
                         ensure_ascii=True).replace('\\"', "\\u0022")
    found = det.scan_bytes(escaped.encode(), "dump.json")
    assert {sid2, tok2} <= values(found)


def test_sqlite_database(det: Detector, tmp_path: Path) -> None:
    sid, tok, sec, key = creds.account_sid(), creds.auth_token(), creds.api_secret(), creds.api_key_sid()
    db = tmp_path / "app.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT)")
    rows = [("twilio_account_sid", sid), ("twilio_auth_token", tok), ("twilio_api_key", key),
            ("twilio_api_secret", sec), ("asset_md5", creds.auth_token())]
    con.executemany("INSERT INTO settings VALUES (?, ?)", rows)
    con.commit()
    con.close()
    found = det.scan_bytes(db.read_bytes(), "app.sqlite")
    assert {sid, tok, key, sec} <= values(found)
    assert values(found) <= {sid, tok, key, sec}
    assert all(f.encoding == "binary" and f.offset > 0 for f in found)


def test_compiled_python(det: Detector, tmp_path: Path) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    src = tmp_path / "settings.py"
    src.write_text(f'TWILIO_ACCOUNT_SID = "{sid}"\nTWILIO_AUTH_TOKEN = "{tok}"\nDEBUG = False\n')
    pyc = py_compile.compile(str(src), cfile=str(tmp_path / "settings.pyc"))
    found = det.scan_bytes(Path(pyc).read_bytes(), "settings.pyc")
    assert {sid, tok} <= values(found)


def twilio_jwt(exp_delta: int) -> tuple[str, str, str]:
    key, sid = creds.api_key_sid(), creds.account_sid()
    now = int(time.time())
    payload = {"jti": f"{key}-{now}", "iss": key, "sub": sid, "exp": now + exp_delta,
               "grants": {"identity": "alice", "video": {"room": "lobby"}, "voice": {}}}
    return make_jwt({"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"}, payload), key, sid


def test_twilio_access_tokens(det: Detector) -> None:
    live, key, sid = twilio_jwt(3600)
    old, _, _ = twilio_jwt(-7200)
    text = f'const token = "{live}";\n// from last week: {old}\n'
    found = {f.secret: f for f in det.scan_bytes(text.encode(), "app.js")}
    f = found[live]
    assert f.kind == "access-token" and f.severity.value == "high"
    assert f.extra["api_key_sid"] == key and f.extra["account_sid"] == sid
    assert f.extra["grants"] == ["video", "voice"] and f.extra["expired"] is False
    assert found[old].severity.value == "low" and found[old].extra["expired"] is True


def test_other_jwts_are_not_findings(det: Detector) -> None:
    sid = creds.account_sid()
    other = make_jwt({"alg": "RS256", "typ": "JWT"}, {"sub": sid, "iss": "https://auth0.example"})
    assert det.scan_bytes(f"Authorization: Bearer {other}\n".encode(), "x") == []


def test_decoys_stay_quiet(det: Detector) -> None:
    rnd = random.Random(11)
    decoys = [
        # base64 of random bytes, of ordinary text with hex, lockfile integrity hashes
        *(f"blob{i}: {b64(rnd.randbytes(rnd.randint(12, 400)))}" for i in range(200)),
        *(f"note: {b64(f'commit {rnd.getrandbits(160):040x} md5 {rnd.getrandbits(128):032x}')}"
          for _ in range(50)),
        *(f'"integrity": "sha512-{b64(rnd.randbytes(64))}"' for _ in range(50)),
        *(f"Authorization: Basic {b64('deploy:' + rnd.randbytes(8).hex())}" for _ in range(20)),
        *(f"X-Request-Id: {b64(rnd.randbytes(16))}" for _ in range(20)),
    ]
    text = "\n".join(decoys) + "\n"
    assert det.scan_bytes(text.encode(), "decoys.txt") == []


def test_utf16_powershell_with_base64(det: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    ps = f'$h = @{{ Authorization = "Basic {b64(sid + ":" + tok)}" }}\r\n'
    found = det.scan_bytes(ps.encode("utf-16"), "call.ps1")
    assert {sid, tok} <= values(found)


def test_cli_decode_depth_option_and_config(tmp_path: Path) -> None:
    from tests.conftest import run_twscan

    sid, tok = creds.account_sid(), creds.auth_token()
    (tmp_path / "proxy.log").write_text(f"Authorization: Basic {b64(sid + ':' + tok)}\n")
    assert run_twscan("scan", str(tmp_path)).returncode == 1
    assert run_twscan("scan", str(tmp_path), "--max-decode-depth", "0").returncode == 0
    (tmp_path / ".twscan.toml").write_text("max-decode-depth = 0\n")
    assert run_twscan("scan", str(tmp_path)).returncode == 0
    assert run_twscan("scan", str(tmp_path), "--max-decode-depth", "2").returncode == 1
    bad = run_twscan("scan", str(tmp_path), "--max-decode-depth", "x")
    assert bad.returncode == 2 and "max-decode-depth" in bad.stderr
