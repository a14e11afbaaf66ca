"""Both gates give the same answers, and the engine finds the same things behind either."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import creds
from twscan.detect import gate as gate_module
from twscan.detect.engine import Detector
from twscan.detect.gate import HyperscanGate, ReGate, hyperscan_available, value_runs

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan not installed")


def samples() -> list[bytes]:
    rnd = random.Random(3)
    out = [b"", b"plain code\n" * 50, b"\0\x01binary\xff" * 30]
    out.append(f"TWILIO_ACCOUNT_SID={creds.account_sid()}\n".encode())
    out.append(f"Auth_Token: {creds.auth_token()}\n".encode())
    out.append(f"PASSWORD={creds.auth_token()}".encode())
    out.append(b"caf\xc3\xa9 " + f"twilio token {creds.auth_token()}".encode())
    out.append(f"const k = '{creds.sendgrid_key()}'".encode())
    out.append(bytes(rnd.getrandbits(8) for _ in range(4000)) + creds.api_key_sid().encode())
    return out


def test_same_verdicts() -> None:
    det = Detector.load()
    re_gate = ReGate(det.plain, det.keywords)
    hs_gate = HyperscanGate(det.plain, det.keywords)
    for data in samples():
        a, b = re_gate.check(data), hs_gate.check(data)
        assert (a.rules, a.keywords) == (b.rules, b.keywords), data[:40]


def test_same_findings() -> None:
    slow, fast = Detector.load(), Detector.load(fast_gate=True)
    for data in samples():
        a = [(f.rule, f.secret, f.line, f.column) for f in slow.scan_bytes(data, "x")]
        b = [(f.rule, f.secret, f.line, f.column) for f in fast.scan_bytes(data, "x")]
        assert a == b


def test_compiled_gate_is_cached_and_a_bad_cache_is_ignored(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TWSCAN_CACHE_DIR", str(tmp_path))
    sid = creds.account_sid().encode()
    first = Detector.load(fast_gate=True)
    assert first.prefilter(b"x " + sid)
    [cached] = list(tmp_path.glob("gate-*.hsdb"))
    again = Detector.load(fast_gate=True)
    assert again.prefilter(b"x " + sid) and not again.prefilter(b"plain text")
    cached.write_bytes(b"[]\ngarbage")
    broken = Detector.load(fast_gate=True)
    assert broken.prefilter(b"x " + sid) and not broken.prefilter(b"plain text")


def test_non_ascii_text_same_findings_with_both_gates() -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    data = ("héllo wörld ünïcode ☃\n" * 50 + f"TWILIO_ACCOUNT_SID={sid}\n# café\n"
            f"TWILIO_AUTH_TOKEN={tok}\n").encode()
    slow, fast = Detector.load(), Detector.load(fast_gate=True)
    a = [(f.rule, f.secret, f.line, f.column) for f in slow.scan_bytes(data, "x")]
    assert a and a == [(f.rule, f.secret, f.line, f.column) for f in fast.scan_bytes(data, "x")]


# --- what a blob must hold to get past the gate ------------------------------------------


def _reference_value_runs(data: bytes) -> set[tuple[int, int]]:
    """The definition ``value_runs`` implements, written the slow, obvious way."""
    out: set[tuple[int, int]] = set()
    for m in re.finditer(rb"[A-Za-z0-9]+", data):
        a, b = m.span()
        size, before, head = b - a, data[a - 1 : a], data[a : a + 5]
        if size == 32:
            out.add((a, b))
        elif size == 33 and before == b"\\" and head[:1] in (b"n", b"r", b"t"):
            out.add((a + 1, b))
        elif size == 34 and before == b"%" and re.fullmatch(rb"[0-9A-Fa-f]{2}", head[:2]):
            out.add((a + 2, b))
        elif size == 37 and before == b"\\" and re.fullmatch(rb"u[0-9A-Fa-f]{4}", head):
            out.add((a + 5, b))
    return out


_PIECES = st.sampled_from([b" ", b"%", b"\\", b"\\n", b"%2", b"%2F", b"\\u00", b"\\u0022",
                           b"\x00", b"-", b"\xc3\xa9", b"="])  # fmt: skip
_RUNS = st.integers(0, 40).flatmap(
    lambda n: st.binary(min_size=n, max_size=n).map(
        lambda b: bytes(b"abcdef0123XYZ"[c % 13] for c in b)
    )
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_RUNS, _PIECES), max_size=8))
def test_value_runs_match_their_definition(parts: list[tuple[bytes, bytes]]) -> None:
    data = b"".join(run + sep for run, sep in parts)
    assert set(value_runs(data)) == _reference_value_runs(data)


@pytest.mark.parametrize("fast", [False, True])
def test_keywords_without_a_value_do_not_pass(fast: bool) -> None:
    """Twilio's own code says "twilio" on every line; with no value anywhere, nothing can be
    found, so the blob costs the gate's pass and no more."""
    det = Detector.load(fast_gate=fast)
    body = b"from twilio.rest import Client  # twilio auth_token account_sid\n" * 200
    sid_only = body + b"TWILIO_ACCOUNT_SID=" + creds.account_sid().encode() + b"\n"
    assert not det.prefilter(body)
    assert [f.kind for f in det.scan_bytes(sid_only, "x")] == ["account-sid"]
    tok = creds.auth_token()
    found = det.scan_bytes(body + f"TWILIO_AUTH_TOKEN={tok}\n".encode(), "x")
    assert tok in {f.secret for f in found}


