"""Listing an organisation's or a user's repositories, against the stand-in GitHub on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fake_github import FakeClock, FakeGitHub, new_github_token
from twscan.core.errors import TwscanError
from twscan.net.github.client import GitHubClient, GitHubHTTPError, GitHubRateLimitError
from twscan.net.github.repos import list_repos


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeGitHub]:
    with FakeGitHub(new_github_token(), clock).running() as server:
        yield server


class Notes(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


def client_for(fake: FakeGitHub, clock: FakeClock, **kw: Any) -> GitHubClient:
    kw.setdefault("notify", Notes())
    return GitHubClient(fake.token, fake.url, clock=clock, timeout=5.0, **kw)


def test_every_page_of_an_org_is_read_and_forks_and_archived_are_left_out(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    for i in range(230):
        fake.add_repo("acme", f"r{i:03d}")
    fake.add_repo("acme", "forked", fork=True)
    fake.add_repo("acme", "old", archived=True)
    fake.add_repo("acme", "secret", private=True)
    specs = list_repos(client_for(fake, clock), org="acme")
    names = [s.name for s in specs]
    assert len(names) == 231 and "acme/forked" not in names and "acme/old" not in names
    assert "acme/secret" in names and names == sorted(names)
    assert specs[0].url == f"{fake.web}/acme/r000.git" and specs[0].source == "github-org:acme"
    listing = [r for r in fake.requests if r.path == "/orgs/acme/repos"]
    assert len(listing) == 3  # 100 + 100 + 33, through rel="next"
    first = listing[0].query
    assert first["per_page"] == ["100"] and first["type"] == ["all"]
    assert all(r.headers["authorization"] == f"Bearer {fake.token}" for r in listing)


def test_forks_and_archived_when_asked(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.add_repo("acme", "a")
    fake.add_repo("acme", "forked", fork=True)
    fake.add_repo("acme", "old", archived=True)
    client = client_for(fake, clock)
    assert [s.name for s in list_repos(client, org="acme", include_forks=True)] == [
        "acme/a",
        "acme/forked",
    ]
    assert [
        s.name for s in list_repos(client, org="acme", include_forks=True, include_archived=True)
    ] == ["acme/a", "acme/forked", "acme/old"]


def test_a_users_repositories(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.add_repo("alice", "dotfiles", owner_type="User")
    specs = list_repos(client_for(fake, clock), user="alice")
    assert [(s.name, s.source) for s in specs] == [("alice/dotfiles", "github-user:alice")]
    req = next(r for r in fake.requests if r.path == "/users/alice/repos")
    assert req.query["type"] == ["owner"]


def test_an_unknown_org_is_a_404_error_naming_it(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.add_repo("alice", "dotfiles", owner_type="User")
    with pytest.raises(GitHubHTTPError, match="no organisation nosuch") as err:
        list_repos(client_for(fake, clock), org="nosuch")
    assert err.value.status == 404
    with pytest.raises(GitHubHTTPError, match="no organisation alice"):  # a user, not an org
        list_repos(client_for(fake, clock), org="alice")


def test_a_rate_limit_is_waited_out_then_the_listing_goes_on(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    for i in range(150):
        fake.add_repo("acme", f"r{i:03d}")
    reset = clock.time() + 120
    limited = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(reset)),
        "x-ratelimit-resource": "core",
    }
    body = {"message": "API rate limit exceeded for user ID 1."}
    fake.fault("repos", 403, body, limited)
    fake.fault("repos", 429, body, {"retry-after": "30"})
    notes = Notes()
    specs = list_repos(client_for(fake, clock, notify=notes), org="acme")
    assert len(specs) == 150
    assert sum(clock.slept) >= 120 and any("rate limit" in n for n in notes)


def test_a_rate_limit_beyond_max_wait_fails(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.add_repo("acme", "a")
    limited = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(int(clock.time() + 3600)),
        "x-ratelimit-resource": "core",
    }
    fake.fault("repos", 403, {"message": "API rate limit exceeded"}, limited)
    with pytest.raises(GitHubRateLimitError, match="max-wait"):
        list_repos(client_for(fake, clock, max_wait=60), org="acme")


def test_a_next_link_to_another_host_is_refused_before_anything_is_sent(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    fake.add_repo("acme", "a")
    with FakeGitHub(fake.token, clock).running() as elsewhere:
        fake.repos_next_link = f"{elsewhere.url}/orgs/acme/repos?page=2"
        with pytest.raises(GitHubHTTPError, match="outside"):
            list_repos(client_for(fake, clock), org="acme")
        assert elsewhere.requests == []  # neither the token nor anything else went there


def test_a_next_link_back_to_a_page_read_is_an_error_not_a_loop(
    fake: FakeGitHub, clock: FakeClock
) -> None:
    fake.add_repo("acme", "a")
    fake.repos_next_link = f"{fake.url}/orgs/acme/repos?page=1"
    with pytest.raises(GitHubHTTPError, match="already read"):
        list_repos(client_for(fake, clock), org="acme")
    assert len(fake.requests) <= 3


def test_clone_urls_that_leave_github_are_skipped(fake: FakeGitHub, clock: FakeClock) -> None:
    fake.add_repo("acme", "good")
    fake.add_repo("acme", "evil", clone_url="ext::sh -c touch% /tmp/pwned")
    notes = Notes()
    specs = list_repos(client_for(fake, clock, notify=notes), org="acme")
    assert [s.name for s in specs] == ["acme/good"]
    assert any("acme/evil" in n for n in notes)


@pytest.mark.parametrize("login", ["", "a/b", "../x", "a b", "-x", "x" * 40])
def test_an_account_name_that_is_not_one_is_refused(
    fake: FakeGitHub, clock: FakeClock, login: str
) -> None:
    with pytest.raises(TwscanError, match="not a GitHub account name"):
        list_repos(client_for(fake, clock), org=login)
    assert fake.requests == []
