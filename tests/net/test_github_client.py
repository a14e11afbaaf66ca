"""The GitHub client against a real HTTP server on 127.0.0.1 answering in GitHub's shapes.

Every rate-limit wait goes through an injected clock, so the tests check "no request before the
reset" and "at most 10 searches a minute" on the server's own record, without sleeping.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
import requests

from tests.conftest import REPO
from tests.fake_github import (
    FakeClock,
    FakeCommit,
    FakeGitHub,
    Misbehaviour,
    new_github_token,
    new_sid,
)
from twscan.net.github.client import (
    GitHubAuthError,
    GitHubClient,
    GitHubHTTPError,
    GitHubRateLimitError,
    GitHubTimeoutError,
    web_search_url,
)
from twscan.net.github.ratelimit import Bucket, LimitHeaders, classify
from twscan.net.hosts import is_loopback

RESEARCH = REPO.parent / "shared" / "research"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gh_token() -> str:
    return new_github_token()


@pytest.fixture
def fake(clock: FakeClock, gh_token: str) -> Iterator[FakeGitHub]:
    with FakeGitHub(gh_token, clock).running() as server:
        yield server


class Notes(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


def client_for(
    fake: FakeGitHub, clock: FakeClock, notes: Notes | None = None, **kw: Any
) -> GitHubClient:
    kw.setdefault("timeout", 5.0)
    return GitHubClient(
        fake.token,
        fake.url,
        token_source="GITHUB_TOKEN",
        clock=clock,
        notify=notes if notes is not None else Notes(),
        **kw,
    )


def add_hits(fake: FakeGitHub, sid: str, n: int, repos: int = 3) -> None:
    for i in range(n):
        fake.add_file(f"owner{i % repos}/repo{i % repos}", f"src/file{i}.py", f'SID = "{sid}"\n')


# -- search, paging, text matches ---------------------------------------------------------------


def test_search_follows_link_pages_and_asks_for_text_matches(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    sid = new_sid()
    add_hits(fake, sid, 25)
    fake.add_file("other/repo", "x.py", "nothing here")
    result = client_for(fake, clock).search_code(sid, per_page=10)
    assert result.total_count == 25
    assert len(result.items) == 25 and result.pages == 3
    assert not result.capped and not result.incomplete_results
    assert {i["path"] for i in result.items} == {f"src/file{i}.py" for i in range(25)}
    reqs = fake.search_requests()
    assert [r.query.get("page", ["1"])[0] for r in reqs] == ["1", "2", "3"]
    for r in reqs:
        assert r.query["q"] == [sid]
        assert "text-match" in r.headers["accept"]
        assert r.headers["user-agent"].startswith("twscan/")
        assert r.headers["x-github-api-version"] == "2022-11-28"
        assert r.headers["authorization"] == f"Bearer {fake.token}"
    assert all("text_matches" in i for i in result.items)


def test_fake_search_answer_matches_githubs_schema(fake: FakeGitHub) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    spec_file = RESEARCH / "search-code.openapi.json"
    if not spec_file.exists():
        pytest.skip("shared/research is not beside this checkout")
    schema = json.loads(spec_file.read_text())["x-twscan-search-code-200-schema-dereferenced"]
    sid = new_sid()
    add_hits(fake, sid, 3)
    resp = requests.get(
        f"{fake.url}/search/code",
        params={"q": sid},
        headers={
            "Authorization": f"Bearer {fake.token}",
            "User-Agent": "t",
            "Accept": "application/vnd.github.text-match+json",
        },
        timeout=5,
    )
    jsonschema.validate(resp.json(), schema)
    assert resp.headers["x-ratelimit-resource"] == "code_search"


def test_incomplete_results_are_reported(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 2)
    fake.incomplete = True
    assert client_for(fake, clock).search_code(sid).incomplete_results


def test_stops_at_the_1000_result_cap(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 1050, repos=7)
    result = client_for(fake, clock).search_code(sid)
    assert result.total_count == 1050
    assert len(result.items) == 1000 and result.capped
    assert len(fake.search_requests()) == 10
    assert fake.max_search_per_minute() <= 10
    assert all(r.status == 200 for r in fake.requests)


def test_422_past_the_cap_ends_paging_gracefully(fake: FakeGitHub, clock: FakeClock) -> None:
    """A server whose ``next`` link runs past the cap answers 422: keep what came, mark capped."""
    sid = new_sid()
    add_hits(fake, sid, 30)
    fake.max_per_page = 10
    fake.cap_after_page = 1
    result = client_for(fake, clock).search_code(sid, per_page=10)
    assert len(result.items) == 10 and result.capped and result.total_count == 30
    assert [r.status for r in fake.search_requests()] == [200, 422]


def test_search_refuses_anything_but_a_sid(fake: FakeGitHub, clock: FakeClock) -> None:
    client = client_for(fake, clock)
    for value in (secrets.token_hex(16), "AC" + secrets.token_hex(15), "q language:py"):
        with pytest.raises(ValueError):
            client.search_code(value)
    assert fake.requests == []


def test_ghes_prefix_and_manual_url(clock: FakeClock, gh_token: str) -> None:
    with FakeGitHub(gh_token, clock, prefix="/api/v3").running() as fake:
        sid = new_sid("SK")
        add_hits(fake, sid, 2)
        result = client_for(fake, clock).search_code(sid)
        assert result.total_count == 2
        assert all(r.path == "/search/code" for r in fake.requests)
    assert web_search_url(sid, "https://ghe.example.com/api/v3/") == (
        f"https://ghe.example.com/search?q={sid}&type=code"
    )
    assert web_search_url(sid) == f"https://github.com/search?q={sid}&type=code"


# -- history and file contents -----------------------------------------------------------------


def test_newest_and_oldest_commit_via_last_link(fake: FakeGitHub, clock: FakeClock) -> None:
    commits = [
        FakeCommit(
            secrets.token_hex(20),
            f"202{4 - i}-0{i + 1}-0{i + 1}T10:00:00Z",
            f"Dev {i}",
            login=f"dev{i}",
        )
        for i in range(5)
    ]
    fake.add_file("acme/app", "config/settings.py", "x", commits)
    fake.add_file("acme/app", "single.py", "y", commits[2:3])
    client = client_for(fake, clock)
    newest, oldest = client.path_commits("acme/app", "config/settings.py")
    assert newest is not None and oldest is not None
    assert newest["sha"] == commits[0].sha and oldest["sha"] == commits[-1].sha
    history = [r for r in fake.requests if r.path.endswith("/commits")]
    assert len(history) == 2
    assert history[0].query == {"path": ["config/settings.py"], "per_page": ["1"]}
    assert history[1].query["page"] == ["5"]
    one, same = client.path_commits("acme/app", "single.py")
    assert one is not None and one is same and one["sha"] == commits[2].sha
    assert len([r for r in fake.requests if r.path.endswith("/commits")]) == 3


def test_fetch_file_decodes_base64(fake: FakeGitHub, clock: FakeClock) -> None:
    text = "line one\nünïcode ✓\n" * 20
    fake.add_file("acme/app", "dir/a file.txt", text)
    sid = new_sid()
    fake.files[-1].content += sid
    client = client_for(fake, clock)
    item = client.search_code(sid).items[0]
    data = client.fetch_file(item["url"])
    assert data is not None and data.decode() == text + sid


def test_token_is_only_sent_to_the_api_origin(fake: FakeGitHub, clock: FakeClock) -> None:
    client = client_for(fake, clock)
    with pytest.raises(GitHubHTTPError, match="refusing"):
        client.fetch_file("http://192.0.2.1/repos/a/b/contents/x")
    with pytest.raises(GitHubHTTPError, match="refusing"):
        client.fetch_file("https://127.0.0.1/repos/a/b/contents/x")  # another port
    # Another loopback name is another host: "localhost" may be ::1, where someone else listens.
    alias = fake.web.replace("127.0.0.1", "localhost")
    with pytest.raises(GitHubHTTPError, match="refusing"):
        client.fetch_file(f"{alias}/repos/a/b/contents/x")
    assert fake.requests == []
    fake.add_file("a/b", "x", "hello")
    assert client.fetch_file(f"{fake.url}/repos/a/b/contents/x") == b"hello"
    assert fake.requests[-1].headers["authorization"] == f"Bearer {fake.token}"


class RecordingAdapter(requests.adapters.BaseAdapter):
    """A transport that records what would have left and sends nothing (no DNS, no socket)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str | None, str | None]] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.sent.append((request.url, request.headers.get("Authorization")))
        raise requests.ConnectionError("recording adapter: nothing leaves")

    def close(self) -> None:
        pass


