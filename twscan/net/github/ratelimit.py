"""Pacing and rate-limit classification for the GitHub REST API.

GitHub's code-search bucket is tiny (about ten requests a minute) and GitHub warns that an
integration which keeps calling while limited may be banned. Reacting to 403/429 alone, as the
common client libraries do, would burn a request every time the window fills; so twscan paces
search requests *before* sending them, from the ``x-ratelimit-*`` headers of earlier answers and
a rolling window of its own, and classifies every 403/429 exactly (primary limit, secondary limit,
or a plain permission error that must not be retried). The clock and the sleep are injectable so
the tests can check every wait without really waiting.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

#: Assumed code-search budget when GitHub sends no headers (GHES with limits off, proxies).
#: GitHub's own docs disagree between 9 and 10 a minute; 9 is the safe reading.
DEFAULT_SEARCH_LIMIT = 9
#: Never more than this many code searches a minute, whatever a server's headers claim: GitHub
#: documents 10 at most, and a proxy or a GHES header must not talk twscan into a ban.
MAX_SEARCH_LIMIT = 10
#: The code-search window. Requests are counted from when their answer arrived, so that GitHub,
#: which counts them on arrival, can never see more than the budget inside any 60 s.
WINDOW_S = 60.0
#: Extra margin after a reset time or a window edge: reset times are whole epoch seconds.
MARGIN_S = 1.0
#: The shortest wait after a secondary rate limit ("wait for at least one minute").
SECONDARY_MIN_WAIT_S = 60.0


class Clock(Protocol):
    """Wall-clock time and sleep, injectable for tests."""

    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: epoch seconds, because ``x-ratelimit-reset`` is an epoch time."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass(frozen=True)
class LimitHeaders:
    """The rate-limit headers of one response; ``None`` where a header was absent or garbled."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    resource: str | None = None
    retry_after: float | None = None  # seconds, the form GitHub sends
    retry_at: float | None = None  # epoch, when retry-after was an HTTP date (RFC 9110)

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> LimitHeaders:
        """Read the headers case-insensitively (``requests`` gives a case-insensitive mapping)."""
        lower = {k.lower(): v for k, v in headers.items()}
        return cls(
            limit=_int(lower.get("x-ratelimit-limit")),
            remaining=_int(lower.get("x-ratelimit-remaining")),
            reset=_float(lower.get("x-ratelimit-reset")),
            resource=lower.get("x-ratelimit-resource"),
            retry_after=_float(lower.get("retry-after")),
            retry_at=_http_date(lower.get("retry-after")),
        )


def _int(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        number = float(value.strip()) if value is not None else None
    except ValueError:
        return None
    return number if number is None or number >= 0 else None


def _http_date(value: str | None) -> float | None:
    """``retry-after`` as an HTTP date, the other form RFC 9110 allows; ``None`` otherwise."""
    if value is None or _float(value) is not None or not value.strip():
        return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value.strip()).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def is_secondary_message(message: str) -> bool:
    """GitHub's secondary-limit wording, matched the way PyGithub and githubkit match it."""
    text = message.strip().lower()
    return (
        "secondary rate" in text
        or text.endswith("please retry your request again later.")
        or text.endswith("please wait a few minutes before you try again.")
        or "abuse detection" in text
    )


def is_primary_message(message: str) -> bool:
    return message.strip().lower().startswith("api rate limit exceeded")


@dataclass(frozen=True)
class Throttle:
    """How a 403/429 answer should be handled: ``wait`` seconds, or ``None`` for no retry.

    ``source`` says where the wait came from: GitHub's ``retry-after``, its reset time, or
    twscan's own backoff (the minute-and-doubling rule for limits that name no time).
    """

    kind: str  # "primary" | "secondary" | "retry-after" | "none"
    wait: float | None
    source: str = "none"  # "retry-after" | "reset" | "backoff" | "none"

    @property
    def backoff(self) -> bool:
        return self.source == "backoff"


