"""A small GitHub REST client for the exposure check: code search, path history, file contents.

Written on ``requests`` rather than a GitHub library because the code-search bucket (about ten
requests a minute) needs pacing *before* each request, and 403/429 answers need an exact,
testable classification; no library does both (see ``shared/research/github-search.md`` §6).

Rules this module enforces, whatever its callers do:

* the only user data ever sent is a SID, as the ``q`` of a code search (checked by regex);
  every other URL is one GitHub itself handed out (a ``Link`` page, a hit's contents URL, a
  repository and path from a hit), and the token is only ever sent to the configured API origin;
* the GitHub token never appears in a message: every error text is scrubbed of it;
* every exchange is bounded (:mod:`twscan.net.transfer`): a deadline per request and a
  transfer budget per run, a size cap per answer, at most ``ceil(1000 / per_page)`` search pages;
  redirects are followed only within the API origin, a few hops at most;
* ``requests`` is imported when a client is built, never when this module is imported, so the
  scan path does not pay for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from twscan import __version__
from twscan.core.errors import TwscanError
from twscan.net import transfer
from twscan.net.github.options import DEFAULT_API_URL as DEFAULT_API_URL
from twscan.net.github.options import DEFAULT_GITHUB_TIMEOUT_S
from twscan.net.github.ratelimit import (
    DEFAULT_SEARCH_LIMIT,
    MAX_SEARCH_LIMIT,
    WINDOW_S,
    Bucket,
    Clock,
    LimitHeaders,
    SystemClock,
    Throttle,
    classify,
)
from twscan.net.hosts import Origin, canonical_host, printable, shown_host, split_origin
from twscan.net.hosts import is_loopback as is_loopback

if TYPE_CHECKING:
    import requests


API_VERSION = "2022-11-28"
TEXT_MATCH = "application/vnd.github.text-match+json"
JSON = "application/vnd.github+json"
USER_AGENT = f"twscan/{__version__} (GitHub exposure check; +https://pypi.org/project/twscan/)"
#: The REST API returns at most 1,000 results per search, 100 a page.
RESULT_CAP = 1000
PER_PAGE = 100
#: Deadline for one exchange, body included (GitHub itself ends requests after about 10 s).
REQUEST_DEADLINE_S = 60.0
#: Pages of a listing (repositories of an organisation) read at most: 100,000 items.
MAX_LIST_PAGES = 1000
#: Same-origin redirects followed for one request (GitHub answers 301 for a renamed repository).
MAX_REDIRECTS = 5

#: What may be searched for: a Twilio Account SID or API key SID, nothing else.
SID_RE = re.compile(r"(?:AC|SK)[0-9a-fA-F]{32}")


class GitHubError(TwscanError):
    """A GitHub problem that ends the run with exit code 2 (message never holds the token)."""


class GitHubAuthError(GitHubError):
    """The token is missing, wrong, expired, or locked out (401, or 403 after failed logins)."""


class GitHubRateLimitError(GitHubError):
    """Still rate limited after the allowed tries or beyond ``--max-wait``."""


class GitHubTimeoutError(GitHubError):
    """The run's transfer budget (``--github-timeout``) is used up."""


class GitHubHTTPError(GitHubError):
    """Any other refusal (403 permission, 404, 422, 5xx after retries, network failure)."""

    def __init__(self, message: str, status: int = 0, api_message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.api_message = api_message


@dataclass
class Reply:
    """What the rest of twscan needs of an HTTP answer, detached from ``requests``."""

    status: int
    headers: dict[str, str]
    data: Any
    links: dict[str, str]
    url: str


@dataclass
class SearchResult:
    """Everything one SID's code search returned, across pages."""

    sid: str
    total_count: int
    incomplete_results: bool
    items: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    capped: bool = False  # stopped at the API's 1,000-result cap
    stopped: str | None = None  # why paging ended before the server's last page, if it did


def _message(data: Any, fallback: str) -> str:
    """The ``message`` of a GitHub error body, plus the first ``errors[].message`` if any."""
    if not isinstance(data, dict):
        return fallback
    text = str(data.get("message") or fallback)
    errors = data.get("errors")
    if isinstance(errors, list):
        details = [str(e.get("message") or e.get("code")) for e in errors if isinstance(e, dict)]
        details = [d for d in details if d and d != "None"]
        if details:
            text = f"{text}: {'; '.join(details)}"
    return text


def _utc(epoch: float) -> str:
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):  # a server's absurd reset time
        return "a time out of range"


