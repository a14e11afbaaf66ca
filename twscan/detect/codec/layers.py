"""Decoding layers: credentials hidden in base64, URL encoding and JSON ``\\u`` escapes.

A layer is a span of the original text with its decoded content. The engine splices decoded
spans into a copy of the text and scans that copy with the same rules, so a base64 value keeps
the key it is assigned to (``TWILIO_AUTH_TOKEN: <base64>`` in a Kubernetes Secret) and
``Authorization: Basic <base64(AC…:token)>`` becomes the ``AC…:token`` construct the rules
already know. Findings inside a spliced span point back at the encoded span in the original.

Only spans a cheap test selects are decoded, and only decoded text that is mostly printable
and holds something Twilio-like is spliced, so random base64 blobs, hashes and ids cost a
decode attempt at most and never a finding.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Iterator, Sequence

from twscan.core.record import FrozenRecord, set_field
from twscan.detect.codec import MAX_DEPTH

__all__ = ["MAX_DEPTH"]  # and the rest, as before; the default depth itself lives in codec/
MAX_SPAN = 1 << 20  # longer encoded runs are not decoded (bounded memory)
MIN_B64 = 16

_B64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{16,}={0,2}")  # whole-value tests
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_URL_TAIL = re.compile(r"[^\s\"'<>`]*")
_URL_DELIMITERS = (" ", "\t", "\n", "\r", '"', "'", "<", ">", "`")
_JSON_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
_JSON_REACH = 1 << 16
_PRINTABLE = bytes(range(32, 127)) + b"\t\n\r"
_BOUNDED_VALUE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{32}(?![A-Za-z0-9])")
_ESCAPE_LED_VALUE = re.compile(
    r"(?:%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})[A-Za-z0-9]{32}(?![A-Za-z0-9])"
)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# What makes decoded text worth a second scan: an id or a Twilio word (compared lower-cased).
_INTERESTING = re.compile(r"(?:AC|SK)[0-9a-f]{32}|SG\.[\w-]{22}\.")
_BARE_VALUE = re.compile(r"[A-Za-z0-9._:+/=-]{16,200}")
_WORDS = ("twilio", "auth_token", "authtoken", "auth-token", "api_secret", "apisecret",
          "account_sid", "accountsid")


class Layer(FrozenRecord):
    """A record, not a dataclass: the commit hook imports this (see :mod:`twscan.core.record`)."""

    __slots__ = ("start", "end", "text", "kind")
    start: int  # encoded span in the original text
    end: int
    text: str  # decoded content
    kind: str  # "base64" | "url" | "json-escape"

    def __init__(self, start: int, end: int, text: str, kind: str) -> None:
        set_field(self, "start", start)
        set_field(self, "end", end)
        set_field(self, "text", text)
        set_field(self, "kind", kind)


def interesting(decoded: str) -> bool:
    if _INTERESTING.search(decoded):
        return True
    low = decoded.lower()
    return any(w in low for w in _WORDS)


def _reveals(raw: str, decoded: str) -> bool:
    """Whether unescaping shows something the raw text hides: an id, a Twilio word, a value
    spelt in escapes, or a value that an escape glues to what precedes it
    (``token%3D<value>``).

    A word the raw text shows already adds nothing: Twilio's own documentation says "twilio"
    in every escaped string, and re-scanning each of those cost more than all the rest.
    """
    if _INTERESTING.search(decoded) or _ESCAPE_LED_VALUE.search(raw):
        return True
    if any(m.group() not in raw for m in _BOUNDED_VALUE.finditer(decoded)):
        return True  # a value spelt in escapes (``%61%62…``)
    low, raw_low = decoded.lower(), raw.lower()
    return any(w in low and w not in raw_low for w in _WORDS)


def find_layers(
    text: str,
    plain: bool = True,
    b64: bool = True,
    b64_near: list[int] | None = None,
    keys: list[int] | None = None,
) -> list[Layer]:
    """``plain``: URL and JSON escapes (their keys are visible); ``b64``: base64 runs, only
    those that hold one of the sorted offsets ``b64_near`` when it is given, or that follow
    one of the ``keys`` offsets (keyword hits) on its line or the next: a bare value under a
    Twilio key (``TWILIO_AUTH_TOKEN: <base64>``) holds no signature of its own."""
    layers: list[Layer] = []
    if plain and "%" in text:
        layers.extend(_url_layers(text))
    if plain and "\\u" in text:
        layers.extend(_json_layers(text))
    if b64:
        layers.extend(_base64_layers(text, b64_near, keys or []))
    return _non_overlapping(layers)


def _base64_layers(
    text: str, near: list[int] | None = None, keys: Sequence[int] = ()
) -> list[Layer]:
    out: list[Layer] = []
    jwts = [m.span() for m in _JWT.finditer(text)] if "eyJ" in text else []
    runs = _runs_around(text, near) if near is not None else None
    if runs is None:
        runs = _base64_runs(text)
        if near is not None:
            # Only runs a signature ends inside: nothing Twilio-like is under the others.
            runs = [(s, e) for s, e in runs if _holds_offset(near, s, e)]
    if near is not None and keys:
        runs = sorted(set(runs) | set(_runs_after(text, keys)))
    for s, e in runs:
        if e - s > MAX_SPAN or any(js <= s and e <= je for js, je in jwts):
            continue  # JWTs have their own rule: other issuers' tokens are not findings
        decoded = decode_base64(text[s:e])
        if decoded is not None and _worth_splicing(decoded):
            out.append(Layer(s, e, decoded, "base64"))
    return out


def _holds_offset(offsets: list[int], s: int, e: int) -> bool:
    i = bisect.bisect_left(offsets, s + 1)
    return i < len(offsets) and offsets[i] <= e


def _runs_after(text: str, keys: Sequence[int], reach: int = 4096) -> Iterator[tuple[int, int]]:
    """Base64 runs from each key offset to the end of the next line."""
    end = -1
    for k in keys:
        if k < end:
            continue
        nl = text.find("\n", k, k + reach)
        nl2 = text.find("\n", nl + 1, nl + 1 + reach) if nl >= 0 else -1
        end = min(len(text), k + reach) if nl2 < 0 else nl2
        for s, e in _base64_runs(text[k:end]):
            yield s + k, e + k


def _runs_around(text: str, near: list[int], reach: int = 4096) -> list[tuple[int, int]] | None:
    """The base64 runs around the offsets, each found in a window of its own: a blob with
    thousands of base64 values and one signature costs one window, not all its runs. None
    when a run reaches a window's edge (the caller then finds the runs of the whole text)."""
    out: list[tuple[int, int]] = []
    for h in near:
        if out and h <= out[-1][1]:
            continue
        lo, hi = max(0, h - reach), min(len(text), h + reach)
        for s, e in _base64_runs(text[lo:hi]):
            s, e = s + lo, e + lo
            if s < h <= e:
                if (s == lo and lo > 0) or (e >= hi and hi < len(text)):
                    return None
                out.append((s, e))
                break
    return out