def classify(
    status: int, headers: LimitHeaders, message: str, now: float, secondary_hits: int
) -> Throttle:
    """Decide whether a 403/429 is a rate limit and how long to wait before retrying.

    Follows GitHub's documented rules in their order: when ``retry-after`` is present, wait
    that many seconds; when ``remaining`` is 0, wait until the reset time (the later of the two
    when both are given, since each says "not before"); *otherwise*, for a secondary limit, wait
    at least a minute, doubling on each repeat. So the minute and the doubling are only for
    limits that name no time: a secondary-limit answer with ``retry-after: 2`` waits 2 s.
    A 403 with quota left and no rate-limit wording is a permission problem (``kind="none"``);
    a bare 429 is a rate limit by definition and gets the secondary treatment.
    ``secondary_hits`` is how many backoff waits this request has had before this one.
    """
    if status not in (403, 429):
        return Throttle("none", None)
    secondary = is_secondary_message(message)
    wait: float | None = None
    source = "none"
    if headers.remaining == 0:
        reset = headers.reset if headers.reset is not None else now + WINDOW_S
        wait, source = max(reset - now, 0.0) + MARGIN_S, "reset"
    retry_after = headers.retry_after
    if retry_after is None and headers.retry_at is not None:
        retry_after = max(0.0, headers.retry_at - now)
    if retry_after is not None and (wait is None or retry_after > wait):
        wait, source = retry_after, "retry-after"
    if wait is not None:
        kind = "secondary" if secondary else ("primary" if source == "reset" else "retry-after")
        return Throttle(kind, wait, source)
    if secondary or status == 429 or is_primary_message(message):
        backoff = SECONDARY_MIN_WAIT_S * (2 ** max(0, secondary_hits))
        return Throttle("secondary", backoff, "backoff")
    return Throttle("none", None)


class Bucket:
    """One GitHub rate-limit bucket as seen from this process.

    Tracks the last ``remaining``/``reset`` GitHub reported, and, when ``window`` is set, a
    rolling window of completed requests capped at ``limit`` (the header's value once seen, never
    above ``max_limit``; ``default_limit`` until then). ``wait_needed`` says how long to wait
    before the next request.
    """

    def __init__(
        self,
        name: str,
        default_limit: int | None,
        window: float | None,
        max_limit: int | None = None,
    ) -> None:
        self.name = name
        self.limit = default_limit
        self.window = window
        self.max_limit = max_limit
        self.remaining: int | None = None
        self.reset: float | None = None
        self._done: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        """Seconds to wait so that the next request stays within what GitHub allows."""
        return max(self.reset_wait(now), self.window_wait(now))

    def reset_wait(self, now: float) -> float:
        """Until the reset GitHub announced, when it said the quota is used up."""
        if self.remaining is not None and self.remaining <= 0 and self.reset is not None:
            return max(0.0, self.reset + MARGIN_S - now)
        return 0.0

    def window_wait(self, now: float) -> float:
        """Until the oldest request of a full rolling window has left it (twscan's own pacing)."""
        if self.window is None or self.limit is None or self.limit <= 0:
            return 0.0
        while self._done and self._done[0] + self.window + MARGIN_S <= now:
            self._done.popleft()
        if len(self._done) < self.limit:
            return 0.0
        oldest = self._done[len(self._done) - self.limit]
        return max(0.0, oldest + self.window + MARGIN_S - now)

    def record(self, now: float, headers: LimitHeaders) -> None:
        """Count a finished request (whatever its status) and take in its headers."""
        if self.window is not None:
            self._done.append(now)
        if headers.limit is not None and headers.limit > 0:
            self.limit = min(headers.limit, self.max_limit or headers.limit)
        if headers.remaining is not None:
            self.remaining = headers.remaining
            self.reset = headers.reset
        elif headers.reset is None:
            # No headers (GHES with limits disabled): forget stale numbers, keep the window.
            self.remaining = None
            self.reset = None