def recording_session() -> tuple[requests.Session, RecordingAdapter]:
    session = requests.Session()
    adapter = RecordingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter


@pytest.mark.parametrize(
    "url",
    [
        "http://127.evil.example:{port}/api/v3/repos/a/b/contents/x",
        "http://127.0.0.1.evil.example:{port}/api/v3/repos/a/b/contents/x",
        "http://127.0.0.1.nip.io:{port}/api/v3/repos/a/b/contents/x",
        "http://localhost:{port}/api/v3/repos/a/b/contents/x",
        "http://localhost.evil.example:{port}/api/v3/repos/a/b/contents/x",
        "http://127.0.0.2:{port}/api/v3/repos/a/b/contents/x",
        "http://[::1]:{port}/api/v3/repos/a/b/contents/x",
        "http://[::ffff:127.0.0.1]:{port}/api/v3/repos/a/b/contents/x",
        "http://0x7f.0.0.1:{port}/api/v3/repos/a/b/contents/x",
        "http://2130706433:{port}/api/v3/repos/a/b/contents/x",
        "http://127.1:{port}/api/v3/repos/a/b/contents/x",
        "http://user@127.0.0.1:{port}/api/v3/repos/a/b/contents/x",
        "http://evil.example\\@127.0.0.1:{port}/api/v3/repos/a/b/contents/x",
        "http://127.0.0.1:{port}@evil.example/api/v3/repos/a/b/contents/x",
        "http://127.0.0.1%2eevil.example:{port}/api/v3/repos/a/b/contents/x",
        "http://127.0.0.1:{port}\t.evil.example/api/v3/repos/a/b/contents/x",
        "https://127.0.0.1:{port}/api/v3/repos/a/b/contents/x",
        "http://127.0.0.1:{other}/api/v3/repos/a/b/contents/x",
        "http://127.0.0.1:{port}/api/v33/repos/a/b/contents/x",
        "http://127.0.0.1:{port}/api/v3",
    ],
)
def test_no_request_leaves_for_a_host_that_only_looks_like_the_api(url: str) -> None:
    """Issue 11 item 5: the origin check compares parsed addresses, not string prefixes; a
    hostile URL is refused before anything is sent (the transport records every attempt)."""
    session, adapter = recording_session()
    port = 40000 + secrets.randbelow(20000)
    client = GitHubClient(
        new_github_token(),
        f"http://127.0.0.1:{port}/api/v3",
        clock=FakeClock(),
        session=session,
        notify=Notes(),
        error_tries=1,
    )
    target = url.format(port=port, other=port + 1)
    with pytest.raises(GitHubHTTPError, match="refusing"):
        client.fetch_file(target)
    assert adapter.sent == []
    # The real API origin does get the request, with the token.
    with pytest.raises(GitHubHTTPError, match="ConnectionError"):
        client.fetch_file(f"http://127.0.0.1:{port}/api/v3/repos/a/b/contents/x")
    ((sent_url, auth),) = adapter.sent
    assert sent_url == f"http://127.0.0.1:{port}/api/v3/repos/a/b/contents/x"
    assert auth is not None and auth.startswith("Bearer ")


