"""A stand-in GitHub REST API and Twilio Verify API on 127.0.0.1, for the exposure tests.

Answers in the documented shapes (``shared/research/github-search.md`` §8, the OpenAPI fragment
``search-code.openapi.json``): code search with ``Link`` paging, text matches, the 1,000-result
cap, the ``code_search`` bucket of 10 a minute with its headers, 401/403/422/429/5xx bodies; the
commits list with ``rel="last"``; the contents API with base64. Everything the client sends is
recorded, so a test can assert what left the machine, and when.

Time comes from a clock the test shares with the client (:class:`FakeClock`), so rate-limit
windows and resets are checked without sleeping; ``delay`` makes a real slow answer.
No credential literal lives here: tests build SIDs and tokens at run time.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


def new_sid(prefix: str = "AC") -> str:
    """A fresh random Account SID (``AC``) or API key SID (``SK``): no literal in the source."""
    return prefix + secrets.token_hex(16)


def new_github_token() -> str:
    return "ghp_" + secrets.token_urlsafe(27)


class FakeClock:
    """Epoch time that only moves when someone sleeps: waits cost nothing and are recorded."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += max(0.0, seconds)


class RealClock:
    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


@dataclass
class FakeCommit:
    sha: str
    date: str  # ISO 8601, e.g. 2021-03-04T05:06:07Z
    name: str
    login: str | None = None  # None: GitHub matched no account
    author_style: str = "user"  # "user" | "empty" ({}) | "null"


@dataclass
class FakeFile:
    repo: str  # owner/name
    path: str
    content: str
    commits: list[FakeCommit] = field(default_factory=list)  # newest first


@dataclass
class Recorded:
    at: float  # clock time on arrival
    method: str
    path: str  # without the API prefix
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class Fault:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    q: str | None = None  # only for the first search request with this q


@dataclass
class Misbehaviour:
    """An answer that breaks the rules, written raw to the socket.

    ``style``:

    * ``trickle-body``: honest status and headers, then the body one byte every ``interval`` s;
    * ``trickle-headers``: the whole answer, status line first, one byte every ``interval`` s;
    * ``endless``: status and headers without a length, then a body that never ends (JSON that
      never closes), until the client goes or ``limit_bytes`` were sent;
    * ``gzip-bomb``: a small gzip body that inflates to ``limit_bytes`` (valid JSON, no items).

    Every style gives up after ``limit_s`` seconds (writing the rest at once) or ``limit_bytes``,
    so that a client without limits finishes in bounded time and its test fails instead of
    hanging. ``times`` bounds how many requests misbehave (``None``: all).
    """

    style: str
    interval: float = 0.05
    limit_s: float = 6.0
    limit_bytes: int = 64 * 1024 * 1024
    times: int | None = None


class WireStats:
    """What misbehaving answers put on the wire, and whether the client hung up on them."""

    def __init__(self) -> None:
        self.sent = 0  # body bytes written by misbehaving answers
        self.hung_up = 0  # answers the client stopped reading before the end
        self.lock = threading.Lock()

    def add(self, n: int) -> None:
        with self.lock:
            self.sent += n


_BOMBS: dict[int, bytes] = {}


def _bomb(size: int) -> bytes:
    """gzip of a JSON document ``size`` bytes long with no items: tiny on the wire."""
    if size not in _BOMBS:
        head, tail = b'{"total_count": 0, "incomplete_results": false, "items": [], "x": "', b'"}'
        filler = size - len(head) - len(tail)
        out = gzip.compress(head + b"a" * max(0, filler) + tail, compresslevel=9)
        _BOMBS[size] = out
    return _BOMBS[size]


