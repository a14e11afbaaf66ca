"""Hostile input for the engine: many credentials in one file, window cuts, huge streams,
UTF-16 and UTF-32 text (issue 11, items 11, 13, 14 and 17)."""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import creds
from tests.conftest import REPO
from twscan.core.model import Finding, Severity
from twscan.detect.engine import Detector, pair_findings
from twscan.detect.rules import PairRule
from twscan.sources.chunked import scan_stream

DET = Detector.load()

# -- 11: pairing is near-linear, with the same choices ------------------------------------


def _reference_pair(pairs: list[PairRule], findings: list[Finding]) -> list[Finding]:
    """The pairing rule as it was first written (quadratic): the id the secret's construct
    names, else the nearest, the one before on a tie; first in list order among equals."""
    out: list[Finding] = []
    consumed: set[tuple[str, str]] = set()
    by_kind: dict[str, list[Finding]] = {}
    for f in findings:
        by_kind.setdefault(f.kind, []).append(f)
    paired: set[int] = set()
    for pr in pairs:
        idf = by_kind.get(pr.id_kind, [])
        if not idf:
            continue
        for f in by_kind.get(pr.secret_kind, []):
            anchor = f.extra.get("_anchor")
            partner = next((i for i in idf if i.offset == anchor), None)
            if partner is None:
                partner = min(idf, key=lambda i: (abs(i.offset - f.offset), i.offset > f.offset))
            paired.add(id(f))
            consumed.add((partner.rule, partner.secret))
            out.append(
                Finding(
                    rule=pr.id, kind="credential-pair", severity=pr.severity, title=pr.title,
                    file=f.file, line=f.line, column=f.column, secret=f.secret,
                    reason=f.reason, offset=f.offset, extra={"pair_of": partner.secret,
                                                             "pair_at": partner.offset,
                                                             "pair_line": partner.line},
                )
            )
    out += [f for f in findings if id(f) not in paired and (f.rule, f.secret) not in consumed]
    out.sort(key=lambda f: f.offset)
    return out


_KINDS = {
    "account-sid": "twilio-account-sid",
    "auth-token": "twilio-auth-token",
    "api-key-sid": "twilio-api-key-sid",
    "api-key-secret": "twilio-api-key-secret",
}


@st.composite
def _findings(draw: st.DrawFn) -> list[Finding]:
    n = draw(st.integers(0, 30))
    out: list[Finding] = []
    for line in range(n):
        kind = draw(st.sampled_from(sorted(_KINDS)))
        f = Finding(
            rule=_KINDS[kind], kind=kind, severity=Severity.HIGH, title="t", file="f",
            line=line, column=1, secret=f"v{draw(st.integers(0, 6))}",  # values repeat
            reason="pattern", offset=draw(st.integers(0, 60)),  # offsets repeat: ties
        )
        if kind.endswith(("token", "secret")) and draw(st.booleans()):
            f.extra["_anchor"] = draw(st.integers(0, 60))  # an id there, or none
        out.append(f)
    out.sort(key=lambda f: f.offset)
    return out


def _copy(findings: list[Finding]) -> list[Finding]:
    return [f.replace(extra=dict(f.extra)) for f in findings]


