"""The repositories of a GitHub organisation or user, as audit sources.

``GET /orgs/{org}/repos`` (or ``/users/{user}/repos``) through :class:`GitHubClient`, so the
listing has the exposure check's token handling, pacing, bounds and error wording; every page
is read (``Link: rel="next"``, never to another host) or the listing fails as a whole, since
an audit that silently covered a part of an organisation would report it clean.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from twscan.core.errors import TwscanError
from twscan.net.github.client import PER_PAGE, GitHubClient, GitHubHTTPError
from twscan.net.hosts import is_loopback, printable, split_origin
from twscan.sources.repos import RepoSpec

#: A GitHub login (user or organisation): letters, digits, single hyphens, up to 39; GHES
#: also allows ``_`` (from SAML/LDAP names), so it is accepted here too.
_LOGIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9_])){0,38}")
_FULL_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")


def list_repos(
    client: GitHubClient,
    *,
    org: str | None = None,
    user: str | None = None,
    include_forks: bool = False,
    include_archived: bool = False,
) -> list[RepoSpec]:
    """Every repository of ``org`` (``type=all``) or of ``user`` (``type=owner``), sorted by
    name; forks and archived repositories only when asked for."""
    if (org is None) == (user is None):
        raise ValueError("name exactly one of org or user")
    login = org if org is not None else user
    assert login is not None
    option = "--github-org" if org is not None else "--github-user"
    if not _LOGIN_RE.fullmatch(login):
        raise TwscanError(f"{option} {printable(login, 60)!r} is not a GitHub account name")
    kind = "orgs" if org is not None else "users"
    source = f"github-{'org' if org is not None else 'user'}:{login}"
    params: dict[str, str | int] = {
        "type": "all" if org is not None else "owner",
        "sort": "full_name",
        "per_page": PER_PAGE,
    }
    what = f"repository list of {'organisation' if org is not None else 'user'} {login}"
    try:
        items = client.get_list(f"/{kind}/{urllib.parse.quote(login, safe='')}/repos", params, what)
    except GitHubHTTPError as err:
        if err.status == 404:
            noun = "organisation" if org is not None else "user"
            raise GitHubHTTPError(
                f"GitHub has no {noun} {login} (404 from {client.api_url}), or the token "
                "cannot see it",
                404,
                err.api_message,
            ) from None
        raise
    specs: list[RepoSpec] = []
    for item in items:
        spec = _spec(item, client, source, include_forks, include_archived)
        if spec is not None:
            specs.append(spec)
    specs.sort(key=lambda s: s.name)
    return specs


def _spec(
    item: Any, client: GitHubClient, source: str, include_forks: bool, include_archived: bool
) -> RepoSpec | None:
    """A listing entry as a spec, None when it is left out (a fork, archived) or unusable."""
    if not isinstance(item, dict):
        return None
    if item.get("fork") is True and not include_forks:
        return None
    if item.get("archived") is True and not include_archived:
        return None
    name = item.get("full_name")
    url = item.get("clone_url")
    if not isinstance(name, str) or not _FULL_NAME_RE.fullmatch(name):
        client.notify(f"skipped a repository whose full_name GitHub gave as {_shown(name)}")
        return None
    if not isinstance(url, str) or not _clone_url_ok(url, client.api_url):
        client.notify(
            f"skipped {name}: its clone_url {_shown(url)} is not an https URL on GitHub's host"
        )
        return None
    return RepoSpec(name=name, url=url, source=source)


def _shown(value: object) -> str:
    return repr(printable(str(value), 120))


def _clone_url_ok(url: str, api_url: str) -> bool:
    """GitHub clones over https, from the API's own host (``api.github.com`` serves
    ``github.com``; a GHES API at ``host/api/v3`` serves ``host``). A stand-in API on the
    loopback interface (tests, a local mirror of GitHub) may also hand out http and file
    URLs; nothing else may make the audit clone from elsewhere or run a transport program."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if is_loopback(api_url):
        return scheme in ("https", "http", "file")
    if scheme != "https" or parts.username or parts.password:
        return False
    api = split_origin(api_url)
    clone = split_origin(url)
    if api is None or clone is None:
        return False
    web = "github.com" if api.host == "api.github.com" else api.host
    if api.host.startswith("api.") and api.host.endswith(".ghe.com"):
        web = api.host[4:]
    return clone.host == web