@pytest.mark.parametrize("fast", [False, True])
def test_a_value_hidden_by_escapes_still_passes(fast: bool) -> None:
    """Every character percent-encoded leaves no run of 32, but the escape itself is seen."""
    det = Detector.load(fast_gate=fast)
    tok = creds.auth_token()
    hidden = "".join(f"%{ord(c):02X}" for c in tok)
    found = det.scan_bytes(f"GET /hook?twilio_auth_token={hidden} HTTP/1.1\n".encode(), "x.log")
    assert tok in {f.secret for f in found}


def test_both_gates_raise_the_same_flags() -> None:
    det = Detector.load()
    re_gate = ReGate(det.plain, det.keywords)
    hs_gate = HyperscanGate(det.plain, det.keywords)
    tok = creds.auth_token()
    extra = [b"twilio " + tok.encode(), b"twilio %41%43", b"twilio \\u0041x", b"twilio " + b"a" * 40]
    for data in samples() + extra:
        a, b = re_gate.check(data), hs_gate.check(data)
        assert (a.rules, a.keywords, a.loose, a.escaped) == (
            b.rules, b.keywords, b.loose, b.escaped
        ), data[:40]


@pytest.mark.skipif(not hyperscan_available(), reason="needs the hyperscan wheel")
def test_a_dense_keyword_is_split_out_and_back_without_changing_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twilio's own code says "twilio" in every blob: the gate then scans for that keyword in a
    database of its own, and goes back to one database when the keyword turns rare."""
    monkeypatch.setattr(gate_module, "_ADAPT_EVERY", 8)
    det = Detector.load()
    tok = creds.auth_token()
    extra = [b"twilio " + tok.encode(), b"twilio %41%43", b"TWILIO " + b"a" * 40]
    data = samples() + extra
    plain = HyperscanGate(det.plain, det.keywords)
    want = [repr(plain.check(d)) for d in data]
    adaptive = HyperscanGate(det.plain, det.keywords)
    for _ in range(2):
        for _ in range(8):
            adaptive.check(b"from twilio.rest import Client\n")
        assert adaptive._split is not None and "twilio" in adaptive._tags[adaptive._dense]
        assert [repr(adaptive.check(d)) for d in data] == want
        for _ in range(16):
            adaptive.check(b"plain code\n")
        assert adaptive._split is None
        assert [repr(adaptive.check(d)) for d in data] == want


def test_binary_value_starts_match_trying_every_position() -> None:
    """In binary data the engine tries each run's start and each glued name's end only; that
    must find what trying every position finds."""
    rnd = random.Random(7)
    fast = Detector.load()
    slow = Detector.load()
    slow._values_gated = False  # the general path: every start of every run
    for _ in range(30):
        tok, secret = creds.auth_token(), creds.api_secret()
        noise = bytes(rnd.choice(b"abcXYZ019_") for _ in range(rnd.randint(0, 60)))
        row = (b"\x00\x17\x05" + noise + b"twilio_auth_token" + tok.encode() + b"F\x00"
               + b"api_key_secret" + secret.encode() + noise + b"\x00"
               + creds.account_sid().encode() + b"\x01twilio\x00")  # fmt: skip
        a = [(f.rule, f.secret, f.offset) for f in fast.scan_bytes(row, "db.sqlite")]
        b = [(f.rule, f.secret, f.offset) for f in slow.scan_bytes(row, "db.sqlite")]
        assert a == b and tok in {s for _, s, _ in a}
