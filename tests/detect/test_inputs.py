"""Awkward inputs never crash the scan or hide a credential."""

from __future__ import annotations

import random
import secrets

from hypothesis import given, settings
from hypothesis import strategies as st

from tests import creds
from twscan.detect.engine import Detector
from twscan.detect.placeholders import is_placeholder


def _all(found: list) -> set[str]:  # type: ignore[type-arg]
    return {f.secret for f in found} | {f.pair.secret for f in found if f.pair}


def env(sid: str, tok: str, nl: str = "\n") -> str:
    return f"TWILIO_ACCOUNT_SID={sid}{nl}TWILIO_AUTH_TOKEN={tok}{nl}"


def test_utf16_with_and_without_bom(detector: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    text = "# PowerShell profile\r\n" + env(sid, tok, "\r\n").replace("TWILIO_", "$env:TWILIO_")
    for data in (
        text.encode("utf-16"),  # BOM + native (LE)
        text.encode("utf-16-le"),
        text.encode("utf-16-be"),
        b"\xfe\xff" + text.encode("utf-16-be"),
    ):
        found = detector.scan_bytes(data, "profile.ps1")
        assert _all(found) == {sid, tok}
        assert found[0].line == 3  # lines are counted in the decoded text


def test_latin1_and_invalid_utf8_next_to_token(detector: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    data = b"caf\xe9 = 1\nTWILIO_AUTH_TOKEN=" + tok.encode() + b"\xff\xfe\n" + sid.encode() + b"\xe9"
    assert _all(detector.scan_bytes(data, "x.cfg")) == {sid, tok}


def test_crlf_columns(detector: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    found = detector.scan_bytes(env(sid, tok, "\r\n").encode(), ".env")
    [f] = found
    assert (f.line, f.column) == (2, 19) and f.pair is not None and f.pair.line == 1


def test_binary_file_strings_are_scanned(detector: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    blob = bytes(random.getrandbits(8) for _ in range(5000)) + b"\0\0"
    data = blob + f"\0TWILIO_AUTH_TOKEN={tok}\0{sid}\0".encode() + blob
    found = detector.scan_bytes(data, "app.sqlite")
    assert _all(found) == {sid, tok}
    assert all(f.encoding == "binary" for f in found)


def test_pickled_class_names_are_not_api_secrets(detector: Detector) -> None:
    """Sphinx doctrees pickle index entries as a length byte glued to the name: 's' (115) +
    a 31-letter CamelCase class name is 32 mixed-case letters beside "twilio" and "key". A
    random secret pickled the same way is still found."""
    names = ["WorkersCumulativeStatisticsList", "ParticipantConversationInstance"]
    secret = creds.api_secret()
    entries = b"".join(
        b"\x8c\x07entries\x94]\x94(hd\x8c" + bytes([len(n) + 84]) + n.encode()
        + b" (class in twilio.rest.taskrouter)\x94api key\x94"
        for n in names
    )  # fmt: skip
    data = b"\x80\x05\x95\x01\x00\x01\x00\x00" + entries
    assert detector.scan_bytes(data, "worker.doctree") == []
    planted = data + b"\x8c\x0etwilio_api_key_secret\x94\x8c\x20" + secret.encode() + b"\x94"
    assert secret in {f.secret for f in detector.scan_bytes(planted, "worker.doctree")}


def test_secret_deep_in_large_minified_bundle(detector: Detector) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    rnd = random.Random(7)
    noise = ",".join(f'"k{i}":"{rnd.getrandbits(128):032x}"' for i in range(20000))
    text = "var cfg={" + noise + f',twilio:{{accountSid:"{sid}",authToken:"{tok}"}},' + noise + "};"
    assert len(text) > 1_000_000
    found = detector.scan_text(text, "bundle.min.js")
    assert _all(found) == {sid, tok}


def test_empty_and_tiny_inputs(detector: Detector) -> None:
    assert detector.scan_bytes(b"", "e") == []
    assert detector.scan_bytes(b"\0", "e") == []
    assert detector.scan_bytes(b"\xff\xfe", "e") == []
    assert detector.scan_bytes(b"AC", "e") == []


def test_prefilter_rejects_plain_code(detector: Detector) -> None:
    assert not detector.prefilter(b"def main():\n    return 42\n" * 1000)
    assert detector.prefilter(("x = '" + creds.account_sid() + "'").encode())


def test_class_names_are_placeholders_even_with_a_byte_glued_on() -> None:
    for name in ["WorkersCumulativeStatisticsList", "ParticipantConversationInstance"]:
        assert is_placeholder(name) and is_placeholder("s" + name) and is_placeholder("7" + name)
    assert not is_placeholder(creds.api_secret())  # a digit after the first character


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=True))
def test_random_values_are_never_placeholders(rnd: random.Random) -> None:
    value = f"{rnd.getrandbits(128):032x}"
    assert not is_placeholder(value)
    assert not is_placeholder("AC" + value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200))
def test_token_survives_arbitrary_surroundings(before: str, after: str) -> None:
    det = Detector.load()
    tok, sid = secrets.token_hex(16), creds.account_sid()
    text = f"{before}\nTWILIO_AUTH_TOKEN={tok}\nTWILIO_ACCOUNT_SID={sid}\n{after}"
    assert {tok, sid} <= _all(det.scan_text(text, "f"))
