"""Twilio's REST API, called with the bounds an incident response needs.

``twscan respond`` acts on an account that may be under attack, with the one credential that
can still save it, so every exchange is careful:

* requests go to Twilio's own hosts only (``api``, ``voice``, ``accounts``), over HTTPS; one
  ``--twilio-api-base`` replaces them all (a proxy, a test server; plain http on loopback only)
  and the plan shows it. A redirect is never followed (the credential would go with it), and a
  next-page URL Twilio hands out must stay on the host the list came from;
* each exchange has a deadline for the whole of it and a cap on the body
  (:mod:`twscan.net.transfer`);
* retries are bounded and only where Twilio cannot have acted: 429 (with ``Retry-After``,
  capped) and 503 for every method; other 5xx and network failures for GET and DELETE only, whose
  repetition changes nothing. A 401, 403 or 404 is an answer, never retried;
* no message holds a credential, a query or a body: Twilio's error code and message (printable,
  bounded) and the method and path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twscan import __version__
from twscan.core.errors import TwscanError
from twscan.net import transfer
from twscan.net.hosts import credential_base, printable, shown_host, split_origin

if TYPE_CHECKING:
    import requests

#: Twilio's hosts by the part of the API they serve (from Twilio's OpenAPI ``servers``).
HOSTS = {
    "api": "https://api.twilio.com",
    "voice": "https://voice.twilio.com",
    "accounts": "https://accounts.twilio.com",
}
USER_AGENT = f"twscan/{__version__} (respond)"
#: Attempts per request, the first included.
ATTEMPTS = 4
#: Longest wait between attempts, whatever ``Retry-After`` asks.
MAX_BACKOFF_S = 30.0
#: Pages of one list: 1,000 pages of up to 1,000 entries is beyond any account.
MAX_PAGES = 1000
_IDEMPOTENT = frozenset({"GET", "DELETE"})


@dataclass(frozen=True)
class Credential:
    """What twscan acts with: an Account SID and its Auth Token, or an API key SID and its
    secret acting for ``account_sid``. ``repr`` never shows the secret."""

    user: str
    secret: str
    account_sid: str

    def __repr__(self) -> str:
        return f"Credential(user={self.user!r}, account_sid={self.account_sid!r})"

    @property
    def is_key(self) -> bool:
        return self.user.startswith("SK")


class TwilioError(TwscanError):
    """Twilio refused or failed; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, *, status: int = 0, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class TwilioClient:
    """One base URL per Twilio host, one session, bounded exchanges."""

    def __init__(
        self,
        base: str | None = None,
        *,
        deadline: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if base is None:
            self.bases = dict(HOSTS)
        else:
            checked = credential_base(base, "--twilio-api-base")
            self.bases = {name: checked for name in HOSTS}
        self.deadline = deadline
        self._sleep = sleep
        if session is None:
            import requests

            session = requests.Session()
            session.trust_env = False  # no .netrc credentials or proxy from the environment
        self.session = session
        #: (method, url) of every request sent, in order: the plan's and the tests' record.
        self.sent: list[tuple[str, str]] = []

    def close(self) -> None:
        self.session.close()

    def url(self, host: str, path: str) -> str:
        return self.bases[host] + path

    def call(
        self,
        cred: Credential,
        method: str,
        host: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        data: Sequence[tuple[str, str]] | None = None,
    ) -> Any:
        """The JSON answer of one request (``None`` for 204), after bounded retries."""
        return self._send(cred, method, self.url(host, path), host, params=params, data=data)

    def pages(
        self,
        cred: Credential,
        host: str,
        path: str,
        key: str,
        *,
        params: dict[str, str | int] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every entry of a list, page after page: the 2010 API's relative ``next_page_uri``
        and the v1 APIs' absolute ``meta.next_page_url`` alike."""
        url = self.url(host, path)
        query: dict[str, str | int] | None = {"PageSize": 1000, **(params or {})}
        for _ in range(MAX_PAGES):
            page = self._send(cred, "GET", url, host, params=query)
            entries = page.get(key) if isinstance(page, dict) else None
            if not isinstance(entries, list):
                raise TwilioError(f"GET {_path(url)}: Twilio's answer holds no {key!r} list")
            for entry in entries:
                if isinstance(entry, dict):
                    yield entry
            nxt = _next_page(page, self.bases[host])
            if not nxt:
                return
            url, query = nxt, None
        raise TwilioError(f"GET {_path(url)}: more than {MAX_PAGES} pages; stopped")

    def _send(
        self,
        cred: Credential,
        method: str,
        url: str,
        host: str,
        *,
        params: dict[str, str | int] | None = None,
        data: Sequence[tuple[str, str]] | None = None,
    ) -> Any:
        origin = split_origin(self.bases[host])

        def same_origin(target: str) -> None:
            if split_origin(target) != origin:
                raise transfer.RefusedError(f"the request would leave {shown_host(url)}")

        what = f"{method} {_path(url)}"
        try:
            return self._attempts(cred, method, url, what, same_origin, params, data)
        except TwilioError as exc:
            # Twilio's message is the server's text: whatever answers there could echo the
            # credential back, and it must not reach a terminal or a journal that way.
            text = str(exc)
            if cred.secret and cred.secret in text:
                raise TwilioError(
                    text.replace(cred.secret, "[redacted]"), status=exc.status, code=exc.code
                ) from None
            raise

    def _attempts(
        self,
        cred: Credential,
        method: str,
        url: str,
        what: str,
        same_origin: Callable[[str], None],
        params: dict[str, str | int] | None,
        data: Sequence[tuple[str, str]] | None,
    ) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            self.sent.append((method, url))
            try:
                answer = transfer.request(
                    self.session,
                    method,
                    url,
                    params=params,
                    data=data,
                    auth=(cred.user, cred.secret),
                    timeout=(min(10.0, self.deadline), self.deadline),
                    deadline=self.deadline,
                    headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                    check=same_origin,
                )
            except transfer.TransferError as exc:
                again = exc.retry and method in _IDEMPOTENT and attempt < ATTEMPTS
                if not again:
                    if exc.timed_out:
                        raise TwilioError(
                            f"{what}: no answer from {shown_host(url)} within {self.deadline:g} s"
                        ) from None
                    raise TwilioError(f"{what}: {exc}") from None
                self._sleep(_backoff(attempt, None))
                continue
            status = answer.status
            if 200 <= status < 300:
                if status == 204 or not answer.body.strip():
                    return None
                try:
                    return json.loads(answer.body)
                except ValueError:
                    raise TwilioError(
                        f"{what}: Twilio's answer is not JSON", status=status
                    ) from None
            if 300 <= status < 400:
                where = shown_host(answer.headers.get("location", "")) or "elsewhere"
                raise TwilioError(
                    f"{what}: Twilio answered with a redirect ({status}) to {where}; not "
                    "followed: a credential never goes along a redirect",
                    status=status,
                )
            retryable = status in (429, 503) or (status >= 500 and method in _IDEMPOTENT)
            if retryable and attempt < ATTEMPTS:
                self._sleep(_backoff(attempt, answer.headers.get("retry-after")))
                continue
            raise _error(what, status, answer.body)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


def _backoff(attempt: int, retry_after: str | None) -> float:
    """1, 2, 4 … seconds, or what ``Retry-After`` asks (in seconds), capped either way."""
    if retry_after is not None and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_BACKOFF_S)
    return min(2.0 ** (attempt - 1), MAX_BACKOFF_S)


def _error(what: str, status: int, body: bytes) -> TwilioError:
    """Twilio's error as one line: its code and message, never the body as such."""
    code: int | None = None
    message = ""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        raw_code = parsed.get("code")
        code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
        if isinstance(parsed.get("message"), str):
            message = printable(parsed["message"], 200)
    detail = f"Twilio error {code}: {message}" if code is not None else message or "no detail"
    meaning = {
        401: "the credential was rejected",
        403: "not allowed with this credential",
        404: "not found (or not visible to this credential)",
        429: "rate limited, still after retries",
    }.get(status, "Twilio failed" if status >= 500 else "refused")
    return TwilioError(f"{what}: {status}, {meaning} ({detail})", status=status, code=code)


def _next_page(page: Any, base: str) -> str | None:
    """The next page's URL, on ``base``'s origin, or ``None`` at the end of the list."""
    if not isinstance(page, dict):
        return None
    relative = page.get("next_page_uri")
    absolute = (
        page.get("meta", {}).get("next_page_url") if isinstance(page.get("meta"), dict) else None
    )
    if isinstance(relative, str) and relative:
        if not relative.startswith("/") or relative.startswith("//"):
            raise TwilioError("Twilio's next page is not a path on its host; not followed")
        return base + relative
    if isinstance(absolute, str) and absolute:
        if split_origin(absolute) != split_origin(base):
            raise TwilioError(
                f"Twilio's next page is on another host ({shown_host(absolute)}); not followed: "
                "a credential never leaves the host it was sent to"
            )
        return absolute
    return None


def _path(url: str) -> str:
    """The path of a URL, for messages: no host, no query."""
    import urllib.parse

    try:
        return printable(urllib.parse.urlsplit(url).path or "/", 200)
    except ValueError:
        return "?"
