"""Bare mirrors of an audit's repositories, in a cache: clone once, then fetch what is new.

A mirror is a ``git clone --mirror`` (every ref, nothing checked out), made in a temporary
directory and renamed into place only when complete, so that a clone that failed or was
killed never looks like a good mirror to the next run. Later runs ``git fetch --prune`` into
it: new commits arrive, deleted branches go. Git runs through :mod:`twscan.git`, which turns
off everything a scanned repository could use to start a program (hooks, fsmonitor, filters,
transports it names), checks every object it receives and is bounded by a deadline.

Credentials never reach the disk: a token goes to git in its environment for the one command
(see :func:`twscan.git.transfer_environment`), and a URL with a user and password in it is
stored in the mirror's configuration without them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass

from twscan import git
from twscan.sources.repos import RepoSpec

#: The file that marks a directory as a finished twscan mirror.
MARKER = "twscan-mirror"
#: Hosts a GitHub token is sent to when no others are named (GHES: pass its host).
GITHUB_HOSTS = ("github.com",)
_SAFE_CHAR = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_CHARS = 80


@dataclass
class MirrorResult:
    """How one repository's mirror went: where it is, or the one-line reason it is not."""

    spec: RepoSpec
    path: str | None
    ok: bool
    reason: str
    fetched: bool


def mirror_dir_default() -> str:
    """Mirrors live in the user cache, next to the other data twscan keeps between runs."""
    from twscan.core.usercache import cache_root

    return str(cache_root() / "mirrors")


def mirror_dir_name(name: str) -> str:
    """A directory name for a repository's mirror that is safe whatever the name holds.

    The readable part keeps only ``[A-Za-z0-9._-]`` (no ``/``, no ``..``, no NUL, no newline,
    no leading dot) and is cut short; the hash of the whole name keeps two names that read the
    same apart.
    """
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    readable = _SAFE_CHAR.sub("_", name).strip("._-")[:_NAME_CHARS].strip("._-")
    return f"{readable or 'repo'}-{digest}.git"


def _transport(url: str) -> str:
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", url)
    return match.group(1).lower() if match else "file"


def _local_path(url: str) -> str | None:
    """The directory a local source names (a path or a ``file://`` URL), else None."""
    if "://" not in url:
        return url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() == "file":
        return urllib.parse.unquote(parts.path)
    return None


def _without_credentials(url: str) -> str:
    """The URL with any ``user:password@`` taken out: what may be stored and shown."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _token_config(url: str, token: str | None, hosts: tuple[str, ...]) -> list[tuple[str, str]]:
    """The header that carries a GitHub token, for an https URL on a GitHub host only,
    scoped to that host so that no redirect elsewhere receives it."""
    if not token:
        return []
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return []
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() != "https" or host not in hosts or "@" in parts.netloc:
        return []
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    netloc = parts.netloc.lower()
    return [(f"http.https://{netloc}/.extraHeader", f"Authorization: Basic {basic}")]


def _scrub(text: str, spec: RepoSpec, token: str | None) -> str:
    """One printable line, without the token or a URL's password."""
    from twscan.core.safeio import clean

    if token:
        text = text.replace(token, "[token]")
    text = text.replace(spec.url, _without_credentials(spec.url))
    text = re.sub(r"(?i)([a-z][a-z0-9+.-]*://)[^/@\s]*@", r"\1", text)
    return clean(" ".join(text.split())[:300])


_NOT_FOUND = (
    "repository not found",
    "not found",
    "does not exist",
    "no such file or directory",
)
_AUTH = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "terminal prompts disabled",
    "permission denied",
    "requested url returned error: 401",
    "requested url returned error: 403",
    "access denied",
)
_CORRUPT = ("fsck", "index-pack", "unpack-objects", "early eof", "bad object", "corrupt")
_UNREACHABLE = (
    "failed to connect",
    "couldn't connect",
    "could not connect",
    "connection refused",
    "connection reset",
    "could not resolve proxy",
    "could not resolve host",
)


