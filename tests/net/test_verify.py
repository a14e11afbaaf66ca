"""``--verify`` against a stand-in Twilio Verify API on 127.0.0.1.

Only 200 is live and only 401 is invalid; everything else (403 for test credentials and
restricted keys, 429, 5xx, slow answers, refused connections) is unknown, never "revoked".
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import socket
import time
from collections.abc import Iterator

import pytest

from tests.fake_github import FakeTwilio, Misbehaviour
from twscan.core.errors import TwscanError
from twscan.core.model import Finding, Half, Severity
from twscan.net.verify import _RUN_CACHE, _check_base_url, add_verify_args, verify_findings


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    _RUN_CACHE.clear()
    yield
    _RUN_CACHE.clear()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio().running() as server:
        yield server


def pair(prefix: str = "AC", path: str = "app.py") -> Finding:
    sid = prefix + secrets.token_hex(16)
    secret = secrets.token_hex(16) if prefix == "AC" else secrets.token_urlsafe(24)[:32]
    return Finding(
        rule="twilio-pair",
        kind="credential-pair",
        severity=Severity.CRITICAL,
        title="pair",
        file=path,
        line=3,
        column=1,
        secret=secret,
        reason="construct",
        pair=Half("sid", "account-sid" if prefix == "AC" else "api-key-sid", sid, 3, 1, 0),
    )


def creds(f: Finding) -> tuple[str, str]:
    assert f.pair is not None
    return f.pair.secret, f.secret


@pytest.mark.parametrize(
    ("status", "state", "words"),
    [
        (200, "live", "accepted"),
        (401, "invalid", "rejected"),
        (403, "unknown", "does not mean revoked"),
        (429, "unknown", "429"),
        (500, "unknown", "500"),
        (503, "unknown", "503"),
        (302, "unknown", "302"),
        (404, "unknown", "404"),
    ],
)
def test_status_mapping(twilio: FakeTwilio, status: int, state: str, words: str) -> None:
    f = pair()
    twilio.answers[creds(f)] = status
    verify_findings([f], base_url=twilio.url, timeout=5)
    assert f.extra["live"] == state
    assert words in str(f.extra["live_reason"])
    assert "revoked" not in str(f.extra["live_reason"]).replace("does not mean revoked", "")


def test_sends_basic_auth_to_services_only(twilio: FakeTwilio) -> None:
    account, key = pair("AC"), pair("SK")
    twilio.answers[creds(key)] = 200
    verify_findings([account, key], base_url=twilio.url)
    assert [r.path for r in twilio.requests] == ["/v2/Services", "/v2/Services"]
    sent = [base64.b64decode(r.headers["authorization"][6:]).decode() for r in twilio.requests]
    assert sent == [":".join(creds(account)), ":".join(creds(key))]
    for r in twilio.requests:
        assert r.method == "GET" and r.query == {}
        assert r.headers["user-agent"].startswith("twscan/")
    assert key.extra["live"] == "live" and account.extra["live"] == "invalid"


def test_live_sorted_first_and_cached_per_credential(twilio: FakeTwilio) -> None:
    dead, live = pair(path="a.py"), pair(path="b.py")
    twilio.answers[creds(live)] = 200
    again = pair(path="c.py")
    again.secret, again.pair = live.secret, live.pair  # the same pair found in another file
    unpaired = Finding(
        "tok", "auth-token", Severity.HIGH, "token", "d.py", 1, 1, secrets.token_hex(16), "key name"
    )
    findings = [dead, unpaired, live, again]
    verify_findings(findings, base_url=twilio.url)
    assert [f.file for f in findings] == ["b.py", "c.py", "a.py", "d.py"]
    assert [f.extra["live"] for f in findings] == ["live", "live", "invalid", "unknown"]
    assert len(twilio.requests) == 2, "one request per distinct credential"
    verify_findings([again], base_url=twilio.url)
    assert len(twilio.requests) == 2, "cached for the run"
    assert not any(f.secret in str(f.extra["live_reason"]) for f in findings)
    assert not any(live.secret in k for k in _RUN_CACHE)


def test_slow_answer_is_unknown(twilio: FakeTwilio) -> None:
    f = pair()
    twilio.answers[creds(f)] = 200
    twilio.delay = 1.0
    verify_findings([f], base_url=twilio.url, timeout=0.2)
    assert f.extra["live"] == "unknown" and "did not answer" in str(f.extra["live_reason"])


def test_refused_connection_is_unknown() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = pair()
    verify_findings([f], base_url=f"http://127.0.0.1:{port}", timeout=2)
    assert f.extra["live"] == "unknown" and "could not reach" in str(f.extra["live_reason"])


def test_never_sends_a_credential_in_clear_text_off_loopback() -> None:
    with pytest.raises(TwscanError, match="https"):
        verify_findings([pair()], base_url="http://verify.example.com")
    with pytest.raises(TwscanError):
        verify_findings([pair()], base_url="https://user:pw@verify.example.com")


def test_findings_without_pairs_send_nothing(twilio: FakeTwilio) -> None:
    sid_only = Finding(
        "sid",
        "account-sid",
        Severity.MEDIUM,
        "sid",
        "x",
        1,
        1,
        "AC" + secrets.token_hex(16),
        "prefix",
    )
    verify_findings([sid_only], base_url=twilio.url)
    assert twilio.requests == [] and "live" not in sid_only.extra


def test_verify_is_opt_in() -> None:
    parser = argparse.ArgumentParser()
    add_verify_args(parser)
    assert parser.parse_args([]).verify is False
    assert parser.parse_args(["--verify"]).verify is True
    assert "SENDS" in parser.format_help() and "Twilio" in parser.format_help()
    json.dumps(vars(parser.parse_args([])))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.evil.example",
        "http://127.0.0.1.evil.example:8080",
        "http://127.0.0.1.nip.io",
        "http://localhost.evil.example",
        "http://evil.localhost",
        "http://0x7f.1",
        "http://2130706433",
        "http://127.1",
        "http://0177.0.0.1",
        "http://0.0.0.0:8080",
        "http://[::ffff:10.0.0.1]",
        "http://evil.example\\@127.0.0.1",
        "http://127.0.0.1%2eevil.example",
        "http://127.0.0.1\t.evil.example",
        "http://verify.twilio.com",
        "https://127.0.0.1@evil.example",
        "https://evil.example\\@127.0.0.1",
        "ftp://127.0.0.1",
    ],
)
def test_cleartext_or_ambiguous_urls_are_refused(url: str) -> None:
    """Issue 11 item 5: plain http only to loopback by address, and no host twscan reads
    differently from the HTTP library (nothing is sent: the check comes first)."""
    with pytest.raises(TwscanError, match="--verify-url"):
        _check_base_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.2.3.4",
        "http://[::1]:8080",
        "http://[::ffff:127.0.0.1]",
        "http://localhost:1",
        "https://verify.twilio.com",
        "https://verify.twilio.com/",
    ],
)
def test_loopback_and_https_urls_are_accepted(url: str) -> None:
    assert _check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize("style", ["trickle-headers", "trickle-body"])
def test_a_trickling_answer_is_unknown_within_the_deadline(
    twilio: FakeTwilio, style: str
) -> None:
    """One byte every 50 ms never trips the per-read timeout; the deadline is for the whole
    exchange (and the body is not even waited for: only the status counts)."""
    f = pair()
    twilio.answers[creds(f)] = 200
    twilio.misbehave["verify"] = Misbehaviour(style, interval=0.05)
    started = time.monotonic()
    verify_findings([f], base_url=twilio.url, timeout=0.5)
    elapsed = time.monotonic() - started
    assert elapsed < 2
    if style == "trickle-headers":
        assert f.extra["live"] == "unknown" and "did not answer within 0.5 s" in str(
            f.extra["live_reason"]
        )
    else:
        assert f.extra["live"] == "live"


def test_an_endless_body_is_never_read(twilio: FakeTwilio) -> None:
    f = pair()
    twilio.answers[creds(f)] = 200
    twilio.misbehave["verify"] = Misbehaviour("endless")
    started = time.monotonic()
    verify_findings([f], base_url=twilio.url, timeout=5)
    assert f.extra["live"] == "live" and time.monotonic() - started < 3
    assert twilio.wire.sent < 16 * 1024 * 1024


def test_a_redirect_is_never_followed_nor_its_body_read(twilio: FakeTwilio) -> None:
    """requests reads the whole body of a 3xx even with allow_redirects=False."""
    f = pair()
    twilio.answers[creds(f)] = 302
    with FakeTwilio().running() as elsewhere:
        twilio.location = f"{elsewhere.url}/v2/Services"
        twilio.misbehave["verify"] = Misbehaviour("endless")
        verify_findings([f], base_url=twilio.url, timeout=5)
        assert elsewhere.requests == []
    assert f.extra["live"] == "unknown" and "not followed" in str(f.extra["live_reason"])
    assert twilio.wire.sent < 16 * 1024 * 1024


def test_the_run_budget_bounds_all_requests(twilio: FakeTwilio) -> None:
    findings = [pair(path=f"{i}.py") for i in range(4)]
    twilio.misbehave["verify"] = Misbehaviour("trickle-headers", interval=0.05)
    started = time.monotonic()
    verify_findings(findings, base_url=twilio.url, timeout=0.4, budget=0.6)
    assert time.monotonic() - started < 2
    reasons = [str(f.extra["live_reason"]) for f in findings]
    assert all(f.extra["live"] == "unknown" for f in findings)
    assert "did not answer within 0.4 s" in reasons[0]
    assert all("budget" in r for r in reasons[2:]), reasons
    assert len(twilio.requests) == 2