def _base64_runs(text: str) -> list[tuple[int, int]]:
    """Runs of 16+ base64 characters (standard or URL-safe alphabet) with their padding."""
    raw = text.encode("ascii", "replace")  # one byte per character
    runs = char_runs(raw, "A-Za-z0-9+/", MIN_B64) + char_runs(raw, "A-Za-z0-9_-", MIN_B64)
    out: list[tuple[int, int]] = []
    for s, e in sorted(runs, key=lambda r: (r[0], -r[1])):
        if out and s < out[-1][1]:
            continue  # the URL-safe reading of a run already taken (or the reverse)
        pad = 0
        while pad < 2 and e + pad < len(text) and text[e + pad] == "=":
            pad += 1
        out.append((s, e + pad))
    return out


def char_runs(raw: bytes, charset: str, n: int) -> list[tuple[int, int]]:
    """Runs of at least ``n`` bytes from ``charset`` (``A-Za-z0-9+/``), at memory speed:
    ``bytes.translate`` marks members, ``bytes.find`` looks for ``n`` marks in a row."""
    members = set(re.findall(r".-.|.", charset))
    table = bytearray(256)
    for part in members:
        lo, hi = (part[0], part[2]) if len(part) == 3 else (part, part)
        for c in range(ord(lo), ord(hi) + 1):
            table[c] = 1
    cls = raw.translate(bytes(table))
    needle = b"\x01" * n
    out: list[tuple[int, int]] = []
    pos = cls.find(needle)
    while pos >= 0:
        end = cls.find(b"\x00", pos)
        end = len(cls) if end < 0 else end
        out.append((pos, end))
        pos = cls.find(needle, end)
    return out