def _shape(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [
        (f.rule, f.secret, f.offset, f.line,
         (f.pair.secret, f.pair.offset, f.pair.line) if f.pair else
         (f.extra.get("pair_of"), f.extra.get("pair_at"), f.extra.get("pair_line"))
         if "pair_of" in f.extra else None)
        for f in findings
    ]


@settings(max_examples=200, deadline=None)
@given(_findings())
def test_pairing_makes_the_choices_of_the_reference_rule(findings: list[Finding]) -> None:
    fast = pair_findings(DET.pairs, _copy(findings))
    slow = _reference_pair(DET.pairs, _copy(findings))
    assert _shape(fast) == _shape(slow)


def test_pairing_a_hundred_thousand_halves_is_near_linear() -> None:
    """50k SIDs and 50k tokens with no construct between them: each token looks up its
    nearest SID. Looking through every SID for every token took hours."""
    findings: list[Finding] = []
    for i in range(50_000):
        for kind, off in (("account-sid", 100 * i), ("auth-token", 100 * i + 50)):
            findings.append(
                Finding(rule=_KINDS[kind], kind=kind, severity=Severity.HIGH, title="t",
                        file="f", line=i + 1, column=off, secret=f"{kind}{i}",
                        reason="pattern", offset=off)
            )
    t0 = time.monotonic()
    out = pair_findings(DET.pairs, findings)
    assert time.monotonic() - t0 < 20  # ~0.3 s here; the quadratic rule never finished
    assert len(out) == 50_000
    assert all(f.pair is not None and f.pair.secret == f"account-sid{f.line - 1}" for f in out)


def test_a_csv_export_of_ten_thousand_credentials_pairs_every_token() -> None:
    """``sid,name,token`` rows: each token is judged by its column and the SIDs near it, then
    paired; both steps looked at every SID of the file for every token."""
    rows = [(creds.account_sid(), creds.auth_token()) for _ in range(10_000)]
    text = "sid,name,token\n" + "".join(f"{s},user{i},{t}\n" for i, (s, t) in enumerate(rows))
    t0 = time.monotonic()
    found = DET.scan_bytes(text.encode(), "export.csv")
    assert time.monotonic() - t0 < 30  # must finish: ~1 s here
    pairs = {f.secret: f.pair.secret for f in found if f.pair is not None}
    assert set(pairs) == {t for _, t in rows}
    assert set(pairs.values()) <= {s for s, _ in rows}


# -- 13: pairs survive any window cut -----------------------------------------------------

_FILLER = ("x = 1  # filler line", "log: nothing to see here, move along", "", "  - item")


def _blocks() -> list[tuple[str, list[str]]]:
    """Constructs of every pair kind; the values are fresh each call."""
    sid, tok, sk, sec = (creds.account_sid(), creds.auth_token(), creds.api_key_sid(),
                         creds.api_secret())
    sid2, tok2, sk2, sec2 = (creds.account_sid(), creds.auth_token(), creds.api_key_sid(),
                             creds.api_secret())
    return [
        ("env", [f"TWILIO_ACCOUNT_SID={sid}", f"TWILIO_AUTH_TOKEN={tok}"]),
        ("client", [f'client = Client("{sid2}", "{tok2}")']),
        ("curl", [f"curl -u {sid}:{tok2} https://api.twilio.com/2010-04-01/Accounts.json"]),
        ("ini", ["[twilio]", f"account = {sid2}", f"token = {tok}"]),
        ("apikey", [f"TWILIO_API_KEY={sk}", f"TWILIO_API_SECRET={sec}"]),
        ("apiclient", [f'client = Client("{sk2}", "{sec2}", "{sid}")']),
        ("csv", [f"{sid},{tok2}", f"{sid2},{tok}"]),
        ("lone-token", [f"TWILIO_AUTH_TOKEN={creds.auth_token()}"]),  # pairs with the nearest
        ("lone-secret", [f"TWILIO_API_SECRET={creds.api_secret()}"]),
        ("lone-sid", [f"sid: {creds.account_sid()}"]),
    ]


def _compare(found: list[Finding]) -> list[tuple[object, ...]]:
    return [
        (f.rule, f.secret, f.offset, f.line, f.column, f.end_line, f.end_column, f.reason,
         f.encoding, f.extra.get("occurrences"),
         None if f.pair is None else (f.pair.secret, f.pair.offset, f.pair.line, f.pair.column))
        for f in found
    ]


_ENCODINGS = {
    "utf-8": lambda t: t.encode(),
    "utf-8-sig": lambda t: codecs.BOM_UTF8 + t.encode(),
    "utf-8+invalid": lambda t: b"junk \xff\xc3\n" + t.encode() + b"\xe2\x82",
    "utf-16-le": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),  # no BOM: sniffed
    "utf-32-le": lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"),
}