def _reason(stderr: bytes, spec: RepoSpec, token: str | None, what: str) -> str:
    """Git's failure as one of the reasons an audit reports, with git's own line after it."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:"))]
    detail = (fatal or lines or ["no error message"])[0]
    for prefix in ("fatal: ", "error: "):
        detail = detail.removeprefix(prefix)
    detail = _scrub(detail, spec, token)
    low = " ".join(lines).lower()
    if any(k in low for k in _AUTH):
        return f"authentication refused: {detail}"
    local = _local_path(spec.url)
    if local is not None and os.path.exists(local):
        # it is there (mirror() checked), so git could not read it
        return f"not a git repository / corrupt: {detail}"
    if any(k in low for k in _UNREACHABLE):
        return f"unreachable: {detail}"
    if any(k in low for k in _CORRUPT):
        return f"not a git repository / corrupt: {detail}"
    if any(k in low for k in _NOT_FOUND) or "does not appear to be a git repository" in low:
        return f"not found: {detail}"
    return f"git {what} failed: {detail}"


#: A temporary clone older than this was left by a run that was killed: no clone takes a day.
PARTIAL_MAX_AGE_S = 24 * 3600


def _sweep_partials(root: str) -> None:
    """Remove what killed runs left: their temporary clones, never a finished mirror (a
    running clone of another audit is younger than a day, and is left alone)."""
    import time

    now = time.time()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(".partial-"):
            continue
        with contextlib.suppress(OSError):
            if (
                entry.is_dir(follow_symlinks=False)
                and now - entry.stat(follow_symlinks=False).st_mtime > PARTIAL_MAX_AGE_S
            ):
                _remove(entry.path)


def _is_mirror(path: str) -> bool:
    return os.path.isfile(os.path.join(path, MARKER)) and os.path.isdir(
        os.path.join(path, "objects")
    )


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(path)


def mirror(
    spec: RepoSpec,
    root: str,
    *,
    timeout: float = 600.0,
    token: str | None = None,
    token_hosts: tuple[str, ...] = GITHUB_HOSTS,
) -> MirrorResult:
    """Bring ``root``'s mirror of ``spec`` up to date: clone it the first time, fetch after.

    Never raises for a repository's own problem (gone, refused, too slow, corrupt): that is
    the result's ``reason``, so an audit can record it and go on. ``token`` is sent only to
    https URLs on ``token_hosts``.
    """
    transport = _transport(spec.url)
    if transport not in ("file", "git", "http", "https", "ssh"):
        return MirrorResult(spec, None, False, f"unsupported URL scheme {transport!r}", False)
    local = _local_path(spec.url)
    if local is not None and not os.path.exists(local):
        return MirrorResult(spec, None, False, "not found: no such file or directory", False)
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
    except OSError as exc:
        why = f"cannot create the mirror directory: {exc.strerror}"
        return MirrorResult(spec, None, False, why, False)
    _sweep_partials(root)
    final = os.path.join(root, mirror_dir_name(spec.name))
    secret = _token_config(spec.url, token, token_hosts)
    if _is_mirror(final):
        return _fetch(spec, final, transport, timeout, secret, token)
    return _clone(spec, root, final, transport, timeout, secret, token)


def _clone(
    spec: RepoSpec,
    root: str,
    final: str,
    transport: str,
    timeout: float,
    secret: list[tuple[str, str]],
    token: str | None,
) -> MirrorResult:
    import tempfile

    tmp = tempfile.mkdtemp(prefix=".partial-", dir=root)
    target = os.path.join(tmp, "mirror.git")
    try:
        args = ["clone", "--mirror", "--quiet", "--no-local", "--", spec.url, target]
        rc, err = git.run_transfer(args, transport=transport, timeout=timeout, secret_config=secret)
        if rc is None:
            return MirrorResult(spec, None, False, f"timed out after {timeout:g} s", False)
        if rc != 0:
            return MirrorResult(spec, None, False, _reason(err, spec, token, "clone"), False)
        shown = _without_credentials(spec.url)
        if shown != spec.url:
            git.run(["--git-dir=" + target, "config", "remote.origin.url", shown])
        with open(os.path.join(target, MARKER), "w", encoding="utf-8") as f:
            f.write("a twscan mirror: made complete, safe to delete\n")
        if os.path.lexists(final):  # a broken leftover (no marker): replaced, never fetched into
            trash = os.path.join(tmp, "old")
            os.rename(final, trash)
        os.rename(target, final)
        return MirrorResult(spec, final, True, "", False)
    except (OSError, git.GitError) as exc:
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        why = f"cannot store the mirror: {_scrub(text, spec, token)}"
        return MirrorResult(spec, None, False, why, False)
    finally:
        _remove(tmp)


def _fetch(
    spec: RepoSpec,
    path: str,
    transport: str,
    timeout: float,
    secret: list[tuple[str, str]],
    token: str | None,
) -> MirrorResult:
    # From the spec's URL, not the one stored: it may carry credentials the store does not.
    args = [
        "--git-dir=" + path,
        "fetch",
        "--quiet",
        "--prune",
        "--no-recurse-submodules",
        "--no-write-fetch-head",
        "--",
        spec.url,
        "+refs/*:refs/*",
    ]
    rc, err = git.run_transfer(args, transport=transport, timeout=timeout, secret_config=secret)
    if rc is None:
        return MirrorResult(spec, None, False, f"timed out after {timeout:g} s", True)
    if rc != 0:
        return MirrorResult(spec, None, False, _reason(err, spec, token, "fetch"), True)
    return MirrorResult(spec, path, True, "", True)
