"""The hooks of ``.pre-commit-hooks.yaml`` under the real pre-commit framework.

Hermetic: the twscan sources are copied into a temporary repository and committed there, so
``pre-commit`` installs exactly this checkout (not a work tree other people are editing) into
its own virtualenv, from a ``PRE_COMMIT_HOME`` that the module shares and then throws away.
Installing needs PyPI (pip fetches the build backend and twscan's dependencies), nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.gitutil import ROOT, Repo, git_env, token, token_line

pytestmark = pytest.mark.skipif(
    shutil.which("pre-commit") is None, reason="pre-commit is not installed (the test extra)"
)

_COPY = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "twscan", "rules")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's sources, committed in a repository of their own."""
    dest = tmp_path_factory.mktemp("twscan-hooks") / "twscan"
    dest.mkdir()
    for name in _COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    if not (dest / "README.md").exists():  # pyproject names it; the build fails without it
        (dest / "README.md").write_text("twscan\n")
    repo = Repo(dest)
    repo.add()
    repo.commit("twscan under test")
    return dest


@pytest.fixture(scope="module")
def pc_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return git_env({"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"})


def pre_commit(*args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=900,
        check=False,
    )


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def test_try_repo_pre_commit_hook(hook_repo: Path, pc_env: dict[str, str], tmp_path: Path) -> None:
    target = Repo(tmp_path / "target")
    target.commit_file("README.md", "# app\n", "initial")
    line = token_line()
    target.stage("app.env", line)
    proc = pre_commit(
        "try-repo", str(hook_repo), "twscan", "--verbose", cwd=target.path, env=pc_env
    )
    assert proc.returncode == 1, output(proc)
    assert "Failed" in output(proc)
    assert line.split("=")[1].strip() not in output(proc), "the hook printed the secret"

    target.git("rm", "-q", "--cached", "app.env")
    target.stage("clean.txt", "hello\n")
    proc = pre_commit("try-repo", str(hook_repo), "twscan", cwd=target.path, env=pc_env)
    assert proc.returncode == 0, output(proc)
    assert "Passed" in output(proc)


def test_try_repo_pre_push_hook(hook_repo: Path, pc_env: dict[str, str], tmp_path: Path) -> None:
    target = Repo(tmp_path / "target")
    base = target.commit_file("README.md", "# app\n", "initial")
    clean = target.commit_file("a.txt", "a\n", "clean")
    leak = target.commit_file("b.env", token_line(), "leak")
    common = ["try-repo", str(hook_repo), "twscan-push", "--hook-stage", "pre-push"]
    proc = pre_commit(*common, "--from-ref", base, "--to-ref", leak, cwd=target.path, env=pc_env)
    assert proc.returncode == 1, output(proc)
    proc = pre_commit(*common, "--from-ref", base, "--to-ref", clean, cwd=target.path, env=pc_env)
    assert proc.returncode == 0, output(proc)


def test_installed_hooks_refuse_commit_and_push(
    hook_repo: Path, pc_env: dict[str, str], tmp_path: Path
) -> None:
    """The whole user story: install both hooks, then commit and push for real."""
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = Repo(tmp_path / "target")
    target.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n"
        "    hooks:\n      - id: twscan\n      - id: twscan-push\n",
    )
    target.add(".pre-commit-config.yaml")
    target.commit("add pre-commit config")
    Repo(tmp_path / "origin.git", bare=True)
    target.git("remote", "add", "origin", str(tmp_path / "origin.git"))
    target.git("push", "-q", "origin", "main")
    proc = pre_commit("install", "-t", "pre-commit", "-t", "pre-push", cwd=target.path, env=pc_env)
    assert proc.returncode == 0, output(proc)

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args], cwd=target.path, capture_output=True, text=True, env=pc_env
        )

    target.stage("leak.env", token_line())
    assert git("commit", "-m", "leak").returncode != 0, "the commit with a secret went through"
    target.git("rm", "-q", "--cached", "leak.env")
    target.stage("ok.txt", "fine\n")
    proc = git("commit", "-m", "clean")
    assert proc.returncode == 0, output(proc)

    # A secret committed past the commit hook is caught at push time, on a new branch too.
    target.git("checkout", "-q", "-b", "feature")
    target.stage("later.env", token_line())
    target.git("commit", "-q", "--no-verify", "-m", "sneaked past the commit hook")
    proc = git("push", "origin", "feature")
    assert proc.returncode != 0, output(proc)
    target.git("checkout", "-q", "main")
    proc = git("push", "origin", "main")
    assert proc.returncode == 0, output(proc)  # the leaky local branch is not being pushed

    # pre-commit names only the first of several pushed refs: the others are checked too.
    target.git("branch", "clean-too", "main")
    target.git("checkout", "-q", "-b", "zz-leaky", "main")
    target.stage("zz.env", token_line())
    target.git("commit", "-q", "--no-verify", "-m", "second leak")
    target.git("checkout", "-q", "main")
    proc = git("push", "origin", "clean-too", "zz-leaky")
    assert proc.returncode != 0, output(proc)
    proc = git("push", "origin", "clean-too")
    assert proc.returncode == 0, output(proc)


# --- the framework's other ways of running the commit hook ---------------------------------


