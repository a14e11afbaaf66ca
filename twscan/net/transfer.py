"""One HTTP exchange with the limits ``requests`` does not have: a wall-clock deadline for the whole
exchange, a cap on the body, and no redirects.

``requests`` bounds each socket operation, not the exchange: a server that sends one byte every
20 s, in the headers or in the body, never trips a 30 s read timeout, and a body without end is
read into memory until the machine gives out. Even ``allow_redirects=False`` reads the *whole*
body of a 3xx answer (``Session.resolve_redirects`` consumes it). So this module

* prepares the request with the session (headers, auth, proxies and CA settings from the
  environment, as ``Session.request`` would) but sends it through the transport adapter itself,
  so nothing follows or reads a redirect;
* runs the exchange in a daemon thread and waits for it at most ``deadline`` seconds; on
  expiry it shuts the socket down when it can reach it (which wakes the thread at once) and
  raises, and a thread that cannot be woken yet (still reading headers) is left to die with the
  process, bounded meanwhile by the socket timeouts, which are capped at the deadline;
* streams the body raw, decompressing gzip/deflate itself with a bounded output size, so a
  compressed bomb costs no more than ``max_bytes``; other encodings are refused.

Only :class:`TransferError` (and its subclasses) leaves :func:`request`;
messages never hold a URL's query, a header or a credential.
"""

from __future__ import annotations

import contextlib
import socket
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twscan.net.hosts import printable

if TYPE_CHECKING:
    import requests

#: Cap on one answer's (decoded) body. A code-search page of 100 hits with text matches is about
#: 1 MB; the contents API returns files up to 1 MB (base64: 1.4 MB).
MAX_BYTES = 10 * 1024 * 1024
#: Raw bytes read per step: also the bound on how far a step can overshoot the deadline check.
CHUNK = 64 * 1024

Timeout = float | tuple[float, float]


class TransferError(Exception):
    """The exchange failed; ``retry`` says whether trying again could help."""

    retry = True
    timed_out = False


class DeadlineError(TransferError):
    """The whole exchange took longer than its deadline.

    Not worth retrying: a stalled connection trips the per-read timeout long before; missing
    the deadline means the answer kept coming, too slowly, for the whole time.
    """

    retry = False
    timed_out = True


class TooLargeError(TransferError):
    """The answer is larger than the cap (or announces that it is)."""

    retry = False


class RefusedError(TransferError):
    """The answer cannot be read safely (an unknown content encoding)."""

    retry = False


class NetworkError(TransferError):
    """Connection refused or reset, a socket timeout, TLS failure, a broken answer."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass
class Answer:
    """An HTTP answer, detached from ``requests``: lower-case header names, the body as bytes."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    url: str
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class _State:
    resp: requests.Response | None = None
    answer: Answer | None = None
    error: BaseException | None = None
    aborted: bool = False


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: Mapping[str, str | int] | None = None,
    data: Sequence[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: Any = None,
    timeout: Timeout = (10.0, 30.0),
    deadline: float = 60.0,
    max_bytes: int = MAX_BYTES,
    read_body: bool = True,
    check: Callable[[str], None] | None = None,
) -> Answer:
    """``method`` ``url`` within ``deadline`` seconds in all, reading at most ``max_bytes`` of
    body. ``data`` is sent form-encoded, and a key may repeat (Twilio takes a list as repeated
    fields).

    ``check`` sees the final, prepared URL (after ``params`` and the session's quoting) before
    anything is sent and may raise to stop it. With ``read_body=False`` the body is never read:
    only the status and headers come back.
    """
    import threading

    import requests

    deadline = max(0.0, deadline)
    request = requests.Request(
        method,
        url,
        params=dict(params or {}),
        data=list(data) if data is not None else None,
        headers=dict(headers or {}),
        auth=auth,
    )
    try:
        prepared = session.prepare_request(request)
        target = prepared.url or url
        settings = session.merge_environment_settings(target, {}, True, None, None)
        adapter = session.get_adapter(target)
    except Exception as exc:  # a URL requests cannot send (already checked, so unexpected)
        raise RefusedError(f"the URL cannot be sent ({type(exc).__name__})") from None
    if check is not None:
        check(target)
    verify = settings.get("verify")
    state = _State()
    done = threading.Event()

    def work() -> None:
        try:
            resp = adapter.send(
                prepared,
                stream=True,
                timeout=_capped(timeout, deadline),
                verify=True if verify is None else verify,
                cert=settings.get("cert"),
                proxies=settings.get("proxies"),
            )
            state.resp = resp
            try:
                if not state.aborted:
                    body = _read_body(resp, max_bytes, state) if read_body else b""
                    state.answer = Answer(
                        status=resp.status_code,
                        reason=printable(str(resp.reason or ""), 100),
                        headers={k.lower(): v for k, v in resp.headers.items()},
                        body=body,
                        url=resp.url or target,
                        links=_links(resp.headers.get("link")),
                    )
            finally:
                resp.close()
        except BaseException as exc:  # handed to the waiting thread, which translates it
            state.error = exc
        finally:
            done.set()

    threading.Thread(target=work, name="twscan-http", daemon=True).start()
    if not done.wait(deadline):
        state.aborted = True
        _abort(state.resp)
        raise DeadlineError(f"no complete answer within {deadline:g} s")
    if state.error is not None:
        raise _translate(state.error) from None
    assert state.answer is not None
    return state.answer


