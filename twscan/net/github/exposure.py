"""Is this SID already public? Where, since when, by whom, and with its token beside it?

Twilio tells customers who fear a takeover to search GitHub for their Account SID and look at
each hit by hand. This module automates exactly that: one code search per SID (all pages), then
per hit the newest and oldest commit touching the file, and the file itself, run through twscan's
own engine *locally* to decide whether a token sits beside the SID. Only SIDs leave the machine.

Importing this module is cheap (no ``requests``): the scan commands import it for their options
and only pay for HTTP when ``--check-github`` is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from twscan.core.errors import TwscanError
from twscan.core.model import Finding
from twscan.core.redact import redact
from twscan.core.stamp import utc_stamp
from twscan.net.github.cache import ExposureCache
from twscan.net.github.client import (
    REQUEST_DEADLINE_S,
    SID_RE,
    GitHubHTTPError,
    GitHubRateLimitError,
    GitHubTimeoutError,
    normalize_api_url,
    web_search_url,
)
from twscan.net.github.options import DEFAULT_API_URL, DEFAULT_GITHUB_TIMEOUT_S, DEFAULT_TTL_S
from twscan.net.github.options import add_github_args as add_github_args
from twscan.net.github.ratelimit import Clock, SystemClock
from twscan.net.hosts import is_loopback

if TYPE_CHECKING:
    import requests

    from twscan.net.github.client import GitHubClient

#: Kinds of finding that mean "a token or secret is here".
TOKEN_KINDS = frozenset({"auth-token", "api-key-secret", "credential-pair"})
SID_KINDS = frozenset({"account-sid", "api-key-sid"})

EXPOSED = "exposed"
NOT_FOUND = "not_found"
NOT_CHECKED = "not_checked"
UNKNOWN = "unknown"

#: Why a miss proves little; shown with every "not found".
SEARCH_SCOPE = (
    "GitHub code search covers default branches and files under 384 KB only: "
    "history, other branches, forks, gists and large files are not searched"
)


@dataclass
class CommitRef:
    """One commit touching a hit's path, as the commits API describes it."""

    sha: str
    date: str | None  # git author date (client-supplied, not the push time)
    author: str | None  # GitHub login when GitHub matched the e-mail, else the git name
    author_login: str | None = None
    author_name: str | None = None
    committer_date: str | None = None
    html_url: str | None = None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> CommitRef:
        """``author`` may be a GitHub account, ``{}`` or ``null``: then the git name is used."""
        commit = _dict(item.get("commit"))
        git_author, git_committer = _dict(commit.get("author")), _dict(commit.get("committer"))
        login = _dict(item.get("author")).get("login")
        name = git_author.get("name")
        return cls(
            sha=str(item.get("sha") or ""),
            date=_str(git_author.get("date")) or _str(git_committer.get("date")),
            author=_str(login) or _str(name),
            author_login=_str(login),
            author_name=_str(name),
            committer_date=_str(git_committer.get("date")),
            html_url=_str(item.get("html_url")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "date": self.date,
            "author": self.author,
            "author_login": self.author_login,
            "author_name": self.author_name,
            "committer_date": self.committer_date,
            "html_url": self.html_url,
        }

    @classmethod
    def from_dict(cls, data: Any) -> CommitRef | None:
        if not isinstance(data, dict) or not isinstance(data.get("sha"), str):
            return None
        return cls(
            sha=data["sha"],
            date=_str(data.get("date")),
            author=_str(data.get("author")),
            author_login=_str(data.get("author_login")),
            author_name=_str(data.get("author_name")),
            committer_date=_str(data.get("committer_date")),
            html_url=_str(data.get("html_url")),
        )


@dataclass
class ExposureHit:
    """One file on GitHub that holds the SID."""

    repository: str
    path: str
    html_url: str
    blob_sha: str | None = None
    ref: str | None = None  # the commit whose version of the file was indexed
    line: int | None = None  # first line holding the SID, when the file could be read
    newest: CommitRef | None = None
    oldest: CommitRef | None = None
    token_beside: bool | None = None  # None: could not tell
    token: str | None = None  # redacted, never the value
    token_kind: str | None = None
    token_line: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "path": self.path,
            "html_url": self.html_url,
            "blob_sha": self.blob_sha,
            "ref": self.ref,
            "line": self.line,
            "newest_commit": self.newest.to_dict() if self.newest else None,
            "oldest_commit": self.oldest.to_dict() if self.oldest else None,
            "token_beside": UNKNOWN if self.token_beside is None else self.token_beside,
            "token": self.token,
            "token_kind": self.token_kind,
            "token_line": self.token_line,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExposureHit:
        beside = data.get("token_beside")
        return cls(
            repository=str(data.get("repository") or ""),
            path=str(data.get("path") or ""),
            html_url=str(data.get("html_url") or ""),
            blob_sha=data.get("blob_sha"),
            ref=data.get("ref"),
            line=data.get("line"),
            newest=CommitRef.from_dict(data.get("newest_commit")),
            oldest=CommitRef.from_dict(data.get("oldest_commit")),
            token_beside=beside if isinstance(beside, bool) else None,
            token=data.get("token"),
            token_kind=data.get("token_kind"),
            token_line=data.get("token_line"),
            notes=[str(n) for n in data.get("notes") or []],
        )


@dataclass
class ExposureResult:
    """The answer for one SID: public or not, where, since when, by whom, with its token."""

    sid: str
    kind: str  # "account-sid" | "api-key-sid"
    search_url: str  # Twilio's manual check, for a human to repeat
    api_url: str
    status: str  # EXPOSED | NOT_FOUND | NOT_CHECKED
    total_count: int | None = None
    incomplete_results: bool = False  # GitHub said its search timed out part-way
    capped: bool = False  # more than the API's 1,000 results
    hits: list[ExposureHit] = field(default_factory=list)
    checked_at: str | None = None
    cached: bool = False
    message: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exposed(self) -> bool:
        return self.status == EXPOSED

    @property
    def incomplete(self) -> bool:
        """True when the hits listed are not all GitHub knows of."""
        listed = len(self.hits)
        return (
            self.incomplete_results
            or self.capped
            or (self.total_count is not None and self.total_count > listed)
        )

    @property
    def repositories(self) -> list[str]:
        return sorted({h.repository for h in self.hits}, key=str.lower)

    @property
    def token_beside(self) -> bool | None:
        """True if any hit has the token beside it, None if that could not be told."""
        if any(h.token_beside for h in self.hits):
            return True
        if self.status == NOT_CHECKED or any(h.token_beside is None for h in self.hits):
            return None
        return False

    def to_dict(self) -> dict[str, Any]:
        beside = self.token_beside
        return {
            "sid": self.sid,
            "kind": self.kind,
            "status": self.status,
            "search_url": self.search_url,
            "api_url": self.api_url,
            "total_count": self.total_count,
            "incomplete_results": self.incomplete_results,
            "incomplete": self.incomplete,
            "capped": self.capped,
            "repositories": self.repositories,
            "token_beside": UNKNOWN if beside is None else beside,
            "hits": [h.to_dict() for h in self.hits],
            "checked_at": self.checked_at,
            "cached": self.cached,
            "message": self.message,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, cached: bool = False) -> ExposureResult:
        return cls(
            sid=str(data["sid"]),
            kind=str(data.get("kind") or sid_kind(str(data["sid"]))),
            search_url=str(data.get("search_url") or ""),
            api_url=str(data.get("api_url") or ""),
            status=str(data.get("status") or NOT_CHECKED),
            total_count=data.get("total_count"),
            incomplete_results=bool(data.get("incomplete_results")),
            capped=bool(data.get("capped")),
            hits=[ExposureHit.from_dict(h) for h in data.get("hits") or [] if isinstance(h, dict)],
            checked_at=data.get("checked_at"),
            cached=cached,
            message=data.get("message"),
            notes=[str(n) for n in data.get("notes") or []],
        )


class _Detector(Protocol):
    def scan_text(self, text: str, path: str) -> list[Finding]: ...


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sid_kind(sid: str) -> str:
    return "api-key-sid" if sid[:2].upper() == "SK" else "account-sid"


def validate_sids(values: Iterable[str]) -> list[str]:
    """Distinct SIDs in order; anything else is refused, shown redacted (it may be a token)."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        value = raw.strip()
        if not SID_RE.fullmatch(value):
            raise TwscanError(
                f"not an Account SID (AC + 32 hex) or API key SID (SK + 32 hex): {redact(value)}"
            )
        key = value.lower()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


# -- options ----------------------------------------------------------------------------------


def resolve_token(token_file: str | None) -> tuple[str | None, str]:
    """The GitHub token and a description of where it came from (never the token itself)."""
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise TwscanError(
                f"cannot read --github-token-file {token_file}: {type(exc).__name__}"
            ) from None
        if not token:
            raise TwscanError(f"--github-token-file {token_file} is empty")
        return token, f"the token in {token_file}"
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        token = os.environ.get(name, "").strip()
        if token:
            return token, name
    return None, ""


# -- the check --------------------------------------------------------------------------------


def _stderr(message: str) -> None:
    from twscan.core.safeio import clean  # GitHub's words and paths: one line, nothing that drives

    print(f"twscan: {clean(message)}", file=sys.stderr, flush=True)


def check_sids(
    sids: Iterable[str],
    *,
    api_url: str = DEFAULT_API_URL,
    token: str | None = None,
    token_source: str = "the GitHub token",
    max_wait: float = 300.0,
    use_cache: bool = True,
    cache_ttl: float = DEFAULT_TTL_S,
    clock: Clock | None = None,
    notify: Callable[[str], None] | None = None,
    session: requests.Session | None = None,
    timeout: float | tuple[float, float] = (10.0, 30.0),
    deadline: float = REQUEST_DEADLINE_S,
    budget: float = DEFAULT_GITHUB_TIMEOUT_S,
    detector: _Detector | None = None,
) -> list[ExposureResult]:
    """Check each SID against GitHub code search; raises :class:`TwscanError` on fatal errors.

    A result cached for this SID and API within the TTL is used as it is. Without a token
    nothing is sent: each uncached SID is ``not_checked`` and carries the URL of the manual
    search, because code search refuses anonymous calls and a CI job should not fail just
    because nobody gave it a token. ``budget`` is the run's transfer budget
    (``--github-timeout``), ``deadline`` that of one exchange.
    """
    wanted = validate_sids(sids)
    api_url = normalize_api_url(api_url)
    say = notify if notify is not None else _stderr
    clock = clock or SystemClock()
    cache = ExposureCache(ttl=cache_ttl) if use_cache else None
    results: list[ExposureResult] = []
    unchecked: list[str] = []
    client: GitHubClient | None = None
    try:
        for sid in wanted:
            cached = cache.get(api_url, sid, clock.time()) if cache else None
            if cached is not None:
                results.append(ExposureResult.from_dict(cached, cached=True))
                continue
            if not token:
                unchecked.append(web_search_url(sid, api_url))
                results.append(_not_checked(sid, api_url))
                continue
            if client is None:
                client = _client(
                    token,
                    api_url,
                    token_source,
                    clock,
                    max_wait,
                    (timeout, deadline, budget),
                    session,
                    say,
                )
            if detector is None:
                from twscan.detect.engine import Detector

                detector = Detector.load()
            result = _check_one(client, sid, detector, clock)
            if cache:
                cache.put(api_url, sid, result.to_dict(), clock.time())
            results.append(result)
    finally:
        if client is not None:
            client.close()
    if unchecked:
        say(
            "GitHub code search needs a token (set GITHUB_TOKEN or GH_TOKEN, or pass "
            "--github-token-file); nothing was sent. Search by hand: " + " ".join(unchecked)
        )
    return results


def _not_checked(sid: str, api_url: str) -> ExposureResult:
    return ExposureResult(
        sid=sid,
        kind=sid_kind(sid),
        search_url=web_search_url(sid, api_url),
        api_url=api_url,
        status=NOT_CHECKED,
        message="no GitHub token: search by hand with the URL",
    )


def _client(
    token: str,
    api_url: str,
    token_source: str,
    clock: Clock,
    max_wait: float,
    limits: tuple[float | tuple[float, float], float, float],
    session: requests.Session | None,
    notify: Callable[[str], None],
) -> GitHubClient:
    """Build the client (this is where ``requests`` gets imported, and only here)."""
    from twscan.net.github.client import GitHubClient

    if urllib.parse.urlsplit(api_url).scheme == "http" and not is_loopback(api_url):
        notify(f"warning: {api_url} is plain http: the GitHub token travels unencrypted")
    timeout, deadline, budget = limits
    return GitHubClient(
        token,
        api_url,
        token_source=token_source,
        clock=clock,
        max_wait=max_wait,
        timeout=timeout,
        deadline=deadline,
        budget=budget,
        session=session,
        notify=notify,
    )


def _check_one(client: GitHubClient, sid: str, detector: _Detector, clock: Clock) -> ExposureResult:
    search = client.search_code(sid)
    result = ExposureResult(
        sid=sid,
        kind=sid_kind(sid),
        search_url=web_search_url(sid, client.api_url),
        api_url=client.api_url,
        status=EXPOSED if search.total_count > 0 or search.items else NOT_FOUND,
        total_count=search.total_count,
        incomplete_results=search.incomplete_results,
        capped=search.capped,
        checked_at=utc_stamp(clock.time()),
    )
    if result.status == NOT_FOUND:
        result.message = f"not found by GitHub code search ({SEARCH_SCOPE})"
    if search.capped:
        result.notes.append(
            f"GitHub reports {search.total_count} results; the API returns the first 1,000 only"
        )
    if search.incomplete_results:
        result.notes.append("GitHub's search timed out part-way: results may be incomplete")
    if search.stopped:
        result.notes.append(search.stopped)
    seen: set[tuple[str, str]] = set()
    details = True
    skipped = ""
    for item in search.items:
        hit = _hit_from_item(item)
        if hit is None or (hit.repository, hit.path) in seen:
            continue
        seen.add((hit.repository, hit.path))
        if details:
            try:
                _add_history(client, hit)
                _add_token(client, hit, item, sid, detector)
            except (GitHubRateLimitError, GitHubTimeoutError) as exc:
                # The core quota is gone for longer than --max-wait, or the run's transfer
                # budget is spent: keep what we have (a next search fails on its own).
                details = False
                result.notes.append(f"details stopped: {exc}")
                timed_out = isinstance(exc, GitHubTimeoutError)
                skipped = "--github-timeout spent" if timed_out else "GitHub core rate limit"
        else:
            hit.notes.append(f"details skipped: {skipped}")
        result.hits.append(hit)
    return result


def _hit_from_item(item: dict[str, Any]) -> ExposureHit | None:
    repo = item.get("repository")
    full_name = repo.get("full_name") if isinstance(repo, dict) else None
    path = item.get("path")
    if not isinstance(full_name, str) or not isinstance(path, str):
        return None
    ref = None
    url = item.get("url")
    if isinstance(url, str):
        ref = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("ref", [None])[0]
    return ExposureHit(
        repository=full_name,
        path=path,
        html_url=str(item.get("html_url") or ""),
        blob_sha=_str(item.get("sha")),
        ref=ref,
    )


def _add_history(client: GitHubClient, hit: ExposureHit) -> None:
    try:
        newest, oldest = client.path_commits(hit.repository, hit.path)
    except GitHubHTTPError as exc:  # a rate-limit give-up is not one: it goes up to the caller
        hit.notes.append(f"history unavailable: {exc}")
        return
    hit.newest = CommitRef.from_api(newest) if newest else None
    hit.oldest = CommitRef.from_api(oldest) if oldest else None


def _add_token(
    client: GitHubClient, hit: ExposureHit, item: dict[str, Any], sid: str, detector: _Detector
) -> None:
    """Decide ``token_beside`` by running twscan's engine on the file, here, never remotely."""
    text: str | None = None
    url = item.get("url")
    if isinstance(url, str):
        try:
            raw = client.fetch_file(url)
        except GitHubHTTPError as exc:
            hit.notes.append(f"file unavailable: {exc}")
            raw = None
        if raw is not None:
            text = raw.decode("utf-8", errors="replace")
    from_fragments = text is None
    if text is None:
        # The text-match fragments are short, but a token on the same line still shows there.
        fragments = [
            str(m.get("fragment") or "")
            for m in item.get("text_matches") or []
            if isinstance(m, dict) and m.get("property", "content") == "content"
        ]
        text = "\n...\n".join(f for f in fragments if f) or None
    if text is None:
        return
    if not from_fragments:
        at = text.lower().find(sid.lower())
        hit.line = text.count("\n", 0, at) + 1 if at >= 0 else None
    try:
        findings = detector.scan_text(text, hit.path)
    except Exception as exc:  # an engine bug must not sink the whole exposure report
        hit.notes.append(f"detection engine failed on this file ({type(exc).__name__})")
        return
    beside, token = token_beside(findings, sid)
    if token is not None:
        hit.token = redact(token.secret)
        hit.token_kind = token.kind
        hit.token_line = None if from_fragments else token.line
    if beside:
        hit.token_beside = True
    elif not from_fragments:
        hit.token_beside = False
    # From fragments alone a miss means nothing: leave it unknown.


def token_beside(findings: list[Finding], sid: str) -> tuple[bool, Finding | None]:
    """Whether the engine saw a token or secret that goes with ``sid`` in one file.

    A token paired with this SID counts, and so does a token the engine could not pair (it is
    beside the SID all the same); a token paired with a *different* SID in the same file does
    not. The returned finding is the token to report (redacted).
    """
    tokens = [f for f in findings if f.kind in TOKEN_KINDS]
    for f in tokens:
        if f.pair is not None and f.pair.secret.lower() == sid.lower():
            return True, f
    for f in tokens:
        if f.pair is None:
            return True, f
    return False, None


# -- the hook the scan commands call ----------------------------------------------------------


def sids_of(findings: Iterable[Finding]) -> list[str]:
    """Distinct Account SIDs and API key SIDs a scan found, alone or as half of a pair."""
    candidates: list[str] = []
    for f in findings:
        if f.kind in SID_KINDS:
            candidates.append(f.secret)
        if f.pair is not None and f.pair.kind in SID_KINDS:
            candidates.append(f.pair.secret)
    return validate_sids(s for s in candidates if SID_RE.fullmatch(s))


def check_args(
    sids: Iterable[str], args: argparse.Namespace, notify: Callable[[str], None] | None = None
) -> list[ExposureResult]:
    """:func:`check_sids` with the options :func:`add_github_args` added to ``args``."""
    token, source = resolve_token(getattr(args, "github_token_file", None))
    return check_sids(
        sids,
        api_url=getattr(args, "github_api_url", None) or DEFAULT_API_URL,
        token=token,
        token_source=source or "the GitHub token",
        max_wait=float(getattr(args, "max_wait", 300.0)),
        budget=float(getattr(args, "github_timeout", DEFAULT_GITHUB_TIMEOUT_S)),
        use_cache=not getattr(args, "no_cache", False),
        cache_ttl=float(getattr(args, "cache_ttl", DEFAULT_TTL_S)),
        clock=getattr(args, "github_clock", None),  # test seam, not a command-line option
        notify=notify,
    )


def check_findings(findings: list[Finding], args: argparse.Namespace) -> list[ExposureResult]:
    """What a scan command calls when ``--check-github`` is given.

    Checks every distinct SID the scan found and marks each finding that holds one with
    ``extra["github_exposure"]`` (status, count, manual URL), so the scan's own report can say
    "this SID is already public" beside the finding.
    """
    if not getattr(args, "check_github", False):
        return []
    results = check_args(sids_of(findings), args)
    by_sid = {r.sid.lower(): r for r in results}
    for f in findings:
        sid = f.secret if f.kind in SID_KINDS else (f.pair.secret if f.pair else None)
        result = by_sid.get(sid.lower()) if sid else None
        if result is not None:
            f.extra["github_exposure"] = {
                "status": result.status,
                "total_count": result.total_count,
                "repositories": len(result.repositories),
                "token_beside": UNKNOWN if result.token_beside is None else result.token_beside,
                "search_url": result.search_url,
            }
    return results
