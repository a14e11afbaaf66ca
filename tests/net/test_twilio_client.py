"""The Twilio client's own guarantees, against servers that misbehave in ways the stand-in's
faults do not cover: an answer that echoes the credential, a next page off the host."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests import creds
from twscan.net.twilio.client import Credential, TwilioClient, TwilioError


@pytest.fixture
def echo() -> Iterator[str]:
    """Answers 400 with Twilio's error shape, its message holding the Basic-auth password."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            raw = self.headers.get("Authorization", "").removeprefix("Basic ")
            password = base64.b64decode(raw).decode().partition(":")[2]
            body = json.dumps({"code": 20001, "message": f"bad token {password}",
                               "more_info": "https://www.twilio.com/docs/errors/20001",
                               "status": 400}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_that_echoes_the_credential_does_not_carry_it_into_the_error(echo: str) -> None:
    sid, token = creds.account_sid(), creds.auth_token()
    client = TwilioClient(echo, deadline=5)
    with pytest.raises(TwilioError) as info:
        client.call(Credential(sid, token, sid), "GET", "api", f"/2010-04-01/Accounts/{sid}.json")
    assert token not in str(info.value) and "[redacted]" in str(info.value)
    assert info.value.status == 400 and info.value.code == 20001


def test_only_https_or_loopback_http_is_a_base() -> None:
    for bad in ("http://api.example.com", "ftp://127.0.0.1", "https://user:pw@api.example.com",
                "https://api.example.com/?q=1"):
        with pytest.raises(Exception, match="--twilio-api-base"):
            TwilioClient(bad)
    assert TwilioClient("https://proxy.example.com/twilio/").bases["voice"] == (
        "https://proxy.example.com/twilio")
    assert TwilioClient().bases["accounts"] == "https://accounts.twilio.com"


def test_the_credential_s_repr_hides_the_secret() -> None:
    sid, token = creds.account_sid(), creds.auth_token()
    assert token not in repr(Credential(sid, token, sid))