def _capped(timeout: Timeout, deadline: float) -> tuple[float, float]:
    """Socket timeouts no longer than the deadline, so an abandoned thread ends soon too."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    floor = 0.001  # zero would mean non-blocking to the socket layer
    return max(floor, min(connect, deadline)), max(floor, min(read, deadline))


def _read_body(resp: requests.Response, max_bytes: int, state: _State) -> bytes:
    length = resp.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > max_bytes:
        raise TooLargeError(
            f"answer announced as {_size(int(length))}, over the {_size(max_bytes)} cap; not read"
        )
    encoding = resp.headers.get("content-encoding", "").strip().lower()
    decoder: Any = None
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    elif encoding not in ("", "identity"):
        raise RefusedError(f"answer in content encoding {printable(encoding, 40)!r}; not read")
    body = bytearray()
    too_large = TooLargeError(f"answer larger than the {_size(max_bytes)} cap; not read")
    for raw in resp.raw.stream(CHUNK, decode_content=False):
        if state.aborted:
            raise DeadlineError("aborted")
        if decoder is None:
            body += raw
        else:
            pending = raw
            while pending:
                try:
                    body += decoder.decompress(pending, max_bytes - len(body) + 1)
                except zlib.error:
                    raise RefusedError("answer with a corrupt compressed body") from None
                if len(body) > max_bytes:
                    raise too_large
                pending = decoder.unconsumed_tail
        if len(body) > max_bytes:
            raise too_large
    if decoder is not None:
        try:
            body += decoder.flush()
        except zlib.error:
            raise RefusedError("answer with a corrupt compressed body") from None
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


def _abort(resp: requests.Response | None) -> None:
    """Shut the answer's socket down, which wakes a thread blocked reading it."""
    if resp is None:
        return
    raw = getattr(resp, "raw", None)
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:  # urllib3 already let go of the connection: reach it through http.client
        sock_io = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)
        sock = getattr(sock_io, "_sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _translate(exc: BaseException) -> TransferError:
    """Whatever the worker raised, as a :class:`TransferError` with a safe message."""
    import requests
    import urllib3.exceptions

    if isinstance(exc, TransferError):
        return exc
    name = type(exc).__name__
    if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError):
        return NetworkError(f"timed out ({name})", timed_out=True)
    if isinstance(exc, requests.RequestException | urllib3.exceptions.HTTPError | OSError):
        return NetworkError(f"failed ({name})")
    if isinstance(exc, Exception):  # http.client, a bad header value: still just a failure
        return NetworkError(f"failed ({name})")
    raise exc  # KeyboardInterrupt, SystemExit in the worker: not ours to hide


def _links(header: str | None) -> dict[str, str]:
    """``Link`` header as ``{rel: url}``, the way ``requests.Response.links`` reads it."""
    if not header:
        return {}
    from requests.utils import parse_header_links

    out: dict[str, str] = {}
    for link in parse_header_links(header):
        key = link.get("rel") or link.get("url")
        if key and "url" in link:
            out[key] = link["url"]
    return out


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def monotonic() -> float:
    """Transfer time is real time, whatever clock paces the rate limits."""
    return time.monotonic()
