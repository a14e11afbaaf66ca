"""Both gates give the same answers, and the engine finds the same things behind either."""

from __future__ import annotations

import random

import pytest

from tests import creds
from twscan.detect import Detector
from twscan.gate import HyperscanGate, ReGate, hyperscan_available

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