def write_misbehaving(
    h: BaseHTTPRequestHandler,
    m: Misbehaviour,
    stop: threading.Event,
    stats: WireStats,
    status: int,
    headers: dict[str, str],
    data: bytes,
) -> None:
    """Write ``status``/``headers``/``data`` to ``h`` the way ``m`` says."""
    started = time.monotonic()

    def out_of_time() -> bool:
        return stop.is_set() or time.monotonic() - started > m.limit_s

    def head(extra: dict[str, str], length: int | None) -> bytes:
        lines = [f"HTTP/1.1 {status} Misbehaving"]
        lines += [f"{k}: {v}" for k, v in {**headers, **extra}.items()]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        else:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    json_type = {"Content-Type": "application/json; charset=utf-8"}
    h.close_connection = True
    try:
        if m.style in ("trickle-body", "trickle-headers"):
            whole = head(json_type, len(data)) + data
            at = 0 if m.style == "trickle-headers" else len(whole) - len(data)
            h.wfile.write(whole[:at])
            h.wfile.flush()
            while at < len(whole) and not out_of_time():
                h.wfile.write(whole[at : at + 1])
                h.wfile.flush()
                at += 1
                stats.add(1)
                stop.wait(m.interval)
            h.wfile.write(whole[at:])
            stats.add(len(whole) - at)
        elif m.style == "endless":
            h.wfile.write(head(json_type, None) + b'{"total_count": 1, "items": [')
            chunk = b"0, " * 21845
            sent = 0
            while sent < m.limit_bytes and not out_of_time():
                h.wfile.write(chunk)
                sent += len(chunk)
                stats.add(len(chunk))
        elif m.style == "gzip-bomb":
            body = _bomb(m.limit_bytes)
            h.wfile.write(head({**json_type, "Content-Encoding": "gzip"}, len(body)) + body)
            stats.add(len(body))
        else:
            raise ValueError(f"unknown misbehaviour {m.style}")
        h.wfile.flush()
    except OSError:
        with stats.lock:
            stats.hung_up += 1


def _sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


def _user(login: str, web: str, api: str, uid: int) -> dict[str, Any]:
    """A ``simple-user`` with every required field."""
    u = f"{api}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": f"U_{uid}",
        "avatar_url": f"{web}/avatars/{login}",
        "gravatar_id": "",
        "url": u,
        "html_url": f"{web}/{login}",
        "followers_url": f"{u}/followers",
        "following_url": f"{u}/following{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}",
        "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions",
        "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos",
        "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events",
        "type": "User",
        "site_admin": False,
    }


_REPO_URL_FIELDS = {
    "forks_url": "/forks",
    "keys_url": "/keys{/key_id}",
    "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams",
    "hooks_url": "/hooks",
    "issue_events_url": "/issues/events{/number}",
    "events_url": "/events",
    "assignees_url": "/assignees{/user}",
    "branches_url": "/branches{/branch}",
    "tags_url": "/tags",
    "blobs_url": "/git/blobs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "trees_url": "/git/trees{/sha}",
    "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages",
    "stargazers_url": "/stargazers",
    "contributors_url": "/contributors",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}",
    "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}",
    "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}",
    "merges_url": "/merges",
    "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads",
    "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}",
    "releases_url": "/releases{/id}",
    "deployments_url": "/deployments",
}


class _FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) that hands each request to ``_handle``."""

    def __init__(self) -> None:
        self._stop = threading.Event()  # set on shutdown, cutting any artificial delay short
        self._server: ThreadingHTTPServer | None = None
        self.misbehave: dict[str, Misbehaviour] = {}  # per kind of request
        self.wire = WireStats()

    @property
    def web(self) -> str:
        assert self._server is not None, "use inside running()"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        assert self._server is not None, "use inside running()"
        return int(self._server.server_address[1])

    def _misbehaviour(self, kind: str) -> Misbehaviour | None:
        m = self.misbehave.get(kind)
        if m is not None and m.times is not None:
            m.times -= 1
            if m.times <= 0:
                del self.misbehave[kind]
        return m

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    @contextmanager
    def running(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[Self]:
        """Serve on ``host`` (any loopback address) and ``port`` (0: a free one)."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits for a delayed ACK

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self)

            do_DELETE = do_PATCH = do_PUT = do_POST  # noqa: N815 (the stand-in Twilio's methods)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        try:
            yield self
        finally:
            self._stop.set()
            server.shutdown()
            server.server_close()


