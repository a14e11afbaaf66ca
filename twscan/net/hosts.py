"""Which host a URL really names, and whether that host is this machine.

Two decisions hang on this: whether ``--verify`` may send a credential over plain ``http``
(loopback only), and whether a URL GitHub handed out may carry the GitHub token (the configured
API origin only). Both used to compare strings (``host.startswith("127.")``, every loopback name
as one host), so ``http://127.evil.example`` counted as this machine. Here a host is parsed, and
an address is compared as an address:

* an IP literal is loopback when :mod:`ipaddress` says so: ``127.0.0.0/8``, ``::1``, and the
  IPv4-mapped ``::ffff:127.x.y.z``;
* the one name that is loopback is ``localhost`` itself (RFC 6761). Nothing is resolved, so
  ``*.localhost`` is *not* loopback here: many resolvers hand such names to DNS, whose answer
  could be any address;
* a host whose last label is a number (``0x7f.1``, ``2130706433``, ``127.1``, ``0177.0.0.1``)
  is an IPv4 address to the resolver, which reads those forms in ways that differ between
  platforms, so only the canonical dotted quad counts and every other numeric form is refused;
* anything that parsers disagree on is refused outright rather than guessed at: user info
  (``a@b``), backslashes, percent signs, whitespace, control or non-ASCII characters in the
  authority, a bad port.

This module imports nothing heavy: the scan path reaches it through the options.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from typing import NamedTuple

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


class Origin(NamedTuple):
    """Scheme, canonical host (lower-case name, or compressed IP address) and port."""

    scheme: str
    host: str
    port: int

    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if _DEFAULT_PORTS.get(self.scheme) == self.port else f"{host}:{self.port}"


def canonical_host(host: str) -> str | None:
    """The host in one spelling per machine, or ``None`` when it is not a plain name or address.

    ``host`` is what :func:`urllib.parse.urlsplit` gives as ``hostname`` (brackets removed).
    """
    if not host or not host.isascii():
        return None
    host = host.lower()
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host).compressed
        except ValueError:
            return None
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # The resolver would read this as an IPv4 address: accept the canonical form only.
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            return None
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return host


def split_origin(url: str) -> Origin | None:
    """The origin of an ``http(s)`` URL, or ``None`` when its authority is anything but plain."""
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    netloc = parts.netloc
    if not netloc or any(c in netloc for c in "@\\%"):
        return None
    host = canonical_host(parts.hostname or "")
    if host is None or ("[" in netloc) != (":" in host):  # brackets hold IPv6 and only that
        return None
    return Origin(scheme, host, port if port is not None else _DEFAULT_PORTS[scheme])


def is_loopback_host(host: str) -> bool:
    """``host`` (canonical, from :func:`canonical_host`) is this machine by address or by name."""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_loopback(url: str) -> bool:
    """The URL is plain (see :func:`split_origin`) and names this machine."""
    origin = split_origin(url)
    return origin is not None and is_loopback_host(origin.host)


def shown_host(url: str) -> str:
    """The host part of an untrusted URL, safe for a one-line message."""
    try:
        netloc = urllib.parse.urlsplit(url).netloc
    except ValueError:
        netloc = ""
    netloc = netloc.rpartition("@")[2] or "(no host)"
    return printable(netloc, 100)


def printable(text: str, limit: int = 300) -> str:
    """One line of at most ``limit`` characters: whitespace runs become one space, and control,
    format and other invisible characters are shown escaped, so a server's text cannot forge a
    line or drive the terminal."""
    out: list[str] = []
    for ch in " ".join(text.split()):
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    joined = "".join(out)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


def credential_base(url: str, option: str) -> str:
    """``url`` as a base URL that credentials may be sent to, or a :class:`TwscanError` naming
    ``option``: https, or plain http to this machine only (a test server), with a plain host and
    no user info, query or fragment. Trailing slashes are dropped."""
    from twscan.core.errors import TwscanError

    text = url.strip()
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        raise TwscanError(f"{option} is not a URL") from None
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise TwscanError(f"{option} must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback(text):
        raise TwscanError(
            f"{option} must be an https URL (plain http is allowed on loopback only, "
            "by address: 127.0.0.0/8, ::1 or localhost): credentials are never sent unencrypted"
        )
    if split_origin(text) is None:  # also every scheme but http(s)
        raise TwscanError(
            f"{option} must be an https URL with a plain host name or address: "
            "credentials go nowhere twscan cannot name unambiguously"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
