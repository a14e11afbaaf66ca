"""Large files are read in windows; nothing straddling a window boundary may be lost."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from tests import creds
from twscan.detect.engine import Detector
from twscan.sources.chunked import scan_stream

CHUNK = 4096
OVERLAP = 512
DET = Detector.load()


def _values(found: list) -> set[str]:  # type: ignore[type-arg]
    return {f.secret for f in found} | {f.pair.secret for f in found if f.pair}


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=CHUNK - 160, max_value=CHUNK + 40), st.booleans())
def test_pair_across_the_chunk_boundary(pos: int, crlf: bool) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    nl = "\r\n" if crlf else "\n"
    secret_text = f"TWILIO_ACCOUNT_SID={sid}{nl}TWILIO_AUTH_TOKEN={tok}{nl}"
    filler = "x = 1  # filler line" + nl
    head = (filler * (pos // len(filler) + 1))[:pos]
    head = head[: head.rfind(nl) + len(nl)] if nl in head else ""
    pad = "y" * (pos - len(head)) + nl if pos > len(head) else ""
    text = head + pad + secret_text + filler * 300
    found, n = scan_stream(DET, io.BytesIO(text.encode()), "big.env", CHUNK, OVERLAP)
    assert n == len(text.encode())
    assert {sid, tok} <= _values(found)
    whole = DET.scan_bytes(text.encode(), "big.env")
    assert [(f.rule, f.line, f.column) for f in found] == [(f.rule, f.line, f.column) for f in whole]


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=CHUNK - 80, max_value=CHUNK + 10))
def test_one_line_bundle(pos: int) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    head = ("a" * 7 + ",") * (pos // 8)
    text = "var c={" + head + f'tw:{{accountSid:"{sid}",authToken:"{tok}"}},' + "b," * 3000 + "};"
    found, _ = scan_stream(DET, io.BytesIO(text.encode()), "bundle.min.js", CHUNK, OVERLAP)
    assert {sid, tok} <= _values(found)
    [f] = [f for f in found if f.secret == tok]
    assert f.line == 1 and f.column == text.index(tok) + 1


def test_many_windows_keep_line_numbers() -> None:
    lines = [f"line {i}" for i in range(20000)]
    sids = {}
    for i in (5, 4000, 9000, 19999):
        sid = creds.account_sid()
        sids[sid] = i + 1
        lines[i] = f"SID={sid}"
    data = ("\n".join(lines) + "\n").encode()
    found, _ = scan_stream(DET, io.BytesIO(data), "log", CHUNK, OVERLAP)
    assert {f.secret: f.line for f in found} == sids
