"""Opt-in liveness check: does Twilio still accept a credential pair that was found?

A leaked pair that Twilio rejects is history; one it accepts is an emergency, so live findings
are marked and sorted first. This is the one place twscan sends a secret anywhere, hence:

* only with ``--verify`` (never by default), and only to Twilio's own API over HTTPS (a plain
  ``http://`` base URL is accepted for a loopback test server only, loopback by address:
  ``127.0.0.0/8``, ``::1`` or the name ``localhost``, see :mod:`twscan.net.hosts`);
* one read-only ``GET /v2/Services`` on ``verify.twilio.com`` with HTTP basic auth (SID:token or
  SK:secret): it changes nothing and lists nothing sensitive;
* only 200 means live and only 401 means invalid. A 403 (test credentials, restricted API keys),
  429, 5xx, a redirect, a timeout or a network error says nothing about the credential, so it is
  "unknown", never "revoked";
* a redirect is never followed (the credential would go with it), the answer's body is never
  read (only its status counts, so an endless body costs nothing), each request has a deadline
  for the whole exchange and the run a budget for all of them (:mod:`twscan.net.transfer`);
* each credential is asked about once per run (results kept by a one-way fingerprint, not by
  the secret), and nothing about the secret appears in any message.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from twscan import __version__
from twscan.core.model import Finding
from twscan.net.github.options import DEFAULT_VERIFY_URL as DEFAULT_BASE_URL
from twscan.net.github.options import add_verify_args as add_verify_args
from twscan.net.hosts import credential_base, split_origin

if TYPE_CHECKING:
    import requests


USER_AGENT = f"twscan/{__version__} (--verify)"
LIVE = "live"
INVALID = "invalid"
UNKNOWN = "unknown"

_PAIRABLE = frozenset({"auth-token", "api-key-secret", "credential-pair"})
_SID_KINDS = frozenset({"account-sid", "api-key-sid"})
#: Real seconds one run may spend asking Twilio, all credentials together; past it the rest
#: are "unknown" without a request. Each request also has its own deadline (``timeout``).
BUDGET_S = 300.0
#: fingerprint -> (state, reason); lives for the process, i.e. one run of twscan.
_RUN_CACHE: dict[str, tuple[str, str]] = {}


def _check_base_url(base_url: str) -> str:
    """The base URL, if credentials may go there: https, or plain http to this machine only."""
    return credential_base(base_url, "--verify-url")


def credential_of(finding: Finding) -> tuple[str, str] | None:
    """(SID, token or secret) for a finding that holds a complete pair, else ``None``."""
    if finding.kind not in _PAIRABLE or finding.pair is None:
        return None
    if finding.pair.kind not in _SID_KINDS or not finding.pair.secret or not finding.secret:
        return None
    return finding.pair.secret, finding.secret


def _fingerprint(base_url: str, user: str, secret: str) -> str:
    data = f"twscan-verify:v1\0{base_url}\0{user}\0{secret}".encode()
    return hashlib.sha256(data).hexdigest()


def verify_findings(
    findings: list[Finding],
    *,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 10.0,
    budget: float = BUDGET_S,
    session: requests.Session | None = None,
) -> None:
    """Set ``extra["live"]`` and ``extra["live_reason"]`` on every token finding, live first.

    Pairs are tested against Twilio; a token without a SID cannot be tested and is "unknown".
    The list is re-ordered in place (stable) so that live findings come first. ``timeout`` is
    the deadline of one request, connection to status line; ``budget`` that of all of them.
    """
    if not findings:
        return
    base = _check_base_url(base_url)
    own = session is None
    if session is None:
        import requests  # deferred: only --verify pays for it

        session = requests.Session()
    from twscan.net.transfer import monotonic

    spent = 0.0
    try:
        for f in findings:
            cred = credential_of(f)
            if cred is None:
                if f.kind in _PAIRABLE:
                    f.extra["live"] = UNKNOWN
                    f.extra["live_reason"] = "no SID beside it, so it cannot be tested"
                continue
            key = _fingerprint(base, *cred)
            if key in _RUN_CACHE:
                f.extra["live"], f.extra["live_reason"] = _RUN_CACHE[key]
                continue
            left = budget - spent
            if left <= 0:
                # Not cached: another run with a faster network may still answer.
                f.extra["live"] = UNKNOWN
                f.extra["live_reason"] = (
                    f"not tested: --verify spent its {budget:g} s budget on slow answers"
                )
                continue
            started = monotonic()
            _RUN_CACHE[key] = _probe(session, base, cred, min(timeout, left))
            spent += monotonic() - started
            f.extra["live"], f.extra["live_reason"] = _RUN_CACHE[key]
    finally:
        if own:
            session.close()
    findings.sort(key=lambda f: 0 if f.extra.get("live") == LIVE else 1)


def _probe(
    session: requests.Session, base: str, cred: tuple[str, str], timeout: float
) -> tuple[str, str]:
    """One read-only request; every outcome but 200 and 401 is "unknown"."""
    from twscan.net import transfer

    origin = split_origin(base)
    host = origin.netloc() if origin is not None else "the --verify-url host"

    def same_origin(url: str) -> None:
        if split_origin(url) != origin:
            raise transfer.RefusedError("the request URL left the --verify-url host")

    try:
        answer = transfer.request(
            session,
            "GET",
            f"{base}/v2/Services",
            auth=cred,
            timeout=timeout,
            deadline=timeout,
            read_body=False,  # only the status counts; an endless body is never read
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            check=same_origin,
        )
    except transfer.TransferError as exc:
        if exc.timed_out:
            return UNKNOWN, f"{host} did not answer within {timeout:g} s"
        return UNKNOWN, f"could not reach {host} ({exc})"
    status = answer.status
    if status == 200:
        return LIVE, "Twilio accepted the credential (200): rotate it now"
    if status == 401:
        return INVALID, "Twilio rejected the credential (401): no longer valid"
    if status == 403:
        return UNKNOWN, (
            "Twilio answered 403 (test credentials or a restricted API key): "
            "this does not mean revoked"
        )
    if status == 429:
        return UNKNOWN, "Twilio rate limited the check (429)"
    if status >= 500:
        return UNKNOWN, f"Twilio had a server error ({status})"
    if 300 <= status < 400:
        return UNKNOWN, (
            f"Twilio answered with a redirect ({status}), not followed: "
            "a credential never goes along a redirect"
        )
    return UNKNOWN, f"unexpected answer from Twilio ({status})"