def _worth_splicing(decoded: str) -> bool:
    """Twilio-like text; a bare value (``data: TWILIO_AUTH_TOKEN: <base64>``: the key is in the
    original line, so the value is judged there); or base64 again (nested, up to MAX_DEPTH)."""
    if interesting(decoded):
        return True
    if _BARE_VALUE.fullmatch(decoded):
        return True
    inner = decoded.strip()
    if _B64_RUN.fullmatch(inner):
        again = decode_base64(inner)
        return again is not None and (interesting(again) or bool(_B64_RUN.fullmatch(again.strip())))
    return False


def decode_base64(run: str) -> str | None:
    """Decoded text when the run is base64 of mostly printable text, else None."""
    body = run.rstrip("=")
    if len(body) < MIN_B64 or len(body) % 4 == 1:
        return None
    if re.fullmatch(r"[0-9a-fA-F]+", body):
        return None  # a hex token or hash, not base64
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw:
        return None
    unprintable = len(raw.translate(None, _PRINTABLE))  # deletes the printable bytes, in C
    if unprintable > 0.1 * len(raw):
        return None
    return raw.decode("utf-8", errors="replace")


def _url_layers(text: str) -> list[Layer]:
    """Runs of non-blank text holding percent escapes, found from the escapes outwards (a
    search led by ``%`` is fast; one led by a character class is not)."""
    import urllib.parse  # the scan of a commit mostly never needs it

    out: list[Layer] = []
    end = -1
    for esc in _PERCENT.finditer(text):
        if esc.start() < end:
            continue  # inside the run just decoded
        start = _last_delimiter(text, esc.start())
        m = _URL_TAIL.match(text, esc.start())
        end = m.end() if m else esc.end()
        run = text[start:end]
        if len(run) > MAX_SPAN:
            continue
        decoded = urllib.parse.unquote_plus(run)
        if decoded != run and _reveals(run, decoded):
            out.append(Layer(start, end, decoded, "url"))
    return out


def _last_delimiter(text: str, pos: int) -> int:
    """Start of the run holding ``pos``: just after the last blank, quote or bracket."""
    lo = max(0, pos - 4096)
    return max([lo] + [text.rfind(c, lo, pos) + 1 for c in _URL_DELIMITERS])


def _json_layers(text: str) -> list[Layer]:
    """JSON strings holding ``\\u`` escapes, found from the escapes outwards: a regex led by
    the opening quote tries every string of a large JSON or pickle (~50 ms a megabyte)."""
    import json

    out: list[Layer] = []
    end = -1
    for esc in _JSON_ESCAPE.finditer(text):
        if esc.start() < end:
            continue  # inside the string just decoded
        start = _string_start(text, esc.start())
        stop = _string_end(text, esc.end())
        if start < 0 or stop < 0:
            continue
        end = stop + 1
        try:
            decoded = json.loads(text[start:end])  # json: imported with the first escape seen
        except ValueError:
            continue
        if isinstance(decoded, str) and _reveals(text[start:end], decoded):
            out.append(Layer(start, end, '"' + decoded + '"', "json-escape"))
    return out


