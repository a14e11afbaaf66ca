"""``twscan install-hook``: a plain git hook that really refuses a commit, and never clobbers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.gitutil import ROOT, Repo, git_env, token_line, twscan
from twscan.commands.install_hook import MARKER, install
from twscan.core.errors import TwscanError


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "work")
    r.commit_file("README.md", "# project\n", "initial")
    return r


def git_commit(repo: Repo, message: str) -> subprocess.CompletedProcess[str]:
    """A real ``git commit`` that runs hooks, with twscan importable as an installed user has it."""
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=git_env({"PYTHONPATH": str(ROOT)}),
        check=False,
    )


def test_writes_an_executable_hook(repo: Repo) -> None:
    path, backup = install(str(repo.path), "pre-commit")
    assert backup is None
    hook = Path(path)
    assert hook == repo.path / ".git" / "hooks" / "pre-commit"
    assert os.access(hook, os.X_OK)
    text = hook.read_text()
    assert MARKER in text and "-m twscan staged --quiet" in text


def test_refuses_a_foreign_hook_without_force(repo: Repo) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho someone else's hook\n")
    with pytest.raises(TwscanError, match="--force"):
        install(str(repo.path), "pre-commit")
    assert "someone else" in hook.read_text()
    path, backup = install(str(repo.path), "pre-commit", force=True)
    assert MARKER in Path(path).read_text()
    assert backup is not None and "someone else" in Path(backup).read_text()


def test_updates_its_own_hook_without_force(repo: Repo) -> None:
    install(str(repo.path), "pre-commit")
    _, backup = install(str(repo.path), "pre-commit")
    assert backup is None


def test_follows_core_hooks_path(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    path, _ = install(str(repo.path), "pre-commit")
    assert Path(path) == repo.path / ".githooks" / "pre-commit"


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(TwscanError, match="not a git repository"):
        install(str(tmp_path), "pre-commit")


def test_installed_hook_refuses_a_secret_and_lets_a_clean_commit_through(repo: Repo) -> None:
    proc = twscan("install-hook", cwd=repo.path)
    assert proc.returncode == 0, proc.stderr
    repo.stage("clean.txt", "nothing to see\n")
    assert git_commit(repo, "clean").returncode == 0
    repo.stage("leak.env", token_line())
    proc = git_commit(repo, "leak")
    assert proc.returncode != 0
    assert repo.git("log", "-1", "--format=%s") == "clean"


def test_cli_refuses_foreign_hook_with_exit_2(repo: Repo) -> None:
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n")
    proc = twscan("install-hook", cwd=repo.path)
    assert proc.returncode == 2
    assert "--force" in proc.stderr
    assert twscan("install-hook", "--force", "--pre-push", cwd=repo.path).returncode == 0
    assert MARKER in (repo.path / ".git" / "hooks" / "pre-push").read_text()


def test_installed_pre_push_hook_refuses_a_push_with_a_secret(repo: Repo, tmp_path: Path) -> None:
    assert twscan("install-hook", "--pre-push", cwd=repo.path).returncode == 0
    Repo(tmp_path / "origin.git", bare=True)
    repo.git("remote", "add", "origin", str(tmp_path / "origin.git"))

    def push(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "push", "-q", "origin", *args],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env=git_env({"PYTHONPATH": str(ROOT)}),
            check=False,
        )

    assert push("main").returncode == 0
    repo.git("checkout", "-q", "-b", "feature")
    repo.stage("later.env", token_line())
    repo.git("commit", "-q", "--no-verify", "-m", "past the commit hook")
    assert push("feature").returncode != 0
    repo.git("checkout", "-q", "main")
    repo.commit_file("ok.txt", "fine\n", "clean")
    assert push("main").returncode == 0
