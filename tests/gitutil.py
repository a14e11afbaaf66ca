"""Build real git repositories for the tests, with the real ``git``, and fresh fake credentials.

No credential literal appears in the test sources: every SID and token is made at run time from
random hex, so neither GitHub's push protection nor any scanner flags this repository.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.creds import account_sid, auth_token
from twscan.core.model import Finding
from twscan.detect.engine import Detector

ROOT = Path(__file__).resolve().parent.parent

# Identity and behaviour fixed per repository, so a developer's global config (hooks, templates,
# signing, autocrlf) cannot change what a test sees.
_REPO_CONFIG = {
    "user.name": "Test Author",
    "user.email": "author@example.com",
    "commit.gpgsign": "false",
    "tag.gpgsign": "false",
    "core.autocrlf": "false",
    "init.defaultBranch": "main",
    "protocol.file.allow": "always",
}


sid = account_sid
token = auth_token


def token_line(value: str | None = None) -> str:
    return f"TWILIO_AUTH_TOKEN={value or token()}\n"


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"})
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(k, None)
    if extra:
        env.update(extra)
    return env


class Repo:
    """A throw-away repository driven through the real git command line."""

    def __init__(self, path: Path, *, bare: bool = False, sha256: bool = False) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._tick = 0
        fmt = ["--object-format=sha256"] if sha256 else []
        self.git("init", "-q", *(["--bare"] if bare else []), *fmt, "-b", "main")
        for k, v in _REPO_CONFIG.items():
            self.git("config", k, v)

    def git(
        self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=self.path,
            input=input,
            capture_output=True,
            env=git_env(env),
            check=False,
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode()}"
            )
        return proc.stdout.decode("utf-8", "replace").strip()

    def write(self, rel: str, content: str | bytes) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            p.write_text(content, encoding="utf-8")
        else:
            p.write_bytes(content)
        return p

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def add(self, *paths: str) -> None:
        self.git("add", "--", *(paths or (".",)))

    def stage(self, rel: str, content: str | bytes) -> None:
        self.write(rel, content)
        self.add(rel)

    def commit(self, message: str = "change", *, allow_empty: bool = False) -> str:
        """Commit with a distinct, increasing timestamp so history order is unambiguous."""
        self._tick += 1
        date = f"2024-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        args = ["commit", "-q", "--no-verify", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        self.git(*args, env=env)
        return self.head()

    def commit_file(self, rel: str, content: str | bytes, message: str = "change") -> str:
        self.stage(rel, content)
        return self.commit(message)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def damage(self, rev: str) -> str:
        """Overwrite the loose object ``rev`` names with bytes that are not zlib; its id."""
        oid = self.git("rev-parse", rev)
        obj = self.path / ".git" / "objects" / oid[:2] / oid[2:]
        obj.chmod(0o644)
        obj.write_bytes(b"not zlib at all")
        return oid

    def merge(self, branch: str, message: str = "merge") -> str:
        self._tick += 1
        date = f"2024-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        self.git("merge", "-q", "--no-ff", "--no-edit", "-m", message, branch, env=env)
        return self.head()


# --- running twscan -------------------------------------------------------------------------


def twscan(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, input: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line, the way a hook or CI would, outside any inherited git state."""
    from tests.conftest import run_twscan

    return run_twscan(*args, cwd=cwd, input=input, env=env, base_env=git_env())


@functools.cache
def detector() -> Detector:
    return Detector.load()


def secrets_of(findings: list[Finding]) -> set[str]:
    out = set()
    for f in findings:
        out.add(f.secret)
        if f.pair is not None:
            out.add(f.pair.secret)
    return out