def test_a_link_to_another_loopback_address_gets_no_token(
    fake: FakeGitHub, clock: FakeClock, gh_token: str
) -> None:
    """127.0.0.2 on the same port is another socket, which another local user may own."""
    sid = new_sid()
    add_hits(fake, sid, 1)
    other = FakeGitHub(gh_token, clock)
    try:
        serving = other.running(host="127.0.0.2", port=fake.port)
        serving.__enter__()
    except OSError:
        pytest.skip("cannot bind 127.0.0.2 here")
    try:
        page2 = f"http://127.0.0.2:{fake.port}/search/code?q={sid}&page=2"
        fake.fault(
            "search",
            200,
            {"total_count": 2, "incomplete_results": False, "items": [{"path": "a"}]},
            {"Link": f'<{page2}>; rel="next"'},
        )
        with pytest.raises(GitHubHTTPError, match="refusing"):
            client_for(fake, clock).search_code(sid)
        assert other.requests == []
    finally:
        serving.__exit__(None, None, None)


# -- pacing ------------------------------------------------------------------------------------


def test_paces_search_to_ten_a_minute(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 24)
    fake.max_per_page = 2
    notes = Notes()
    result = client_for(fake, clock, notes).search_code(sid, per_page=2)
    assert len(result.items) == 24
    assert len(fake.search_requests()) == 12
    assert fake.max_search_per_minute() <= 10
    assert all(r.status == 200 for r in fake.search_requests()), "never hit the limit"
    assert any("waiting 61 s" in n for n in notes)