_BLOCKS = _blocks()  # fresh per test run, fixed within it (so that Hypothesis can shrink)


@st.composite
def _document(draw: st.DrawFn) -> str:
    blocks = _BLOCKS
    order = draw(st.permutations(range(len(blocks))))
    lines: list[str] = []
    chosen = list(order[: draw(st.integers(2, len(blocks)))])
    if 0 not in chosen:
        chosen.append(0)  # at least one pair
    for i in chosen:
        for _ in range(draw(st.integers(0, 120))):
            lines.append(draw(st.sampled_from(_FILLER)) + draw(st.sampled_from(["", " é", " 日本"])))
        lines.extend(blocks[i][1])
    lines.extend(_FILLER * 30)
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    return nl.join(lines) + nl


@settings(max_examples=50, deadline=None)
@given(_document(), st.sampled_from(sorted(_ENCODINGS)), st.integers(2048, 6000))
def test_windows_find_what_the_whole_file_holds(text: str, encoding: str, chunk: int) -> None:
    data = _ENCODINGS[encoding](text)
    whole = DET.scan_bytes(data, "big.txt")
    windowed, n = scan_stream(DET, io.BytesIO(data), "big.txt", chunk, 700)
    assert n == len(data)
    assert _compare(windowed) == _compare(whole)
    assert any(f.pair for f in whole)


def test_a_token_far_from_every_cut_and_its_sid_many_windows_away() -> None:
    """A token with no SID near it is paired with the nearest SID of the file, however many
    windows lie between (each window saw one half only)."""
    sid, tok = creds.account_sid(), creds.auth_token()
    filler = "x = 1  # filler line\n" * 3000
    text = f"TWILIO_ACCOUNT_SID={sid}\n{filler}TWILIO_AUTH_TOKEN={tok}\n{filler}"
    found, _ = scan_stream(DET, io.BytesIO(text.encode()), "big.env", 4096, 512)
    [pair] = [f for f in found if f.pair is not None]
    assert (pair.secret, pair.pair.secret if pair.pair else None) == (tok, sid)
    assert _compare(found) == _compare(DET.scan_bytes(text.encode(), "big.env"))


# -- 17: UTF-32 text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, bom",
    [("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", codecs.BOM_UTF32_BE),
     ("utf-32-le", b""), ("utf-32-be", b"")],  # without a BOM: the NUL pattern
)
def test_utf32_text_is_decoded_and_scanned(encoding: str, bom: bytes) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    text = f"# settings\r\n  TWILIO_ACCOUNT_SID={sid}\r\n  TWILIO_AUTH_TOKEN={tok}\r\n"
    found = DET.scan_bytes(bom + text.encode(encoding), "creds.env")
    [pair] = found
    assert (pair.secret, pair.pair.secret if pair.pair else None) == (tok, sid)
    assert (pair.line, pair.column, pair.end_column) == (3, 21, 53)
    assert pair.pair is not None and (pair.pair.line, pair.pair.column) == (2, 22)
    assert pair.encoding == encoding


def test_utf32_file_on_the_command_line(tmp_path: Path, twscan: Callable[..., Any]) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    (tmp_path / "creds.env").write_bytes(
        codecs.BOM_UTF32_BE + f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n".encode(
            "utf-32-be"
        )
    )
    r = twscan("scan", str(tmp_path / "creds.env"), "--format", "json")
    assert r.returncode == 1, r.stderr
    [f] = json.loads(r.stdout)["findings"]
    assert (f["rule"], f["line"], f["column"]) == ("twilio-account-credentials", 2, 19)


# -- 14: memory bounds: stdin and large UTF-16 files stream --------------------------------