def _rev(hook_repo: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def configured(hook_repo: Path, path: Path, hook_keys: str = "") -> Repo:
    """A repository whose .pre-commit-config.yaml uses this checkout's ``twscan`` hook.

    Every test's config names the same repo and rev, so pre-commit installs the hook's
    environment once into the module's PRE_COMMIT_HOME and reuses it.
    """
    target = Repo(path)
    hook = "      - id: twscan\n" + "".join(f"        {ln}\n" for ln in hook_keys.splitlines())
    target.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {hook_repo}\n    rev: {_rev(hook_repo)}\n    hooks:\n{hook}",
    )
    target.write("README.md", "# app\n")
    target.add()
    target.commit("initial")
    return target


def test_run_all_files_scans_the_committed_files(
    hook_repo: Path, pc_env: dict[str, str], tmp_path: Path
) -> None:
    """What pre-commit.ci and pre-commit/action run: nothing is staged, every file is named."""
    target = configured(hook_repo, tmp_path / "target")
    tok = token()
    target.commit_file("config/prod settings.env", token_line(tok))
    target.commit_file("clean.txt", "hello\n")
    target.stage("staged.txt", "a harmless staged change\n")  # must not narrow the scan
    proc = pre_commit("run", "--all-files", cwd=target.path, env=pc_env)
    assert proc.returncode == 1, output(proc)
    assert "Failed" in output(proc)
    assert "config/prod settings.env" in output(proc)
    assert tok not in output(proc), "the hook printed the secret"


def test_run_files_scans_the_files_named(
    hook_repo: Path, pc_env: dict[str, str], tmp_path: Path
) -> None:
    target = configured(hook_repo, tmp_path / "target")
    target.commit_file("leak.env", token_line())
    target.commit_file("clean.txt", "hello\n")
    proc = pre_commit("run", "--verbose", "--files", "clean.txt", cwd=target.path, env=pc_env)
    assert proc.returncode == 0, output(proc)
    assert "Passed" in output(proc)
    assert "1 files" in output(proc), "the file named was not scanned"
    proc = pre_commit("run", "--files", "leak.env", cwd=target.path, env=pc_env)
    assert proc.returncode == 1, output(proc)
    assert "leak.env" in output(proc)


def test_hook_level_exclude_is_honoured_at_commit(
    hook_repo: Path, pc_env: dict[str, str], tmp_path: Path
) -> None:
    """`exclude:` in the user's config reaches the hook; everything else is still refused."""
    target = configured(hook_repo, tmp_path / "target", "exclude: ^fixtures/")
    target.commit_file("old.env", token_line() + "x = 1\n")
    proc = pre_commit("install", "-t", "pre-commit", cwd=target.path, env=pc_env)
    assert proc.returncode == 0, output(proc)

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-m", message], cwd=target.path, capture_output=True, text=True,
            env=pc_env,
        )  # fmt: skip

    target.stage("fixtures/x.env", token_line())
    proc = commit("test fixture")
    assert proc.returncode == 0, output(proc)
    for name in ("app.env", "-leading dash.env", "répertoire/clé secrète.env"):
        target.stage(name, token_line())
        proc = commit("leak")
        assert proc.returncode != 0, f"the commit of {name} went through"
        assert name in output(proc)
        target.git("rm", "-q", "--cached", "--", name)
    target.stage("old.env", target.read("old.env") + "y = 2\n")  # an old secret stays old
    target.git("mv", "old.env", "renamed.env")
    target.stage("ok.txt", "fine\n")
    proc = commit("clean")
    assert proc.returncode == 0, output(proc)


def test_run_from_ref_to_ref_scans_what_the_range_adds(
    hook_repo: Path, pc_env: dict[str, str], tmp_path: Path
) -> None:
    """CI's `pre-commit run --from-ref A --to-ref B`: the range's additions, `exclude:` kept."""
    target = configured(hook_repo, tmp_path / "target", "exclude: ^fixtures/")
    target.commit_file("old.env", token_line() + "x = 1\n")
    base = target.head()
    target.commit_file("old.env", target.read("old.env") + "y = 2\n")
    target.commit_file("fixtures/sample.env", token_line())
    clean = target.head()
    target.commit_file("app.env", token_line())
    leak = target.head()
    common = ["run", "--from-ref", base]
    proc = pre_commit(*common, "--to-ref", clean, cwd=target.path, env=pc_env)
    assert proc.returncode == 0, output(proc)
    proc = pre_commit(*common, "--to-ref", leak, cwd=target.path, env=pc_env)
    assert proc.returncode == 1, output(proc)
    assert "app.env" in output(proc)


def test_own_args_without_a_final_separator_cannot_be_turned_off_by_a_file_name(
    hook_repo: Path, pc_env: dict[str, str], tmp_path: Path
) -> None:
    """A user's `args:` replace the hook's `["--"]`; a file named like an option then follows
    them straight on, and must make the hook fail, not reconfigure it."""
    target = configured(hook_repo, tmp_path / "target", "args: [--no-color]")
    target.commit_file("lax.toml", 'exclude = ["**"]\n')
    target.commit_file("--config=lax.toml", "x\n")
    target.commit_file("leak.env", token_line())
    proc = pre_commit("run", "--all-files", cwd=target.path, env=pc_env)
    assert proc.returncode == 1, output(proc)
    assert "Failed" in output(proc)
    assert 'end the hook\'s args with "--"' in output(proc)