def test_assumes_nine_a_minute_without_headers(clock: FakeClock, gh_token: str) -> None:
    with FakeGitHub(gh_token, clock, limit_headers=False, max_per_page=1).running() as fake:
        sid = new_sid()
        add_hits(fake, sid, 12)
        client_for(fake, clock).search_code(sid, per_page=1)
        assert len(fake.search_requests()) == 12
        assert fake.max_search_per_minute() == 9


def test_never_more_than_ten_even_if_headers_say_more(clock: FakeClock, gh_token: str) -> None:
    with FakeGitHub(gh_token, clock, search_limit=30, max_per_page=1).running() as fake:
        sid = new_sid()
        add_hits(fake, sid, 15)
        client_for(fake, clock).search_code(sid, per_page=1)
        assert fake.max_search_per_minute() == 10


@pytest.mark.parametrize("status", [403, 429])
def test_primary_limit_waits_for_the_reset(clock: FakeClock, gh_token: str, status: int) -> None:
    with FakeGitHub(gh_token, clock, limited_status=status).running() as fake:
        sid = new_sid()
        add_hits(fake, sid, 3)
        start = clock.time()
        fake.block_search_until = start + 4.5
        notes = Notes()
        result = client_for(fake, clock, notes).search_code(sid)
        assert result.total_count == 3
        reqs = fake.search_requests()
        assert [r.status for r in reqs] == [status, 200]
        reset = int(reqs[0].at + 4.5) + 1  # the header the fake sent (ceil)
        assert reqs[1].at >= reset, "no request before the reset"
        assert reqs[1].at - reqs[0].at < 10
        assert any("reset" in n for n in notes)


def test_remaining_zero_on_a_200_waits_before_the_next_search(
    clock: FakeClock, gh_token: str
) -> None:
    with FakeGitHub(gh_token, clock, search_limit=3, max_per_page=1).running() as fake:
        sid = new_sid()
        add_hits(fake, sid, 5)
        client_for(fake, clock).search_code(sid, per_page=1)
        reqs = fake.search_requests()
        assert [r.status for r in reqs] == [200] * 5
        assert reqs[3].at >= reqs[0].at + 60


def test_429_with_retry_after(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 2)
    fake.fault("search", 429, {"message": "Too Many Requests"}, {"retry-after": "7"})
    result = client_for(fake, clock).search_code(sid)
    assert result.total_count == 2
    a, b = fake.search_requests()
    assert a.status == 429 and b.status == 200
    assert b.at - a.at >= 7
    assert clock.slept == [7.0]


def test_secondary_limit_waits_a_minute_and_backs_off(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 1)
    fake.fault("search", 403, {"message": SECONDARY}, times=2)
    result = client_for(fake, clock).search_code(sid)
    assert result.total_count == 1
    assert clock.slept == [60.0, 120.0]
    times = [r.at for r in fake.search_requests()]
    assert times[1] - times[0] >= 60 and times[2] - times[1] >= 120