_LOG_LINE = b"2026-12-01T20:00:00Z INFO request served in 12 ms path=/api/v1/items status=200\n"
_MEASURE = """
import resource, subprocess, sys
with open(sys.argv[1], "rb") as stdin:
    p = subprocess.run(sys.argv[2:], stdin=stdin, stdout=subprocess.PIPE)
sys.stderr.write(p.stdout.decode())
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _big_log(mib: int, sid: str, tok: str) -> bytes:
    half = _LOG_LINE * (mib * 1024 * 1024 // len(_LOG_LINE) // 2)
    return (f"TWILIO_ACCOUNT_SID={sid}\n".encode() + half + f"TWILIO_AUTH_TOKEN={tok}\n".encode()
            + half)


def _peak_rss(stdin: Path, *args: str) -> tuple[int, int, dict[str, Any]]:
    """Exit code, peak resident set (MB) and JSON report of twscan in a child of its own."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "twscan", *args, "--format", "json", "-q"]
    p = subprocess.run([sys.executable, "-c", _MEASURE, str(stdin), *cmd], env=env,
                       capture_output=True, text=True, timeout=300, check=True)
    code, kib = p.stdout.split()
    return int(code), int(kib) // 1024, json.loads(p.stderr)


def test_stdin_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    """80 MB on stdin was read whole, then decoded and lower-cased: ~450 MB resident."""
    sid, tok = creds.account_sid(), creds.auth_token()
    data = tmp_path / "in.log"
    data.write_bytes(_big_log(80, sid, tok))
    code, mb, report = _peak_rss(data, "scan", "-")
    assert code == 1
    [f] = report["findings"]
    assert (f["line"], f["column"]) == (_big_log(80, "", "").count(b"\n") // 2 + 1, 19)
    assert mb < 300, f"{mb} MB resident"


def test_a_large_utf16_file_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    """A UTF-16 file over the window threshold was decoded whole: 120 MB gave ~400 MB."""
    sid, tok = creds.account_sid(), creds.auth_token()
    path = tmp_path / "big.log"
    text = _big_log(60, sid, tok).decode()
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    del text
    code, mb, report = _peak_rss(Path(os.devnull), "scan", str(path),
                                 "--max-file-size", str(1 << 30))
    assert code == 1
    [f] = report["findings"]
    assert (f["rule"], f["encoding"]) == ("twilio-account-credentials", "utf-16-le")
    assert mb < 300, f"{mb} MB resident"


# -- 11: a long line costs each of its values nothing of the line's length -------------------


@pytest.mark.parametrize("sep", [";", ","], ids=["minified", "one-line-insert"])
def test_values_on_one_long_line_do_not_each_read_the_line(
    sep: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A minified bundle, or a dump's one-line INSERT, holds thousands of values on one line
    of megabytes; judging each value must not copy or scan the whole line (it did: a 6 MB
    bundle of 100k tokens took 50 s). Counted, not timed: the characters the judge reads."""
    from twscan.detect.context import Judge

    read = [0]
    line_text = Judge.line_text

    def counting(self: Judge, idx: int) -> str:
        out = line_text(self, idx)
        read[0] += len(out)
        return out

    monkeypatch.setattr(Judge, "line_text", counting)
    header = "INSERT INTO t (a, twilio_auth_token) VALUES " if sep == "," else ""
    body = sep.join(
        f"('x{i}','{creds.auth_token()}')" if sep == "," else
        f"var twilio_auth_token_{i}='{creds.auth_token()}'"
        for i in range(3000)
    )
    text = header + body + "\n"
    found = DET.scan_bytes(text.encode(), "bundle.js")
    # (A one-line INSERT of thousands of tuples is found only in part, as before this test:
    # a detection gap noted for the findings issue, not what this test is about.)
    assert len(found) == 3000 if sep == ";" else found
    assert read[0] <= 4 * len(text), read[0]