def _string_start(text: str, pos: int) -> int:
    """The opening quote of the JSON string holding ``pos`` (strings never span lines; a
    string longer than ``_JSON_REACH`` is not decoded, which bounds the search)."""
    line = max(text.rfind("\n", max(0, pos - _JSON_REACH), pos) + 1, pos - _JSON_REACH)
    q = text.rfind('"', line, pos)
    while q >= 0 and _escaped(text, q):
        q = text.rfind('"', line, q)
    return q


def _string_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos, pos + _JSON_REACH)
    limit = min(len(text), pos + _JSON_REACH) if nl < 0 else nl
    q = text.find('"', pos, limit)
    while q >= 0 and _escaped(text, q):
        q = text.find('"', q + 1, limit)
    return q


def _escaped(text: str, q: int) -> bool:
    """An odd number of backslashes before the quote escapes it."""
    n = 0
    while q - n - 1 >= 0 and text[q - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _non_overlapping(layers: list[Layer]) -> list[Layer]:
    out: list[Layer] = []
    for layer in sorted(layers, key=lambda x: (x.start, -(x.end - x.start))):
        if out and layer.start < out[-1].end:
            continue
        out.append(layer)
    return out


class Spliced:
    """The text with decoded layers in place of their encoded spans, and the way back."""

    def __init__(self, text: str, layers: list[Layer]):
        parts: list[str] = []
        self.layers = layers
        self._virt: list[tuple[int, int]] = []  # (virtual start, virtual end) per layer
        pos = 0
        vpos = 0
        for layer in layers:
            parts.append(text[pos : layer.start])
            vpos += layer.start - pos
            parts.append(layer.text)
            self._virt.append((vpos, vpos + len(layer.text)))
            vpos += len(layer.text)
            pos = layer.end
        parts.append(text[pos:])
        self.text = "".join(parts)
        self._starts = [v[0] for v in self._virt]

    def locate(self, voffset: int) -> tuple[int, Layer | None]:
        """Original offset of a virtual one, and the layer it lies in (None: plain text)."""
        i = bisect.bisect_right(self._starts, voffset) - 1
        if i < 0:
            return voffset, None
        ve = self._virt[i][1]
        layer = self.layers[i]
        if voffset < ve:
            return layer.start, layer
        return layer.end + (voffset - ve), None


def b64_signatures(words: list[str]) -> set[bytes]:
    """Literal base64 fragments that any encoding of these words must contain.

    Base64 maps 3 bytes to 4 characters, so a word encodes three ways depending on where it
    falls in its group; in each, the characters fed only by the word's own bytes are fixed.
    A gate that looks for these literals sees ``twilio`` or ``AC…`` through base64 without
    decoding anything.
    """
    sigs: set[bytes] = set()
    for word in words:
        raw = word.encode()
        for k in range(3):
            enc = base64.b64encode(b"\0" * k + raw)
            n = k + len(raw)
            skip = (0, 2, 3)[k]
            keep = 4 * (n // 3) + (0, 1, 2)[n % 3]
            sig = enc[skip:keep]
            if len(sig) >= 4:
                sigs.add(sig)
    return sigs


def sid_signature_words() -> list[str]:
    """``AC``/``SK`` with every pair of hex digits: long enough for distinctive signatures."""
    hexd = "0123456789abcdef"
    return [p + a + b for p in ("AC", "SK") for a in hexd for b in hexd]


SIGNATURE_WORDS = [
    "twilio", "Twilio", "TWILIO", "auth_token", "AUTH_TOKEN", "authToken", "AuthToken",
    "account_sid", "ACCOUNT_SID", "accountSid", "AccountSid", "api_secret", "API_SECRET",
    "apiSecret",
]
