"""Command-line options of the network features, kept apart from the features themselves.

Every scan command offers ``--check-github`` and ``--verify``; registering those options must
not import the GitHub client (or requests), or every ``twscan staged`` would pay for code it
almost never runs. Nor does this module import argparse itself: the commit hook reads its
usual command line without a parser and takes the defaults from here (:func:`defaults`).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing; mypy knows the name
if TYPE_CHECKING:
    import argparse

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_TTL_S = 24 * 3600.0
DEFAULT_VERIFY_URL = "https://verify.twilio.com"
#: Real seconds a run may spend in GitHub HTTP exchanges (not in rate-limit waits).
DEFAULT_GITHUB_TIMEOUT_S = 600.0
#: Seconds of rate-limit waits a run may spend in all.
DEFAULT_MAX_WAIT_S = 300.0


def api_url_default() -> str:
    return os.environ.get("TWSCAN_GITHUB_API_URL") or DEFAULT_API_URL


def defaults() -> dict[str, object]:
    """What the options below hold when none is given (``--check-github`` and ``--verify``
    included), for a command line read without a parser."""
    return {
        "check_github": False,
        "github_api_url": api_url_default(),
        "github_token_file": None,
        "max_wait": DEFAULT_MAX_WAIT_S,
        "github_timeout": DEFAULT_GITHUB_TIMEOUT_S,
        "no_cache": False,
        "cache_ttl": DEFAULT_TTL_S,
        "verify": False,
        "verify_url": DEFAULT_VERIFY_URL,
    }


def _positive(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value != value:  # NaN compares false with everything, so it would disable the limit
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def add_github_args(parser: argparse.ArgumentParser, *, with_flag: bool = True) -> None:
    """The options every scan mode shares for ``--check-github`` (and ``twscan exposure``)."""
    group = parser.add_argument_group("GitHub exposure check")
    if with_flag:
        group.add_argument(
            "--check-github",
            action="store_true",
            help="after the scan, ask GitHub code search whether each Account SID and API key "
            "SID found is already public (sends only the SIDs; needs GITHUB_TOKEN or GH_TOKEN)",
        )
    group.add_argument(
        "--github-api-url",
        metavar="URL",
        default=api_url_default(),
        help="GitHub REST API base, e.g. https://HOST/api/v3 for GitHub Enterprise Server "
        f"(default: {DEFAULT_API_URL})",
    )
    group.add_argument(
        "--github-token-file",
        metavar="FILE",
        help="read the GitHub token from FILE instead of GITHUB_TOKEN / GH_TOKEN",
    )
    group.add_argument(
        "--max-wait",
        metavar="SECONDS",
        type=_positive,
        default=DEFAULT_MAX_WAIT_S,
        help="give up when GitHub rate limits would make twscan wait longer than this in total "
        "(default: 300)",
    )
    group.add_argument(
        "--github-timeout",
        metavar="SECONDS",
        type=_positive,
        default=DEFAULT_GITHUB_TIMEOUT_S,
        help="give up when GitHub's answers take longer than this in total, transfer included "
        "(rate-limit waits count against --max-wait instead; each answer also has its own 60 s "
        f"deadline and a 10 MiB cap; default: {DEFAULT_GITHUB_TIMEOUT_S:.0f})",
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the on-disk cache of GitHub results",
    )
    group.add_argument(
        "--cache-ttl",
        metavar="SECONDS",
        type=_positive,
        default=DEFAULT_TTL_S,
        help=f"reuse cached GitHub results younger than this (default: {DEFAULT_TTL_S:.0f})",
    )


def add_verify_args(parser: argparse.ArgumentParser) -> None:
    """``--verify`` and its test hook; the help says plainly that the secret leaves the machine."""
    group = parser.add_argument_group("liveness check (opt-in)")
    group.add_argument(
        "--verify",
        action="store_true",
        help="SENDS each credential pair found (SID with its token, or API key with its secret) "
        "to Twilio, and only to Twilio, to check whether it is still live; off by default",
    )
    group.add_argument(
        "--verify-url",
        metavar="URL",
        default=DEFAULT_VERIFY_URL,
        help=f"base URL of the Twilio Verify API (default: {DEFAULT_VERIFY_URL}; "
        "https only, or http on loopback for tests)",
    )