def test_secondary_limit_with_retry_after_waits_what_github_says(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    """GitHub: "If the retry-after response header is present, you should not retry your
    request until after that many seconds has elapsed"; the minute is for limits without it."""
    sid = new_sid()
    add_hits(fake, sid, 1)
    fake.fault("search", 429, {"message": SECONDARY}, {"retry-after": "2"})
    notes = Notes()
    assert client_for(fake, clock, notes).search_code(sid).total_count == 1
    assert clock.slept == [2.0]
    a, b = fake.search_requests()
    assert (a.status, b.status) == (429, 200) and b.at - a.at == pytest.approx(2.0)
    assert any("waiting 2 s as GitHub's retry-after asks" in n for n in notes)


def test_repeated_secondary_limits_follow_each_retry_after(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    sid = new_sid()
    add_hits(fake, sid, 1)
    fake.fault("search", 403, {"message": SECONDARY}, {"retry-after": "3"}, times=2)
    fake.fault("search", 403, {"message": SECONDARY})
    client_for(fake, clock).search_code(sid)
    assert clock.slept == [3.0, 3.0, 60.0]  # the backoff starts at a minute once no time is named


def test_retry_after_as_an_http_date(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 1)
    when = format_datetime(datetime.fromtimestamp(clock.time() + 9, UTC), usegmt=True)
    fake.fault("search", 429, {"message": SECONDARY}, {"retry-after": when})
    client_for(fake, clock).search_code(sid)
    assert clock.slept == [pytest.approx(9.0)]


def test_gives_up_after_bounded_tries(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    fake.fault("search", 429, {"message": "slow down"}, {"retry-after": "1"}, times=20)
    with pytest.raises(GitHubRateLimitError, match="giving up"):
        client_for(fake, clock, max_tries=4).search_code(sid)
    assert len(fake.search_requests()) == 5


def test_max_wait_fails_at_once_instead_of_waiting(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    fake.block_search_until = clock.time() + 3000
    with pytest.raises(GitHubRateLimitError, match="--max-wait") as err:
        client_for(fake, clock, max_wait=120).search_code(sid)
    assert clock.slept == []
    assert len(fake.search_requests()) == 1
    assert "UTC" in str(err.value)


def test_max_wait_is_a_total(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    fake.fault("search", 429, {"message": "x"}, {"retry-after": "40"}, times=3)
    with pytest.raises(GitHubRateLimitError, match="--max-wait"):
        client_for(fake, clock, max_wait=100).search_code(sid)
    assert clock.slept == [40.0, 40.0]


# -- errors ------------------------------------------------------------------------------------


def test_403_with_quota_left_is_a_permission_error(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.fault(
        "search",
        403,
        {
            "message": "Resource not accessible by personal access token",
            "documentation_url": "https://docs.github.com/rest",
        },
    )
    with pytest.raises(GitHubHTTPError, match="permission") as err:
        client_for(fake, clock).search_code(new_sid())
    assert err.value.status == 403
    assert len(fake.requests) == 1 and clock.slept == []


def test_401_bad_credentials_is_one_clear_error(clock: FakeClock, gh_token: str) -> None:
    with FakeGitHub(gh_token, clock).running() as fake:
        wrong = new_github_token()
        client = GitHubClient(wrong, fake.url, token_source="GITHUB_TOKEN", clock=clock)
        started = time.monotonic()
        with pytest.raises(GitHubAuthError) as err:
            client.search_code(new_sid())
        assert time.monotonic() - started < 3
    message = str(err.value)
    assert "GITHUB_TOKEN" in message and "Bad credentials" in message
    assert wrong not in message and gh_token not in message
    assert len(fake.requests) == 1


def test_login_lockout_403_is_a_credential_error(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.fault(
        "search",
        403,
        {"message": "Maximum number of login attempts exceeded. Please try again later."},
    )
    with pytest.raises(GitHubAuthError, match="locked out"):
        client_for(fake, clock).search_code(new_sid())


def test_422_validation_error(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.fault(
        "search",
        422,
        {
            "message": "Validation Failed",
            "errors": [
                {
                    "message": "The listed users and repositories cannot be searched",
                    "resource": "Search",
                    "field": "q",
                    "code": "invalid",
                }
            ],
            "documentation_url": "https://docs.github.com/v3/search/",
            "status": "422",
        },
    )
    with pytest.raises(GitHubHTTPError) as err:
        client_for(fake, clock).search_code(new_sid())
    assert err.value.status == 422
    assert "Validation Failed: The listed users" in str(err.value)
    assert len(fake.requests) == 1


def test_5xx_is_retried_with_backoff(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 1)
    fake.fault("search", 502, {"message": "Server Error"}, times=2)
    assert client_for(fake, clock).search_code(sid).total_count == 1
    assert clock.slept == [1.0, 4.0]


def test_5xx_gives_up_after_three_tries(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.fault(
        "search",
        503,
        {
            "code": "unavailable",
            "message": "Service Unavailable",
            "documentation_url": "https://docs.github.com/rest",
        },
        times=5,
    )
    with pytest.raises(GitHubHTTPError, match="503") as err:
        client_for(fake, clock).search_code(new_sid())
    assert err.value.status == 503
    assert len(fake.requests) == 3


def test_slow_answers_time_out_and_give_up(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.delay["search"] = 1.5
    started = time.monotonic()
    with pytest.raises(GitHubHTTPError, match="timed out"):
        client_for(fake, clock, timeout=0.25).search_code(new_sid())
    assert time.monotonic() - started < 3
    assert len(fake.search_requests()) == 3


def test_slow_answer_within_the_timeout_is_fine(fake: FakeGitHub, clock: FakeClock) -> None:
    sid = new_sid()
    add_hits(fake, sid, 1)
    fake.delay["search"] = 0.3
    assert client_for(fake, clock, timeout=3.0).search_code(sid).total_count == 1


def test_messages_never_hold_the_token(fake: FakeGitHub, clock: FakeClock) -> None:
    # A server that echoes the token back must not get it printed.
    fake.fault("search", 403, {"message": f"token {fake.token} is not allowed here"})
    notes = Notes()
    with pytest.raises(GitHubHTTPError) as err:
        client_for(fake, clock, notes).search_code(new_sid())
    assert fake.token not in str(err.value)
    assert "[token]" in str(err.value)
    assert all(fake.token not in n for n in notes)


# -- a hostile or broken server: deadlines, size caps, page caps, redirects ----------------------

MiB = 1024 * 1024


@pytest.mark.parametrize("style", ["trickle-body", "trickle-headers"])
def test_a_trickling_server_hits_the_request_deadline(
    fake: FakeGitHub, clock: FakeClock, style: str
) -> None:
    """One byte every 50 ms never trips a 5 s read timeout; the deadline is for the whole
    exchange, headers and body, and a breach is not retried (a stall would have tripped the
    read timeout: this server is just too slow)."""
    sid = new_sid()
    add_hits(fake, sid, 1)
    fake.misbehave["search"] = Misbehaviour(style, interval=0.05)
    started = time.monotonic()
    with pytest.raises(GitHubHTTPError, match=r"no complete answer within 0\.4 s") as err:
        client_for(fake, clock, timeout=5.0, deadline=0.4).search_code(sid)
    assert time.monotonic() - started < 2
    assert len(fake.search_requests()) == 1
    assert "\n" not in str(err.value) and fake.token not in str(err.value)


def test_the_run_budget_spans_requests(fake: FakeGitHub, clock: FakeClock) -> None:
    """Each answer is well within its deadline; together they use up the run's budget."""
    sid = new_sid()
    add_hits(fake, sid, 8)
    fake.max_per_page = 1
    fake.delay["search"] = 0.3
    started = time.monotonic()
    with pytest.raises(GitHubTimeoutError, match="--github-timeout") as err:
        client_for(fake, clock, budget=1.0).search_code(sid, per_page=1)
    assert time.monotonic() - started < 3
    assert 3 <= len(fake.search_requests()) <= 4
    assert not isinstance(err.value, GitHubHTTPError), "not a per-hit detail failure"


def test_the_run_budget_covers_a_single_trickle(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.misbehave["search"] = Misbehaviour("trickle-body", interval=0.05)
    started = time.monotonic()
    with pytest.raises(GitHubTimeoutError, match="1 s in all"):
        client_for(fake, clock, budget=1.0).search_code(new_sid())
    assert time.monotonic() - started < 2.5
    assert len(fake.search_requests()) == 1


def test_an_endless_body_is_cut_at_the_size_cap(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.misbehave["search"] = Misbehaviour("endless")
    started = time.monotonic()
    with pytest.raises(GitHubHTTPError, match="larger than the 1 MiB cap") as err:
        client_for(fake, clock, max_bytes=MiB).search_code(new_sid())
    assert time.monotonic() - started < 5
    assert len(fake.search_requests()) == 1, "the same answer would come again: not retried"
    assert fake.wire.sent < 16 * MiB, "the client stopped reading"
    assert "\n" not in str(err.value)


def test_an_announced_oversize_body_is_not_read(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.fault("contents", 200, {"content": "QUFB" * (MiB // 2), "encoding": "base64"})
    with pytest.raises(GitHubHTTPError, match="announced as 2 MiB, over the 1 MiB cap"):
        client_for(fake, clock, max_bytes=MiB).fetch_file(f"{fake.url}/repos/a/b/contents/x")


def test_a_gzip_bomb_is_cut_at_the_size_cap(fake: FakeGitHub, clock: FakeClock) -> None:
    """16 MiB of JSON in about 16 KiB of gzip: the cap is on what it inflates to."""
    fake.misbehave["search"] = Misbehaviour("gzip-bomb", limit_bytes=16 * MiB)
    with pytest.raises(GitHubHTTPError, match="larger than the 1 MiB cap"):
        client_for(fake, clock, max_bytes=MiB).search_code(new_sid())
    assert fake.wire.sent < MiB


def test_gzip_within_the_cap_is_read(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.misbehave["search"] = Misbehaviour("gzip-bomb", limit_bytes=MiB // 2, times=1)
    result = client_for(fake, clock, max_bytes=MiB).search_code(new_sid())
    assert result.total_count == 0 and result.pages == 1
    assert "gzip" in fake.requests[0].headers["accept-encoding"]


def test_an_empty_page_with_a_next_link_ends_the_search(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    sid = new_sid()
    add_hits(fake, sid, 3)
    fake.endless_pages = "empty"
    notes = Notes()
    result = client_for(fake, clock, notes).search_code(sid)
    assert result.pages == 1 and result.items == []
    assert result.stopped is not None and "empty page 1" in result.stopped
    assert len(fake.search_requests()) == 1
    assert any("empty page" in n for n in notes)


def test_search_pages_are_capped_at_what_github_can_serve(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    """1,000 results at most, 100 a page: a server that links on past 10 pages is not
    followed (here each page holds one item, so the 1,000-item cap never triggers)."""
    sid = new_sid()
    add_hits(fake, sid, 3)
    fake.endless_pages = "one"
    result = client_for(fake, clock).search_code(sid)
    assert result.pages == 10 and len(result.items) == 10
    assert result.stopped is not None and "more than 10 pages" in result.stopped
    assert len(fake.search_requests()) == 10
    fake.requests.clear()
    assert client_for(fake, clock).search_code(sid, per_page=50).pages == 20


def test_a_redirect_to_another_host_is_refused(
    fake: FakeGitHub, clock: FakeClock, gh_token: str
) -> None:
    """requests would follow it (dropping the token) and its answer would be trusted as
    GitHub's; here it is an error that names the host, and the other host hears nothing."""
    sid = new_sid()
    with FakeGitHub(gh_token, clock).running() as other:
        add_hits(other, sid, 1)
        elsewhere = f"{other.url}/search/code?q={sid}"
        fake.fault("search", 302, {"message": "moved"}, {"Location": elsewhere})
        with pytest.raises(GitHubHTTPError, match="redirect") as err:
            client_for(fake, clock).search_code(sid)
        assert other.requests == []
    message = str(err.value)
    assert f"127.0.0.1:{other.port}" in message and "not followed" in message
    assert len(fake.requests) == 1


def test_a_same_origin_redirect_is_followed_with_the_token(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    """GitHub answers 301 for a renamed repository; that stays at the API and is followed."""
    fake.add_file("new/name", "x.txt", "hello")
    fake.fault("contents", 301, {"message": "Moved Permanently"}, {"Location": "/repos/new/name/contents/x.txt"})
    data = client_for(fake, clock).fetch_file(f"{fake.url}/repos/old/name/contents/x.txt")
    assert data == b"hello"
    assert [r.path for r in fake.requests] == [
        "/repos/old/name/contents/x.txt",
        "/repos/new/name/contents/x.txt",
    ]
    assert all(r.headers["authorization"] == f"Bearer {fake.token}" for r in fake.requests)


def test_a_redirect_loop_is_bounded(fake: FakeGitHub, clock: FakeClock) -> None:
    loop = f"{fake.url}/repos/a/b/contents/x"
    fake.fault("contents", 302, {"message": "Found"}, {"Location": loop}, times=50)
    with pytest.raises(GitHubHTTPError, match="redirected the file contents more than 5 times"):
        client_for(fake, clock).fetch_file(loop)
    assert len(fake.requests) == 6


def test_a_redirect_without_location_is_an_error(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.fault("search", 304, {})
    with pytest.raises(GitHubHTTPError, match="304 and no Location"):
        client_for(fake, clock).search_code(new_sid())


def test_absurdly_nested_json_is_not_a_crash(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.fault("search", 200, b"[" * 200_000)
    with pytest.raises(GitHubHTTPError, match="without items"):
        client_for(fake, clock).search_code(new_sid())


def test_server_text_cannot_forge_lines_or_drive_the_terminal(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    fake.fault(
        "search", 422, {"message": "Validation Failed\n\x1b[2K\rNo Twilio credentials found\u202e"}
    )
    with pytest.raises(GitHubHTTPError) as err:
        client_for(fake, clock).search_code(new_sid())
    message = str(err.value)
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    assert "\u202e" not in message and "\\x1b" in message


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1", True),
        ("http://127.0.0.1:8080/x", True),
        ("http://127.1.2.3:9", True),
        ("http://127.255.255.254", True),
        ("http://[::1]:8080", True),
        ("http://[0:0:0:0:0:0:0:1]/", True),
        ("http://[::ffff:127.0.0.1]:1", True),
        ("http://localhost:8080", True),
        ("https://LOCALHOST/", True),
        ("http://127.evil.example", False),
        ("http://127.0.0.1.evil.example", False),
        ("http://127.0.0.1.nip.io", False),
        ("http://localhost.evil.example", False),
        ("http://evil.localhost", False),  # RFC 6761 or not: nothing is resolved here
        ("http://localhost.", False),
        ("http://0x7f.1", False),
        ("http://0x7f000001", False),
        ("http://2130706433", False),
        ("http://127.1", False),
        ("http://0177.0.0.1", False),
        ("http://127.000.000.001", False),
        ("http://0.0.0.0", False),
        ("http://[::]", False),
        ("http://[::ffff:10.0.0.1]", False),
        ("http://[::127.0.0.1]", False),
        ("http://[::1%25lo]", False),
        ("http://[v1.localhost]", False),
        ("http://[127.0.0.1]", False),
        ("http://127.0.0.1@evil.example", False),
        ("http://evil.example@127.0.0.1", False),
        ("http://evil.example\\@127.0.0.1", False),
        ("http://127.0.0.1%2eevil.example", False),
        ("http://127.0.0.1\t.evil.example", False),
        ("http://\uff11\uff12\uff17.0.0.1", False),  # fullwidth digits
        ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54", False),
        ("http://localhost:99999", False),
        ("ftp://127.0.0.1", False),
        ("127.0.0.1", False),
        ("", False),
    ],
)
def test_is_loopback_compares_addresses(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


# -- classification, pure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "message", "hits", "kind", "wait"),
    [
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1010"},
            "API rate limit exceeded for user ID 1.",
            0,
            "primary",
            11.0,
        ),
        (429, {"retry-after": "30"}, "", 0, "retry-after", 30.0),
        (
            403,
            {"retry-after": "3", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1020"},
            "",
            0,
            "primary",
            21.0,
        ),
        (403, {}, SECONDARY, 0, "secondary", 60.0),
        (403, {}, SECONDARY, 2, "secondary", 240.0),
        (429, {"retry-after": "500"}, SECONDARY, 0, "secondary", 500.0),
        (429, {"retry-after": "2"}, SECONDARY, 0, "secondary", 2.0),
        (403, {"retry-after": "2"}, SECONDARY, 3, "secondary", 2.0),
        (403, {"retry-after": "0"}, "", 0, "retry-after", 0.0),
        (403, {"retry-after": "-5"}, SECONDARY, 0, "secondary", 60.0),
        (403, {"retry-after": "soon"}, SECONDARY, 1, "secondary", 120.0),
        (
            403,
            {"retry-after": "Thu, 01 Jan 1970 00:17:10 GMT"},  # epoch 1030, now is 1000
            SECONDARY,
            0,
            "secondary",
            30.0,
        ),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1004"},
            SECONDARY,
            2,
            "secondary",
            5.0,
        ),
        (429, {}, "", 1, "secondary", 120.0),
        (
            403,
            {"x-ratelimit-remaining": "12"},
            "Resource not accessible by integration",
            0,
            "none",
            None,
        ),
        (404, {}, "Not Found", 0, "none", None),
    ],
)
def test_classify(
    status: int, headers: dict[str, str], message: str, hits: int, kind: str, wait: float | None
) -> None:
    t = classify(status, LimitHeaders.parse(headers), message, 1000.0, hits)
    assert (t.kind, t.wait) == (kind, wait)


def test_bucket_rolling_window() -> None:
    b = Bucket("code search", 9, 60.0, 10)
    for i in range(9):
        assert b.wait_needed(100.0 + i) == 0
        b.record(100.0 + i, LimitHeaders())
    assert b.wait_needed(109.0) == pytest.approx(52.0)  # 100 + 60 + 1 margin - 109
    b.record(
        109.0,
        LimitHeaders.parse(
            {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "160"}
        ),
    )
    assert b.limit == 10
    assert b.wait_needed(109.5) == pytest.approx(51.5)