class FakeGitHub(_FakeServer):
    """The GitHub REST API, as much of it as the exposure check touches."""

    def __init__(
        self,
        token: str,
        clock: FakeClock | RealClock,
        *,
        prefix: str = "",
        search_limit: int = 10,
        limited_status: int = 403,
        max_per_page: int = 100,
        limit_headers: bool = True,
    ) -> None:
        super().__init__()
        self.token = token
        self.clock = clock
        self.prefix = prefix
        self.search_limit = search_limit
        self.limited_status = limited_status
        self.max_per_page = max_per_page
        self.limit_headers = limit_headers  # False: a GHES with rate limits off (no headers)
        self.files: list[FakeFile] = []
        self.requests: list[Recorded] = []
        self.faults: dict[str, list[Fault]] = {}
        self.delay: dict[str, float] = {}  # real seconds before answering, per endpoint kind
        self.incomplete = False
        self.block_search_until: float | None = None
        self.cap_after_page = 1000  # lower it to answer pages past it with the cap's 422
        # "empty": every search page is empty and links to a next one; "one": one item each
        self.endless_pages: str | None = None
        self.window_reset: float | None = None
        self.window_used = 0
        self.lock = threading.Lock()
        # repository listings: login -> "Organization" | "User", and each account's repos
        self.accounts: dict[str, str] = {}
        self.account_repos: dict[str, list[dict[str, Any]]] = {}
        self.repos_next_link: str | None = None  # a hostile server's next link, for every page
        self.core_remaining = 5000

    # -- set-up ---------------------------------------------------------------------------------

    def add_file(
        self, repo: str, path: str, content: str, commits: list[FakeCommit] | None = None
    ) -> FakeFile:
        f = FakeFile(repo, path, content, commits if commits is not None else [])
        self.files.append(f)
        return f

    def fault(
        self,
        kind: str,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        times: int = 1,
        q: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests of ``kind`` (search|commits|contents) so.

        With ``q``, only search requests for that query are affected.
        """
        self.faults.setdefault(kind, []).extend(
            Fault(status, body, headers or {}, q) for _ in range(times)
        )

    @property
    def url(self) -> str:
        return self.web + self.prefix

    # -- queries on what was received -----------------------------------------------------------

    def search_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/search/code")]

    def max_search_per_minute(self) -> int:
        times = sorted(r.at for r in self.search_requests())
        return max((sum(1 for u in times if t <= u < t + 60.0) for t in times), default=0)

    # -- the API --------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        path = parts.path
        rec = Recorded(
            at=self.clock.time(),
            method=h.command,
            path=path[len(self.prefix) :] if path.startswith(self.prefix) else path,
            query=urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
        )
        with self.lock:
            self.requests.append(rec)
        status, headers, payload = self._answer(rec, path)
        rec.status = status
        kind = self._kind(rec.path)
        delay = self.delay.get(kind, 0.0)
        if delay:
            self._stop.wait(delay)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        bad = self._misbehaviour(kind)
        if bad is not None:
            write_misbehaving(h, bad, self._stop, self.wire, status, headers, data)
            return
        try:
            h.send_response(status)
            if not isinstance(payload, bytes):
                h.send_header("Content-Type", "application/json; charset=utf-8")
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout test)

    @staticmethod
    def _kind(path: str) -> str:
        if path.endswith("/search/code"):
            return "search"
        if "/contents/" in path:
            return "contents"
        if path.endswith("/commits"):
            return "commits"
        segs = path.split("/")
        if len(segs) == 4 and segs[1] in ("orgs", "users") and segs[3] == "repos":
            return "repos"
        return "other"

    def _answer(self, rec: Recorded, raw_path: str) -> tuple[int, dict[str, str], Any]:
        if not raw_path.startswith(self.prefix + "/"):
            return (
                404,
                {},
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            )
        if "user-agent" not in rec.headers:
            return (
                403,
                {"Content-Type": "text/plain"},
                (
                    b"Request forbidden by administrative rules. "
                    b"Please make sure your request has a User-Agent header."
                ),
            )
        auth = rec.headers.get("authorization", "")
        kind = self._kind(rec.path)
        if not auth:
            return (
                401,
                {},
                {
                    "message": "Requires authentication",
                    "errors": [
                        {
                            "message": "Must be authenticated to access the code search API",
                            "resource": "Search",
                            "field": "q",
                            "code": "invalid",
                        }
                    ],
                    "documentation_url": "https://docs.github.com/rest/reference/search#search-code",
                },
            )
        if auth not in (f"Bearer {self.token}", f"token {self.token}"):
            return (
                401,
                {},
                {
                    "message": "Bad credentials",
                    "documentation_url": "https://docs.github.com/rest",
                    "status": "401",
                },
            )
        q = (rec.query.get("q") or [""])[0]
        queue = self.faults.get(kind)
        fault = next((f for f in queue or [] if f.q is None or f.q == q), None)
        if queue and fault is not None:
            queue.remove(fault)
            hdrs = dict(fault.headers)
            if kind == "search":
                hdrs = {**self._limit_headers(count=False), **hdrs}
            return fault.status, hdrs, fault.body
        if kind == "search":
            return self._search(rec)
        if kind == "commits":
            return self._commits(rec)
        if kind == "contents":
            return self._contents(rec)
        if kind == "repos":
            return self._repos(rec)
        if rec.path == "/rate_limit":
            return 200, {}, {"resources": {}, "rate": {}}
        return (
            404,
            {},
            {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
        )

    def _limit_headers(self, count: bool) -> dict[str, str]:
        now = self.clock.time()
        with self.lock:
            if self.window_reset is None or now >= self.window_reset:
                self.window_reset, self.window_used = now + 60.0, 0
            if count:
                self.window_used += 1
            used = self.window_used
            reset = self.window_reset
        return {
            "x-ratelimit-limit": str(self.search_limit),
            "x-ratelimit-remaining": str(max(0, self.search_limit - used)),
            "x-ratelimit-used": str(min(used, self.search_limit)),
            "x-ratelimit-reset": str(math.ceil(reset)),
            "x-ratelimit-resource": "code_search",
        }

    def _limited(self, reset: float) -> tuple[int, dict[str, str], Any]:
        return (
            self.limited_status,
            {
                "x-ratelimit-limit": str(self.search_limit),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": str(self.search_limit),
                "x-ratelimit-reset": str(math.ceil(reset)),
                "x-ratelimit-resource": "code_search",
            },
            {
                "message": "API rate limit exceeded for user ID 1.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                "status": str(self.limited_status),
            },
        )

    def _search(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        now = self.clock.time()
        if self.block_search_until is not None and now < self.block_search_until:
            return self._limited(self.block_search_until)
        headers = self._limit_headers(count=True)
        if headers["x-ratelimit-remaining"] == "0" and self.window_used > self.search_limit:
            assert self.window_reset is not None
            return self._limited(self.window_reset)
        q = (rec.query.get("q") or [""])[0]
        validation = {
            "message": "Validation Failed",
            "documentation_url": "https://docs.github.com/v3/search/",
            "status": "422",
        }
        if not q:
            return (
                422,
                headers,
                {**validation, "errors": [{"resource": "Search", "field": "q", "code": "missing"}]},
            )
        if len(q) > 256:
            return (
                422,
                headers,
                {
                    **validation,
                    "errors": [
                        {
                            "message": "The search is longer than 256 characters.",
                            "resource": "Search",
                            "field": "q",
                            "code": "invalid",
                        }
                    ],
                },
            )
        per_page = min(self.max_per_page, int((rec.query.get("per_page") or ["30"])[0]))
        page = int((rec.query.get("page") or ["1"])[0])
        if self.endless_pages is not None and page < 5000:
            # A broken server: pages without end, each linking to the next (not even the
            # 1,000-result cap stops it).
            matches = [f for f in self.files if q.lower() in f.content.lower()]
            items = [self._item(f, q, False) for f in matches[:1]]
            query = urllib.parse.urlencode({"q": q, "per_page": per_page, "page": page + 1})
            headers["Link"] = f'<{self.url}/search/code?{query}>; rel="next"'
            return (
                200,
                headers,
                {
                    "total_count": 5,
                    "incomplete_results": False,
                    "items": items if self.endless_pages == "one" else [],
                },
            )
        if (page - 1) * per_page >= 1000 or page > self.cap_after_page:
            return (
                422,
                headers,
                {
                    "message": "Only the first 1000 search results are available",
                    "documentation_url": "https://docs.github.com/v3/search/",
                },
            )
        matches = [f for f in self.files if q.lower() in f.content.lower()]
        total = len(matches)
        chunk = matches[(page - 1) * per_page : page * per_page]
        text_match = "text-match" in rec.headers.get("accept", "")
        items = [self._item(f, q, text_match) for f in chunk]
        last = max(1, min(math.ceil(total / per_page), 1000 // per_page))
        links = []

        def link(p: int, rel: str) -> str:
            query = urllib.parse.urlencode({"q": q, "per_page": per_page, "page": p})
            return f'<{self.url}/search/code?{query}>; rel="{rel}"'

        if page > 1:
            links.append(link(page - 1, "prev"))
        if page < last:
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        if page > 1:
            links.append(link(1, "first"))
        if links:
            headers["Link"] = ", ".join(links)
        if text_match:
            headers["X-GitHub-Media-Type"] = "github.v3; param=text-match; format=json"
        if not self.limit_headers:
            headers = {k: v for k, v in headers.items() if not k.startswith("x-ratelimit")}
        return (
            200,
            headers,
            {"total_count": total, "incomplete_results": self.incomplete, "items": items},
        )

    def _repo(self, full_name: str) -> dict[str, Any]:
        owner, name = full_name.split("/")
        api = f"{self.url}/repos/{full_name}"
        repo = {
            "id": int(_sha(full_name)[:8], 16),
            "node_id": f"R_{_sha(full_name)[:10]}",
            "name": name,
            "full_name": full_name,
            "owner": _user(owner, self.web, self.url, int(_sha(owner)[:6], 16)),
            "private": False,
            "html_url": f"{self.web}/{full_name}",
            "description": f"{name} demo",
            "fork": False,
            "url": api,
        }
        repo.update({k: api + suffix for k, suffix in _REPO_URL_FIELDS.items()})
        return repo

    def _ref(self, f: FakeFile) -> str:
        return f.commits[0].sha if f.commits else _sha("ref", f.repo)

    def _item(self, f: FakeFile, q: str, text_match: bool) -> dict[str, Any]:
        ref = self._ref(f)
        quoted = urllib.parse.quote(f.path)
        contents = f"{self.url}/repos/{f.repo}/contents/{quoted}?ref={ref}"
        blob = _sha("blob", f.content)
        item: dict[str, Any] = {
            "name": f.path.rsplit("/", 1)[-1],
            "path": f.path,
            "sha": blob,
            "url": contents,
            "git_url": f"{self.url}/repos/{f.repo}/git/blobs/{blob}",
            "html_url": f"{self.web}/{f.repo}/blob/{ref}/{quoted}",
            "repository": self._repo(f.repo),
            "score": 1.0,
        }
        if text_match:
            # Like GitHub: a snippet of whole lines around the match (here one line either side).
            lines = f.content.split("\n")
            row = next(i for i, ln in enumerate(lines) if q.lower() in ln.lower())
            fragment = "\n".join(lines[max(0, row - 1) : row + 2])
            at = fragment.lower().find(q.lower())
            item["text_matches"] = [
                {
                    "object_url": contents,
                    "object_type": "FileContent",
                    "property": "content",
                    "fragment": fragment,
                    "matches": [{"text": q, "indices": [at, at + len(q)]}],
                }
            ]
        return item

    def _find(self, repo: str, path: str) -> FakeFile | None:
        return next((f for f in self.files if f.repo == repo and f.path == path), None)

    def _commit(self, repo: str, c: FakeCommit) -> dict[str, Any]:
        git_author = {
            "name": c.name,
            "email": f"{c.name.lower().replace(' ', '.')}@example.com",
            "date": c.date,
        }
        account: dict[str, Any] | None
        if c.author_style == "null" or (c.login is None and c.author_style == "user"):
            account = None
        elif c.author_style == "empty":
            account = {}
        else:
            assert c.login is not None
            account = _user(c.login, self.web, self.url, int(_sha(c.login)[:6], 16))
        api = f"{self.url}/repos/{repo}"
        return {
            "url": f"{api}/commits/{c.sha}",
            "sha": c.sha,
            "node_id": f"C_{c.sha[:10]}",
            "html_url": f"{self.web}/{repo}/commit/{c.sha}",
            "comments_url": f"{api}/commits/{c.sha}/comments",
            "commit": {
                "url": f"{api}/git/commits/{c.sha}",
                "author": git_author,
                "committer": git_author,
                "message": "update",
                "tree": {"url": f"{api}/git/trees/{c.sha}", "sha": c.sha},
                "comment_count": 0,
            },
            "author": account,
            "committer": account,
            "parents": [],
        }

    def _commits(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        repo = "/".join(rec.path.split("/")[2:4])
        path = (rec.query.get("path") or [""])[0]
        if not any(f.repo == repo for f in self.files):
            return (
                404,
                {},
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            )
        f = self._find(repo, path)
        commits = f.commits if f else []
        per_page = min(100, int((rec.query.get("per_page") or ["30"])[0]))
        page = int((rec.query.get("page") or ["1"])[0])
        chunk = commits[(page - 1) * per_page : page * per_page]
        last = max(1, math.ceil(len(commits) / per_page))
        headers: dict[str, str] = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "4999",
            "x-ratelimit-reset": str(math.ceil(self.clock.time() + 3600)),
            "x-ratelimit-resource": "core",
        }
        if last > 1:
            base = f"{self.url}/repos/{repo}/commits"

            def link(p: int, rel: str) -> str:
                query = urllib.parse.urlencode({"path": path, "per_page": per_page, "page": p})
                return f'<{base}?{query}>; rel="{rel}"'

            links = []
            if page < last:
                links += [link(page + 1, "next"), link(last, "last")]
            if page > 1:
                links += [link(1, "first"), link(page - 1, "prev")]
            headers["Link"] = ", ".join(links)
        return 200, headers, [self._commit(repo, c) for c in chunk]

    def _contents(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        segs = rec.path.split("/")
        repo = "/".join(segs[2:4])
        path = urllib.parse.unquote("/".join(segs[5:]))
        f = self._find(repo, path)
        if f is None:
            return (
                404,
                {},
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            )
        raw = base64.b64encode(f.content.encode()).decode()
        wrapped = "\n".join(raw[i : i + 60] for i in range(0, len(raw), 60)) + "\n"
        return (
            200,
            {},
            {
                "type": "file",
                "encoding": "base64",
                "size": len(f.content.encode()),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": wrapped,
                "sha": _sha("blob", f.content),
                "url": f"{self.url}/repos/{repo}/contents/{path}",
            },
        )


    # -- repository listings (GET /orgs/{org}/repos, GET /users/{user}/repos) -------------------

    def add_repo(
        self,
        owner: str,
        name: str,
        *,
        owner_type: str = "Organization",
        fork: bool = False,
        archived: bool = False,
        private: bool = False,
        clone_url: str | None = None,
        default_branch: str = "main",
        size: int = 1,
        pushed_at: str = "2024-01-01T00:00:00Z",
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """A repository of ``owner`` (an organisation unless ``owner_type="User"``), in the
        ``minimal-repository`` shape; ``clone_url`` defaults to the web host's."""
        self.accounts.setdefault(owner, owner_type)
        full_name = f"{owner}/{name}"
        repo = self._repo(full_name)
        repo["owner"]["type"] = self.accounts[owner]
        repo.update(
            {
                "private": private,
                "visibility": "private" if private else "public",
                "fork": fork,
                "archived": archived,
                "disabled": False,
                "default_branch": default_branch,
                "size": size,
                "pushed_at": pushed_at,
                "created_at": created_at or pushed_at,
                "updated_at": pushed_at,
                "clone_url": clone_url or f"{self.web}/{full_name}.git",
                "git_url": f"git://{self.web.split('://', 1)[1]}/{full_name}.git",
                "ssh_url": f"git@127.0.0.1:{full_name}.git",
                "svn_url": f"{self.web}/{full_name}",
            }
        )
        self.account_repos.setdefault(owner, []).append(repo)
        return repo

    def _repos(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        _, kind, login, _ = rec.path.split("/")
        account = self.accounts.get(login)
        if account is None or (kind == "orgs" and account != "Organization"):
            return (
                404,
                {},
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            )
        with self.lock:
            self.core_remaining = max(0, self.core_remaining - 1)
            remaining = self.core_remaining
        headers: dict[str, str] = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-used": str(5000 - remaining),
            "x-ratelimit-reset": str(math.ceil(self.clock.time() + 3600)),
            "x-ratelimit-resource": "core",
        }
        typ = (rec.query.get("type") or ["all" if kind == "orgs" else "owner"])[0]
        repos = list(self.account_repos.get(login, []))
        if typ == "public":
            repos = [r for r in repos if not r["private"]]
        elif typ == "private":
            repos = [r for r in repos if r["private"]]
        elif typ == "forks":
            repos = [r for r in repos if r["fork"]]
        elif typ == "sources":
            repos = [r for r in repos if not r["fork"]]
        sort = (rec.query.get("sort") or ["created" if kind == "orgs" else "full_name"])[0]
        key = {"full_name": "full_name", "pushed": "pushed_at", "updated": "updated_at"}.get(
            sort, "created_at"
        )
        default_dir = "asc" if sort == "full_name" else "desc"
        direction = (rec.query.get("direction") or [default_dir])[0]
        repos.sort(key=lambda r: str(r[key]), reverse=direction == "desc")
        per_page = max(1, min(self.max_per_page, int((rec.query.get("per_page") or ["30"])[0])))
        page = max(1, int((rec.query.get("page") or ["1"])[0]))
        last = max(1, math.ceil(len(repos) / per_page))
        base = f"{self.url}/{kind}/{login}/repos"

        def link(p: int, rel: str) -> str:
            args = {k: v[0] for k, v in rec.query.items() if k != "page"}
            return f'<{base}?{urllib.parse.urlencode({**args, "page": p})}>; rel="{rel}"'

        links = []
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if self.repos_next_link is not None:
            links = [f'<{self.repos_next_link}>; rel="next"']
        if links:
            headers["Link"] = ", ".join(links)
        return 200, headers, repos[(page - 1) * per_page : page * per_page]


class FakeTwilio(_FakeServer):
    """``GET /v2/Services`` of the Verify API: answers by the basic-auth pair it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[tuple[str, str], int] = {}  # (user, password) -> status
        self.default_status = 401
        self.delay = 0.0
        self.location: str | None = None  # sent as Location (with a 3xx answer, a redirect)
        self.requests: list[Recorded] = []

    @property
    def url(self) -> str:
        return self.web

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        self.requests.append(
            Recorded(
                time.time(), h.command, parts.path, urllib.parse.parse_qs(parts.query), headers, b""
            )
        )
        status = 404
        body: dict[str, Any] = {
            "code": 20404,
            "message": "The requested resource was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404,
        }
        if parts.path == "/v2/Services":
            auth = headers.get("authorization", "")
            pair: tuple[str, str] | None = None
            if auth.startswith("Basic "):
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                pair = (user, password)
            status = self.answers.get(pair, self.default_status) if pair else 401
            if status == 200:
                body = {"services": [], "meta": {"page": 0, "page_size": 50, "key": "services"}}
            else:
                body = {
                    "code": 20003 if status == 401 else status,
                    "message": "Authenticate" if status == 401 else "error",
                    "more_info": "",
                    "status": status,
                }
        if self.delay:
            self._stop.wait(self.delay)
        data = json.dumps(body).encode()
        bad = self._misbehaviour("verify")
        if bad is not None:
            extra = {"Location": self.location} if self.location else {}
            write_misbehaving(h, bad, self._stop, self.wire, status, extra, data)
            return
        try:
            h.send_response(status)
            if self.location:
                h.send_header("Location", self.location)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass
