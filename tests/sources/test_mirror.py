"""Mirrors of an audit's repositories, with the real git, from real local repositories and
local servers on 127.0.0.1: clone, fetch, prune; nothing of a hostile repository runs; every
failure has its reason and leaves nothing behind that looks like a mirror."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.fake_github import new_github_token
from tests.gitutil import Repo, git_env
from twscan import git
from twscan.sources.mirror import (
    MARKER,
    mirror,
    mirror_dir_default,
    mirror_dir_name,
)
from twscan.sources.repos import RepoSpec, spec_for


def refs(path: str) -> dict[str, str]:
    out = subprocess.run(
        ["git", "--git-dir=" + path, "for-each-ref", "--format=%(refname) %(objectname)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pairs = (line.split(" ", 1) for line in out.splitlines())
    return {name: oid for name, oid in pairs}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.fixture
def source(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "src" / "team" / "app")
    repo.commit_file("README", "hello\n")
    repo.git("branch", "feature")
    repo.git("tag", "v1")
    return repo


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_clone_then_fetch_picks_up_a_commit_and_prunes_a_branch(
    tmp_path: Path, source: Repo, as_url: bool
) -> None:
    root = tmp_path / "mirrors"
    spec = spec_for(source.path.as_uri() if as_url else str(source.path), "argument")
    first = mirror(spec, str(root))
    assert first.ok and not first.fetched and first.reason == "" and first.path is not None
    assert os.path.dirname(first.path) == str(root)
    assert set(refs(first.path)) == {"refs/heads/main", "refs/heads/feature", "refs/tags/v1"}

    new = source.commit_file("more", "text\n")
    source.git("branch", "-D", "feature")
    again = mirror(spec, str(root))
    assert again.ok and again.fetched and again.path == first.path
    assert refs(again.path) == {
        "refs/heads/main": new,
        "refs/tags/v1": refs(first.path)["refs/tags/v1"],
    }
    assert leftovers(root) == [os.path.basename(first.path)]  # no temporary directory left


def _hostile(tmp_path: Path) -> tuple[Repo, Path]:
    """A repository whose hooks, config and attributes each try to run a program."""
    marks = tmp_path / "marks"
    marks.mkdir()
    repo = Repo(tmp_path / "evil" / "org" / "evil")

    def cmd(name: str) -> str:
        script = tmp_path / f"{name}.sh"
        script.write_text(f"#!/bin/sh\ntouch '{marks / name}'\n")
        script.chmod(0o755)
        return str(script)

    repo.write(".gitattributes", "* filter=evil diff=evil merge=evil\n")
    repo.write("app.txt", "content\n")
    repo.write(
        ".gitmodules",
        f'[submodule "s"]\n\tpath = s\n\turl = ext::{cmd("submodule-ext")}\n',
    )
    repo.add()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},s")
    repo.commit("plant")
    for key, value in {
        "core.fsmonitor": cmd("fsmonitor"),
        "filter.evil.smudge": cmd("smudge"),
        "filter.evil.clean": cmd("clean"),
        "filter.evil.process": cmd("process"),
        "diff.evil.textconv": cmd("textconv"),
        "uploadpack.packObjectsHook": cmd("packobjectshook"),
        "core.alternateRefsCommand": cmd("alternaterefs"),
        "core.sshCommand": cmd("ssh"),
        "core.pager": cmd("pager"),
        "core.askPass": cmd("askpass"),
        "credential.helper": "!" + cmd("credential"),
        "remote.origin.uploadpack": cmd("uploadpack"),
        "gpg.program": cmd("gpg"),
    }.items():
        repo.git("config", key, value)
    hooks = repo.path / ".git" / "hooks"
    for hook in (
        "post-checkout",
        "post-merge",
        "reference-transaction",
        "pre-auto-gc",
        "post-rewrite",
        "fsmonitor-watchman",
    ):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch '{marks / hook}'\n")
        (hooks / hook).chmod(0o755)
    return repo, marks


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_a_hostile_repository_runs_nothing(tmp_path: Path, as_url: bool) -> None:
    repo, marks = _hostile(tmp_path)
    spec = spec_for(repo.path.as_uri() if as_url else str(repo.path), "argument")
    root = tmp_path / "mirrors"
    first = mirror(spec, str(root))
    assert first.ok, first.reason
    # a new commit, made without letting the repository's own settings run (no add, no hooks)
    new = repo.git(
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.fsmonitor=false",
        "commit-tree",
        "-p",
        "HEAD",
        "-m",
        "more",
        "HEAD^{tree}",
    )
    repo.git("-c", "core.hooksPath=/dev/null", "update-ref", "refs/heads/main", new)
    again = mirror(spec, str(root))
    assert again.ok and again.fetched, again.reason
    assert sorted(p.name for p in marks.iterdir()) == []
    assert first.path is not None and refs(first.path)["refs/heads/main"] == new
    config = (Path(first.path) / "config").read_text()
    assert "filter" not in config and "fsmonitor" not in config and ".sh" not in config


def test_the_hostile_commands_would_run_without_the_guard(tmp_path: Path) -> None:
    """The markers are real: git run plainly on the hostile repository does start them."""
    repo, marks = _hostile(tmp_path)
    subprocess.run(
        ["git", "-C", str(repo.path), "status"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=30,
    )  # core.fsmonitor
    subprocess.run(
        ["git", "-C", str(repo.path), "branch", "other"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=30,
    )  # reference-transaction
    assert {"fsmonitor", "process", "reference-transaction"} <= {p.name for p in marks.iterdir()}


def test_a_missing_repository_is_not_found(tmp_path: Path) -> None:
    root = tmp_path / "mirrors"
    for value in (str(tmp_path / "nope" / "repo"), (tmp_path / "nope2").as_uri()):
        result = mirror(spec_for(value, "argument"), str(root))
        assert not result.ok and result.path is None
        assert result.reason.startswith("not found"), result.reason
    assert leftovers(root) == []


def test_a_directory_that_is_no_repository(tmp_path: Path) -> None:
    (tmp_path / "plain" / "dir").mkdir(parents=True)
    result = mirror(spec_for(str(tmp_path / "plain" / "dir"), "argument"), str(tmp_path / "m"))
    assert not result.ok
    assert result.reason.startswith("not a git repository / corrupt"), result.reason


def test_a_truncated_pack_is_corrupt_and_leaves_no_mirror(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "broken" / "repo")
    for i in range(30):
        repo.commit_file(f"f{i}", os.urandom(2000).hex())
    repo.git("gc", "-q", "--prune=now")
    (pack,) = (repo.path / ".git" / "objects" / "pack").glob("*.pack")
    pack.chmod(0o644)
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2])
    root = tmp_path / "mirrors"
    result = mirror(spec_for(str(repo.path), "argument"), str(root))
    assert not result.ok and result.path is None
    assert result.reason.startswith("not a git repository / corrupt: "), result.reason
    assert "\n" not in result.reason
    assert leftovers(root) == []


def test_a_malicious_gitmodules_is_refused_by_the_object_checks(tmp_path: Path) -> None:
    """A submodule URL that git would read as an option (CVE-2018-17456's shape): received
    objects are checked (transfer.fsckObjects), so the mirror is refused, not stored."""
    repo = Repo(tmp_path / "bad" / "mods")
    repo.commit_file(".gitmodules", '[submodule "x"]\n\tpath = x\n\turl = -u./payload\n')
    root = tmp_path / "mirrors"
    result = mirror(spec_for(str(repo.path), "argument"), str(root))
    assert not result.ok
    assert result.reason.startswith("not a git repository / corrupt: "), result.reason
    assert "gitmodulesUrl" in result.reason
    assert leftovers(root) == []


def test_a_broken_leftover_is_replaced_not_fetched_into(tmp_path: Path, source: Repo) -> None:
    root = tmp_path / "mirrors"
    spec = spec_for(str(source.path), "argument")
    stale = root / mirror_dir_name(spec.name)
    (stale / "objects").mkdir(parents=True)  # a half-made clone of another tool, no marker
    result = mirror(spec, str(root))
    assert result.ok and not result.fetched and result.path == str(stale)
    assert (stale / MARKER).is_file() and "refs/heads/main" in refs(str(stale))
    assert leftovers(root) == [stale.name]


def test_what_a_killed_run_left_is_swept_after_a_day(tmp_path: Path, source: Repo) -> None:
    root = tmp_path / "mirrors"
    old = root / ".partial-killed"
    (old / "mirror.git" / "objects").mkdir(parents=True)
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    running = root / ".partial-running"  # another audit's clone, in progress
    running.mkdir()
    result = mirror(spec_for(str(source.path), "argument"), str(root))
    assert result.ok and result.path is not None
    assert leftovers(root) == [".partial-running", os.path.basename(result.path)]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


def test_over_http_with_a_password_in_the_url_that_never_reaches_the_disk(
    tmp_path: Path, source: Repo
) -> None:
    """Git's "dumb" http protocol from a static server: a real clone and fetch over http."""
    served = tmp_path / "www"
    served.mkdir()
    bare = served / "app.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(source.path), str(bare)], check=True, env=git_env()
    )
    subprocess.run(["git", "--git-dir", str(bare), "update-server-info"], check=True)
    handler = functools.partial(_Quiet, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    password = "pw" + new_github_token()
    try:
        port = server.server_address[1]
        spec = spec_for(f"http://bob:{password}@127.0.0.1:{port}/app.git", "argument")
        root = tmp_path / "mirrors"
        first = mirror(spec, str(root), timeout=30)
        assert first.ok and first.path is not None, first.reason
        new = source.commit_file("more", "text\n")
        subprocess.run(
            ["git", "--git-dir", str(bare), "fetch", "-q", str(source.path), "main:main"],
            check=True,
            env=git_env(),
        )
        subprocess.run(["git", "--git-dir", str(bare), "update-server-info"], check=True)
        again = mirror(spec, str(root), timeout=30)
        assert again.ok and again.fetched, again.reason
        assert refs(first.path)["refs/heads/main"] == new
    finally:
        server.shutdown()
        server.server_close()
    for path in root.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


def test_a_server_that_never_answers_times_out(tmp_path: Path, silent_server: int) -> None:
    root = tmp_path / "mirrors"
    spec = spec_for(f"http://127.0.0.1:{silent_server}/acme/slow.git", "argument")
    started = time.monotonic()
    result = mirror(spec, str(root), timeout=1.5)
    elapsed = time.monotonic() - started
    assert not result.ok and result.reason == "timed out after 1.5 s"
    assert elapsed < 20
    assert leftovers(root) == []


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        if "/missing/" in self.path:
            self.send_response(404)
            body = b"Repository not found."
        else:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
            body = b"Authentication required"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


@pytest.fixture
def http_server() -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_auth_refused_and_not_found_over_http(
    tmp_path: Path, http_server: tuple[int, list[dict[str, str]]]
) -> None:
    port, seen = http_server
    token = new_github_token()
    root = tmp_path / "mirrors"
    base = f"http://127.0.0.1:{port}"
    refused = mirror(
        spec_for(f"{base}/acme/private.git", "argument"),
        str(root),
        token=token,
        token_hosts=("127.0.0.1",),
        timeout=20,
    )
    assert not refused.ok and refused.reason.startswith("authentication refused"), refused.reason
    assert seen and all("authorization" not in h for h in seen)  # never over plain http
    missing = mirror(spec_for(f"{base}/missing/x.git", "argument"), str(root), timeout=20)
    assert missing.reason.startswith("not found"), missing.reason
    assert token not in refused.reason + missing.reason
    assert leftovers(root) == []


def test_a_password_in_the_url_reaches_neither_the_disk_nor_the_reason(
    tmp_path: Path, source: Repo, http_server: tuple[int, list[dict[str, str]]]
) -> None:
    port, _ = http_server
    password = "pw" + new_github_token()
    failed = mirror(
        spec_for(f"http://bob:{password}@127.0.0.1:{port}/acme/x.git", "argument"),
        str(tmp_path / "m"),
        timeout=20,
    )
    assert not failed.ok and password not in failed.reason


def test_the_token_goes_to_git_in_its_environment_only_for_github_https() -> None:
    from twscan.sources.mirror import _token_config

    token = new_github_token()
    (pair,) = _token_config("https://github.com/acme/api.git", token, ("github.com",))
    assert pair[0] == "http.https://github.com/.extraHeader"
    assert pair[1].startswith("Authorization: Basic ")
    assert _token_config("http://github.com/acme/api.git", token, ("github.com",)) == []
    assert _token_config("https://evil.example/acme/api.git", token, ("github.com",)) == []
    assert _token_config("https://u:p@github.com/acme/api.git", token, ("github.com",)) == []
    env = git.transfer_environment("https", [pair])
    assert env["GIT_CONFIG_COUNT"] == "1" and env["GIT_CONFIG_VALUE_0"] == pair[1]
    assert env["GIT_ALLOW_PROTOCOL"] == "https"
    assert not any(pair[1] in a for a in git.transfer_argv(["clone"], "https"))


@pytest.mark.parametrize(
    "name",
    ["../../escape", "a\0b", "a\nb/c\rd", "x" * 5000, "", ".", "..", "/abs/olute", "-rf", "é/ü"],
)
def test_a_hostile_name_gives_a_safe_directory(name: str) -> None:
    d = mirror_dir_name(name)
    assert os.sep not in d and "\0" not in d and "\n" not in d and "\r" not in d
    assert not d.startswith((".", "-")) and len(d) < 120 and d.endswith(".git")
    assert d == mirror_dir_name(name)  # stable
    assert d != mirror_dir_name(name + "x")


def test_a_hostile_name_mirrors_inside_the_root(tmp_path: Path, source: Repo) -> None:
    root = tmp_path / "deep" / "mirrors"
    spec = RepoSpec("../../../escape\nnewline", str(source.path), "argument")
    result = mirror(spec, str(root))
    assert result.ok and result.path is not None
    assert Path(result.path).parent == root
    assert leftovers(tmp_path / "deep") == ["mirrors"]


def test_the_default_mirror_dir_is_in_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWSCAN_CACHE_DIR", str(tmp_path / "cache"))
    assert mirror_dir_default() == str(tmp_path / "cache" / "mirrors")