def _stderr(message: str) -> None:
    from twscan.core.safeio import clean  # GitHub's words and paths: one line, nothing that drives

    print(f"twscan: {clean(message)}", file=sys.stderr, flush=True)


class GitHubClient:
    """Serial, paced, bounded access to the four GitHub endpoints the exposure check needs.

    ``max_wait`` bounds the total seconds spent waiting on limits GitHub signalled (403/429
    answers, and a reported reset when ``remaining`` reached 0); a wait that would go beyond it
    fails at once instead of waiting in vain. The client's own pacing of code search (at most the
    bucket's limit per rolling minute) is not counted: it is always under about a minute, and
    it is what keeps GitHub from signalling anything in the first place.

    ``budget`` bounds the other kind of time: seconds spent in HTTP exchanges over the client's
    life (one run), real time, transfer included; ``deadline`` bounds one exchange and
    ``max_bytes`` one answer's body. ``timeout`` is the per-socket-operation (connect, read)
    timeout, which alone bounds nothing: a server can keep each read just under it.
    """

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        token_source: str = "the GitHub token",
        clock: Clock | None = None,
        max_wait: float = 300.0,
        max_tries: int = 5,
        error_tries: int = 3,
        timeout: float | tuple[float, float] = (10.0, 30.0),
        deadline: float = REQUEST_DEADLINE_S,
        budget: float = DEFAULT_GITHUB_TIMEOUT_S,
        max_bytes: int = transfer.MAX_BYTES,
        session: requests.Session | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        import requests  # deferred: only this feature pays for it

        if not token or any(c.isspace() for c in token):
            raise GitHubAuthError(f"{token_source} is empty or contains whitespace")
        self._token = token
        self.api_url = normalize_api_url(api_url)
        self.token_source = token_source
        self.clock: Clock = clock or SystemClock()
        self.max_wait = max_wait
        self.max_tries = max_tries
        self.error_tries = error_tries
        self.timeout = timeout
        self.deadline = deadline
        self.budget = budget
        self.max_bytes = max_bytes
        self.notify = notify if notify is not None else _stderr
        self.waited = 0.0  # seconds spent on GitHub-signalled limits so far
        self.spent = 0.0  # real seconds spent in HTTP exchanges so far
        self.search_bucket = Bucket("code search", DEFAULT_SEARCH_LIMIT, WINDOW_S, MAX_SEARCH_LIMIT)
        self.core_bucket = Bucket("core", None, None)
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "User-Agent": USER_AGENT,
                "X-GitHub-Api-Version": API_VERSION,
                "Accept": JSON,
                # Only encodings twscan decompresses itself, with a bounded output.
                "Accept-Encoding": "gzip",
            }
        )
        origin = split_origin(self.api_url)
        assert origin is not None  # normalize_api_url checked it
        self._origin: Origin = origin
        self._base_path = urllib.parse.urlsplit(self.api_url).path.rstrip("/")

    # -- public calls -------------------------------------------------------------------------

    def search_code(self, sid: str, *, per_page: int = PER_PAGE) -> SearchResult:
        """All code-search hits for one SID, following ``Link`` pages up to the 1,000 cap.

        At most ``ceil(1000 / per_page)`` pages are asked for, whatever the server's links say,
        and an empty page ends the search even if it links to another: GitHub never serves
        more than 1,000 results, so a server that goes on is broken or hostile.
        """
        if not SID_RE.fullmatch(sid):
            # The one place user data enters a request: refuse anything but a SID.
            raise ValueError("only an Account SID or API key SID may be sent to GitHub search")
        max_pages = math.ceil(RESULT_CAP / max(1, per_page))
        url: str | None = f"{self.api_url}/search/code"
        params: dict[str, str | int] | None = {"q": sid, "per_page": per_page}
        result = SearchResult(sid=sid, total_count=0, incomplete_results=False)
        while url is not None:
            if result.pages >= max_pages:
                result.stopped = (
                    f"GitHub offered more than {max_pages} pages of code search results for "
                    f"{sid}; stopped there (its API serves at most {RESULT_CAP} results)"
                )
                break
            try:
                reply = self._get(url, params, TEXT_MATCH, self.search_bucket, f"search for {sid}")
            except GitHubHTTPError as err:
                if err.status == 422 and "first 1000" in err.api_message and result.pages:
                    result.capped = True
                    break
                raise
            data = reply.data
            if not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise GitHubHTTPError(
                    f"GitHub code search for {sid} gave an answer without items", reply.status
                )
            result.pages += 1
            total = data.get("total_count")
            if isinstance(total, int):
                result.total_count = total
            result.incomplete_results |= bool(data.get("incomplete_results"))
            items = [i for i in data["items"] if isinstance(i, dict)]
            result.items.extend(items)
            if len(result.items) >= RESULT_CAP:
                result.capped = result.total_count > RESULT_CAP
                del result.items[RESULT_CAP:]
                break
            url, params = reply.links.get("next"), None
            if url is not None and not items:
                result.stopped = (
                    f"GitHub sent an empty page {result.pages} of code search results for {sid} "
                    "with a link to a further page; stopped there"
                )
                break
        if result.stopped:
            self.notify(result.stopped)
        return result

    def path_commits(
        self, full_name: str, path: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The newest and the oldest commit touching ``path`` on the default branch.

        One request with ``per_page=1`` gives the newest; its ``rel="last"`` page holds the
        oldest. Without a ``last`` link everything is on that one page.
        """
        owner, _, repo = full_name.partition("/")
        url = (
            f"{self.api_url}/repos/{urllib.parse.quote(owner, safe='')}"
            f"/{urllib.parse.quote(repo, safe='')}/commits"
        )
        what = f"history of {printable(full_name, 200)}/{printable(path, 200)}"
        first = self._get(url, {"path": path, "per_page": 1}, JSON, self.core_bucket, what)
        newest = _first_commit(first.data, last=False)
        last_url = first.links.get("last")
        if last_url is None or newest is None:
            # One page: its last item is the oldest (the same one when per_page=1 was honoured).
            return newest, _first_commit(first.data, last=True)
        last = self._get(last_url, None, JSON, self.core_bucket, what)
        return newest, _first_commit(last.data, last=True) or newest

    def fetch_file(self, contents_url: str) -> bytes | None:
        """The bytes of a file through the contents API URL GitHub gave with the hit."""
        reply = self._get(contents_url, None, JSON, self.core_bucket, "file contents")
        data = reply.data
        if not isinstance(data, dict) or not isinstance(data.get("content"), str):
            return None
        if data.get("encoding") not in (None, "base64"):
            return None
        try:
            return base64.b64decode(data["content"], validate=False)
        except (binascii.Error, ValueError):
            return None

    def get_list(
        self,
        path: str,
        params: Mapping[str, str | int],
        what: str,
        *,
        max_pages: int = MAX_LIST_PAGES,
    ) -> list[Any]:
        """Every item of a listing endpoint (``path`` under the API URL), page after page.

        Pages are followed through ``Link: rel="next"`` only while they stay at the API origin
        (:meth:`_get` refuses any other URL before anything is sent), with the pacing, retries
        and token handling of every request. A listing that cannot be had whole is an error,
        never a shorter list that looks complete: a next link to elsewhere, a page that is not
        a list, an empty page that links on, a link seen before, more than ``max_pages``.
        """
        url: str | None = f"{self.api_url}{path}"
        query: Mapping[str, str | int] | None = params
        items: list[Any] = []
        seen: set[str] = set()
        pages = 0
        while url is not None:
            if pages >= max_pages:
                raise GitHubHTTPError(
                    f"GitHub offered more than {max_pages} pages of the {what}; stopped there"
                )
            reply = self._get(url, query, JSON, self.core_bucket, what)
            pages += 1
            if not isinstance(reply.data, list):
                raise GitHubHTTPError(
                    f"GitHub answered page {pages} of the {what} with something that is not a "
                    "list",
                    reply.status,
                )
            items.extend(reply.data)
            url, query = reply.links.get("next"), None
            if url is not None and (not reply.data or url in seen):
                why = "an empty page" if not reply.data else "a link to a page already read"
                raise GitHubHTTPError(
                    f"GitHub sent {why} in the {what} (page {pages}) with a link to a further "
                    "page; stopped there"
                )
            if url is not None:
                seen.add(url)
        return items

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    # -- one request, with pacing, retries and same-origin redirects -------------------------

    def _get(
        self,
        url: str,
        params: Mapping[str, str | int] | None,
        accept: str,
        bucket: Bucket,
        what: str,
    ) -> Reply:
        self._check_origin(url)
        rate_tries = 0
        error_tries = 0
        secondary_hits = 0
        redirects = 0
        while True:
            self._pace(bucket, what)
            try:
                answer = self._exchange(url, params, accept, what)
            except transfer.TransferError as exc:
                bucket.record(self.clock.time(), LimitHeaders())
                problem = f"request to {self._host()} for the {what}: {exc}"
                if not exc.retry:
                    raise GitHubHTTPError(problem) from None
                error_tries += 1
                if error_tries >= self.error_tries:
                    raise GitHubHTTPError(f"{problem}, after {error_tries} tries") from None
                self._backoff(error_tries, problem)
                continue
            headers = answer.headers
            limits = LimitHeaders.parse(headers)
            bucket.record(self.clock.time(), limits)
            data = _json(answer.body)
            status = answer.status
            if 200 <= status < 300:
                return Reply(status, headers, data, answer.links, answer.url)
            if 300 <= status < 400:
                url = self._redirect_target(answer, what, redirects)
                params = None
                redirects += 1
                continue
            api_message = self._scrub(_message(data, answer.reason or f"HTTP {status}"))
            if status == 401:
                raise GitHubAuthError(
                    f"GitHub rejected {self.token_source} (401 {api_message}): "
                    "the token is wrong, expired or revoked"
                )
            if status in (403, 429):
                if "login attempts" in api_message.lower():
                    raise GitHubAuthError(
                        f"GitHub locked out {self.token_source} after failed logins "
                        f"({status} {api_message})"
                    )
                throttle = classify(status, limits, api_message, self.clock.time(), secondary_hits)
                if throttle.wait is None:
                    raise GitHubHTTPError(
                        f"GitHub refused the {what} ({status} {api_message}); this is a "
                        f"permission problem, not a rate limit, so it is not retried",
                        status,
                        api_message,
                    )
                rate_tries += 1
                if throttle.backoff:
                    secondary_hits += 1
                self._wait_for_limit(throttle, bucket, what, rate_tries)
                continue
            if status >= 500:
                error_tries += 1
                problem = f"GitHub failed the {what} ({status} {api_message})"
                if error_tries >= self.error_tries:
                    raise GitHubHTTPError(f"{problem} {error_tries} times", status, api_message)
                self._backoff(error_tries, problem)
                continue
            invalid = " as invalid" if status == 422 else ""
            raise GitHubHTTPError(
                f"GitHub refused the {what}{invalid} ({status} {api_message})", status, api_message
            )

    def _exchange(
        self, url: str, params: Mapping[str, str | int] | None, accept: str, what: str
    ) -> transfer.Answer:
        """One exchange within the request deadline and what is left of the run's budget."""
        left = self.budget - self.spent
        if left <= 0:
            raise GitHubTimeoutError(self._budget_message(what))
        limit = min(self.deadline, left)
        started = transfer.monotonic()
        try:
            return transfer.request(
                self.session,
                "GET",
                url,
                params=params,
                headers={"Accept": accept},
                auth=self._auth,
                timeout=self.timeout,
                deadline=limit,
                max_bytes=self.max_bytes,
                check=self._check_prepared,
            )
        except transfer.DeadlineError:
            if limit < self.deadline:
                raise GitHubTimeoutError(self._budget_message(what)) from None
            raise
        finally:
            self.spent += transfer.monotonic() - started

    def _budget_message(self, what: str) -> str:
        return (
            f"GitHub answers took {self.budget:g} s in all (--github-timeout), stopped at the "
            f"{what}; GitHub or the network is too slow, try again later or raise --github-timeout"
        )

    def _redirect_target(self, answer: transfer.Answer, what: str, redirects: int) -> str:
        """Where a 3xx points, if it stays at the API origin; anything else is an error."""
        status = answer.status
        location = answer.headers.get("location", "").strip()
        if not location:
            raise GitHubHTTPError(f"GitHub answered the {what} with {status} and no Location")
        target = urllib.parse.urljoin(answer.url, location)
        if not self._same_origin(target):
            raise GitHubHTTPError(
                f"GitHub answered the {what} with a redirect ({status}) to {shown_host(target)}, "
                f"outside {self.api_url}; redirects to another host are not followed",
                status,
            )
        if redirects >= MAX_REDIRECTS:
            raise GitHubHTTPError(
                f"GitHub redirected the {what} more than {MAX_REDIRECTS} times; stopped", status
            )
        return target

    def _pace(self, bucket: Bucket, what: str) -> None:
        """Wait, if needed, so this request stays inside the bucket's budget."""
        now = self.clock.time()
        wait = bucket.wait_needed(now)
        if wait <= 0:
            return
        if bucket.reset_wait(now) >= wait:
            # GitHub said the quota is spent: this counts against --max-wait.
            self._charge(wait, bucket, what, "quota used up")
            self.notify(
                f"GitHub {bucket.name} quota used up; waiting {wait:.0f} s for the reset at "
                f"{_utc(now + wait)} before the {what}"
            )
        elif wait >= 1.0:  # sub-second pacing is not worth a line on stderr
            self.notify(
                f"pacing GitHub {bucket.name} to {bucket.limit} requests a minute; "
                f"waiting {math.ceil(wait)} s before the {what}"
            )
        self.clock.sleep(wait)

    def _wait_for_limit(self, throttle: Throttle, bucket: Bucket, what: str, tries: int) -> None:
        wait = throttle.wait
        assert wait is not None
        label = {"primary": "rate limit", "secondary": "secondary rate limit"}.get(
            throttle.kind, "rate limit (retry-after)"
        )
        if tries > self.max_tries:
            raise GitHubRateLimitError(
                f"GitHub {bucket.name} {label}: still limited after {tries} tries for the "
                f"{what}; giving up, try again later"
            )
        self._charge(wait, bucket, what, label)
        if throttle.source == "reset":
            until = f"for the reset at {_utc(self.clock.time() + wait)}"
        elif throttle.source == "backoff":
            until = "(at least a minute, doubling on each repeat)"
        else:
            until = "as GitHub's retry-after asks"
        self.notify(f"GitHub {bucket.name} {label} hit; waiting {wait:.0f} s {until}")
        self.clock.sleep(wait)

    def _charge(self, wait: float, bucket: Bucket, what: str, label: str) -> None:
        """Count a GitHub-imposed wait against ``--max-wait``, or give up before waiting."""
        if self.waited + wait > self.max_wait:
            until = f"until {_utc(self.clock.time() + wait)}" if math.isfinite(wait) else "forever"
            raise GitHubRateLimitError(
                f"GitHub {bucket.name} {label}: the {what} would need another {wait:.0f} s "
                f"({until}), beyond --max-wait {self.max_wait:.0f} s; try again later or raise "
                "--max-wait"
            )
        self.waited += wait

    def _backoff(self, tries: int, problem: str) -> None:
        delay = float(tries * tries)  # 1, 4, 9 s as githubkit does for 5xx
        self.notify(f"{problem}; retrying in {delay:.0f} s")
        self.clock.sleep(delay)

    # -- safety -------------------------------------------------------------------------------

    def _auth(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Attach the token only when the request goes to the configured API origin.

        Passed as ``auth`` (not a default header) so that ``requests`` never lets a
        ``~/.netrc`` entry replace it.
        """
        if request.url is not None and self._same_origin(request.url):
            request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def _same_origin(self, url: str) -> bool:
        """Same scheme, same host by exact canonical spelling, same port, under the API path.

        Two loopback names are two hosts here: ``localhost`` may reach ``::1`` where the API
        listens on ``127.0.0.1``, and ``127.0.0.2`` is another socket another user may own.
        """
        return split_origin(url) == self._origin and urllib.parse.urlsplit(url).path.startswith(
            self._base_path + "/"
        )

    def _check_origin(self, url: str) -> None:
        if not self._same_origin(url):
            raise GitHubHTTPError(
                f"refusing to follow a GitHub URL outside {self.api_url}: {_shown_url(url)}"
            )

    def _check_prepared(self, url: str) -> None:
        """The URL ``requests`` will really connect to, read as urllib3 reads it, is the API's.

        Guards against parser differentials: a URL that :func:`split_origin` reads as the API
        but urllib3 sends elsewhere is refused before anything leaves.
        """
        import urllib3.util

        self._check_origin(url)
        try:
            parsed = urllib3.util.parse_url(url)
        except ValueError:
            parsed = None
        host = canonical_host((parsed.host or "").strip("[]")) if parsed else None
        scheme = (parsed.scheme or "").lower() if parsed else ""
        default = {"http": 80, "https": 443}.get(scheme)
        port = parsed.port if parsed and parsed.port is not None else default
        if parsed is None or parsed.auth or Origin(scheme, host or "", port or -1) != self._origin:
            raise GitHubHTTPError(
                f"refusing to follow a GitHub URL outside {self.api_url}: {_shown_url(url)}"
            )

    def _host(self) -> str:
        return self._origin.netloc()

    def _scrub(self, text: str) -> str:
        """Cut a server message to one short printable line and make sure the token is not in
        it."""
        if self._token:
            text = text.replace(self._token, "[token]")
        return printable(text, 300)


def _json(body: bytes) -> Any:
    """The JSON of a body, or ``None``: garbage and absurd nesting are just "not JSON"."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _no_query(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _shown_url(url: str) -> str:
    """An untrusted URL without query, printable, short."""
    try:
        return printable(_no_query(url), 200)
    except ValueError:
        return printable(url.split("?", 1)[0], 200)


def _first_commit(data: Any, *, last: bool) -> dict[str, Any] | None:
    """The first (or last) commit object of a commits page, if the page is a list of them."""
    if not isinstance(data, list) or not data:
        return None
    item = data[-1] if last else data[0]
    return item if isinstance(item, dict) else None


def normalize_api_url(api_url: str) -> str:
    """Validate ``--github-api-url``: http(s), a plain host, no credentials, query or fragment."""
    text = api_url.strip()
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        raise TwscanError("--github-api-url is not a URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TwscanError(f"--github-api-url must be an http(s) URL, got {_shown_url(text)!r}")
    if parts.username or parts.password or parts.query or parts.fragment or "@" in parts.netloc:
        raise TwscanError("--github-api-url must not carry credentials, a query or a fragment")
    if split_origin(text) is None:
        raise TwscanError(
            f"--github-api-url has a host twscan cannot read unambiguously: {shown_host(text)}"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def web_search_url(sid: str, api_url: str = DEFAULT_API_URL) -> str:
    """Twilio's manual check, on github.com or on the GHES host the API URL points to."""
    parts = urllib.parse.urlsplit(normalize_api_url(api_url))
    host = parts.netloc
    if host.lower() == "api.github.com":
        host = "github.com"
    elif host.lower().startswith("api.") and host.lower().endswith(".ghe.com"):
        host = host[4:]
    query = urllib.parse.urlencode({"q": sid, "type": "code"})
    return f"{parts.scheme}://{host}/search?{query}"
