"""Where an audit's repositories come from: a list file, the command line, a directory tree.

Every source ends as a :class:`RepoSpec`: a stable name (what reports show and what shards are
cut by, so it must not depend on the order or the machine the audit runs on) and what git is
to clone. Nothing here touches the network or runs git; the GitHub listing lives in
:mod:`twscan.net.github.repos` and the cloning in :mod:`twscan.sources.mirror`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import urllib.parse
from dataclasses import dataclass

from twscan.core.errors import TwscanError

#: Schemes git may be asked to clone from. ``ext::`` runs a program and is never accepted;
#: other transports (``fd::``, remote helpers) are no audit source either.
URL_SCHEMES = ("https", "http", "ssh", "git", "file")
#: Shard counts beyond this are a typo, not a CI matrix.
MAX_SHARDS = 10_000
#: A repository list longer than this is not one (a wrong file given to --repos).
MAX_REPOS_FILE_BYTES = 16 << 20
_SHARD_RE = re.compile(r"\s*(\d{1,9})\s*/\s*(\d{1,9})\s*")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RepoSpec:
    """One repository of an audit: its stable name, what git clones, and where it was named."""

    name: str
    url: str
    source: str


def _strip_git(part: str) -> str:
    return part[:-4] if part.endswith(".git") and len(part) > 4 else part


def name_from_path(parts: list[str]) -> str:
    """The last two parts of a path, without ``.git``: ``/x/y/repo.git`` -> ``y/repo``.

    A work tree's ``.git`` directory stands for the work tree (``/x/repo/.git`` -> ``x/repo``).
    """
    parts = [p for p in parts if p not in ("", ".")]
    if parts and parts[-1] == ".git":
        parts.pop()
    tail = [_strip_git(p) for p in parts[-2:]]
    return "/".join(tail)


def _shown(value: str) -> str:
    """A value from the user for an error message: credentials in a URL cut out, one line."""
    from twscan.core.safeio import clean

    text = re.sub(r"(?i)^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", value)
    return clean(text[:200])


def spec_for(value: str, source: str, *, base: str | None = None) -> RepoSpec:
    """The spec of one URL or local path; a relative path is read from ``base`` (else cwd).

    Refused: control characters, a leading ``-`` (git would read an option), a scheme git is
    not to use (``ext::`` runs a program), and anything without a name to give it.
    """
    text = value.strip()
    if not text:
        raise TwscanError("an empty repository URL or path")
    if _CONTROL_RE.search(text):
        raise TwscanError(f"a repository URL or path with control characters: {_shown(text)!r}")
    if text.startswith("-"):
        raise TwscanError(f"a repository URL or path may not start with '-': {_shown(text)!r}")
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)(://|::)", text)
    if scheme is not None:
        kind = scheme.group(1).lower()
        if scheme.group(2) == "::" or kind not in URL_SCHEMES:
            raise TwscanError(
                f"unsupported repository URL scheme {kind!r} in {_shown(text)!r} "
                f"(use one of {', '.join(URL_SCHEMES)}, or a local path)"
            )
        try:
            parts = urllib.parse.urlsplit(text)
        except ValueError:
            raise TwscanError(f"not a valid URL: {_shown(text)!r}") from None
        if kind != "file" and not parts.hostname:
            raise TwscanError(f"a repository URL without a host: {_shown(text)!r}")
        path = urllib.parse.unquote(parts.path)
        name = name_from_path(path.split("/"))
        url = text
    else:
        if re.match(r"[^/]+@[^/]+:", text):
            raise TwscanError(
                f"scp-style address {_shown(text)!r}: write it as ssh://user@host/path"
            )
        path = os.path.abspath(os.path.join(base or os.getcwd(), os.path.expanduser(text)))
        name = name_from_path(path.split(os.sep))
        url = path
    if not name:
        raise TwscanError(f"cannot tell the repository's name from {_shown(text)!r}")
    return RepoSpec(name=name, url=url, source=source)


def from_repos_file(path: str) -> list[RepoSpec]:
    """One clone URL or local path per line; ``#`` starts a comment line, blank lines are
    skipped. A bad line is an error naming ``file:line``, not a repository silently lost."""
    from twscan.core.safeio import read_capped

    try:
        data = read_capped(path, "repository list", MAX_REPOS_FILE_BYTES)
    except FileNotFoundError:
        raise TwscanError(f"repository list {path} not found") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TwscanError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    base = os.path.dirname(os.path.abspath(path))
    source = f"repos-file:{path}"
    specs: list[RepoSpec] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            specs.append(spec_for(stripped, source, base=base))
        except TwscanError as err:
            raise TwscanError(f"{path}:{number}: {err}") from None
    return specs


def from_arguments(values: list[str]) -> list[RepoSpec]:
    """Positional URLs and paths; relative paths are read from the current directory."""
    return [spec_for(v, "argument") for v in values]


def _is_bare(path: str) -> bool:
    """A bare repository: ``HEAD`` a file, ``objects`` and ``refs`` directories, none a link."""
    try:
        head = os.lstat(os.path.join(path, "HEAD"))
        objects = os.lstat(os.path.join(path, "objects"))
        refs = os.lstat(os.path.join(path, "refs"))
    except OSError:
        return False
    return (
        stat.S_ISREG(head.st_mode) and stat.S_ISDIR(objects.st_mode) and stat.S_ISDIR(refs.st_mode)
    )


def _inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _work_tree_git(path: str, root: str) -> bool:
    """``path/.git`` makes ``path`` a work tree: a directory (not a link), or a ``gitdir:``
    file (a submodule or linked work tree) whose repository lies inside ``root``."""
    dot_git = os.path.join(path, ".git")
    try:
        st = os.lstat(dot_git)
    except OSError:
        return False
    if stat.S_ISDIR(st.st_mode):
        return True
    if not stat.S_ISREG(st.st_mode) or st.st_size > 4096:
        return False
    try:
        with open(dot_git, encoding="utf-8", errors="replace") as f:
            first = f.readline().strip()
    except OSError:
        return False
    if not first.startswith("gitdir:"):
        return False
    target = os.path.join(path, first[len("gitdir:") :].strip())
    return _inside(target, root) and os.path.isdir(target)


def from_dir(root: str, *, max_depth: int = 6) -> list[RepoSpec]:
    """Every git repository under ``root``: work trees (``.git``) and bare repositories.

    Symbolic links are never followed (a link could lead the audit out of the tree it was
    given, or round in a circle); a bare repository and a work tree's ``.git`` are not searched
    for further repositories (``.git/modules`` holds the parent's own submodules), but a work
    tree's other directories are (a repository checked out inside another is its own).
    """
    if not os.path.isdir(root):
        raise TwscanError(f"--dir: no such directory: {_shown(root)}")
    real_root = os.path.realpath(root)
    source = f"dir:{root}"
    found: list[str] = []
    stack: list[tuple[str, int]] = [(real_root, 0)]
    while stack:
        path, depth = stack.pop()
        if _is_bare(path):
            found.append(path)
            continue
        if _work_tree_git(path, real_root):
            found.append(path)
        if depth >= max_depth:
            continue
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue  # unreadable: nothing to find there
        for entry in entries:
            if entry.name == ".git":
                continue
            try:
                if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            stack.append((entry.path, depth + 1))
    found.sort()
    return [
        RepoSpec(name=name_from_path(p.split(os.sep)) or os.path.basename(p), url=p, source=source)
        for p in found
    ]


def dedupe(specs: list[RepoSpec]) -> list[RepoSpec]:
    """One spec per name, the first one named; the order is kept."""
    seen: set[str] = set()
    out: list[RepoSpec] = []
    for spec in specs:
        if spec.name not in seen:
            seen.add(spec.name)
            out.append(spec)
    return out


def shard_of(name: str, count: int) -> int:
    """The shard (1..count) a repository belongs to, from the SHA-256 of its name alone, so
    that N CI jobs agree on the split without talking to each other."""
    if count < 1:
        raise ValueError("shard count must be at least 1")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select_shard(specs: list[RepoSpec], index: int, count: int) -> list[RepoSpec]:
    """The repositories of shard ``index`` of ``count`` (``--shard I/N``, 1-based)."""
    if not 1 <= index <= count:
        raise TwscanError(f"--shard {index}/{count}: the shard must be between 1 and {count}")
    return [s for s in specs if shard_of(s.name, count) == index]


def parse_shard(text: str) -> tuple[int, int]:
    """``"1/2"`` -> ``(1, 2)``: shard I of N, 1 <= I <= N."""
    match = _SHARD_RE.fullmatch(text)
    if match is None:
        raise TwscanError(f"--shard must be I/N, such as 1/4, got {_shown(text)!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or count > MAX_SHARDS:
        raise TwscanError(f"--shard {index}/{count}: N must be between 1 and {MAX_SHARDS}")
    if not 1 <= index <= count:
        raise TwscanError(f"--shard {index}/{count}: I must be between 1 and {count}")
    return index, count
