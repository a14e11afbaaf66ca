"""Repositories and pushes built by an attacker: none may run code, hide history or pass a gate.

Every repository here is made with the real git. The one whose configuration points every
program-starting key at a script is the audit of a repository downloaded from elsewhere: no
twscan command may start any of them (each would write a marker).
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ACME_RULES
from tests.gitutil import Repo, git_env, token, token_line, twscan

ZERO = "0" * 40

# Each key names a program git would start; the value is filled in with the trap's path.
TRAPS = [
    "core.fsmonitor",
    "core.pager",
    "pager.log",
    "pager.diff",
    "pager.show",
    "pager.rev-list",
    "gpg.program",
    "gpg.ssh.program",
    "gpg.x509.program",
    "diff.external",
    "diff.evil.textconv",
    "diff.evil.command",
    "filter.evil.clean",
    "filter.evil.smudge",
    "filter.evil.process",
    "merge.evil.driver",
    "core.sshCommand",
    "core.askPass",
    "core.editor",
    "sequence.editor",
    "core.alternateRefsCommand",
    "uploadpack.packObjectsHook",
    "core.gitProxy",
]
HOOKS = [
    "pre-commit", "post-commit", "post-checkout", "post-merge", "pre-push", "reference-transaction",
    "post-index-change", "pre-auto-gc", "post-rewrite", "prepare-commit-msg", "commit-msg",
]  # fmt: skip


def _trap(marks: Path, name: str) -> str:
    script = marks.parent / "traps" / name.replace("/", "_")
    script.parent.mkdir(exist_ok=True)
    mark = marks / name.replace("/", "_")
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{mark}"\nexit 0\n')
    script.chmod(0o755)
    return str(script)


def _signed_commit(repo: Repo, message: str) -> str:
    """A commit object with a (fake) signature header: ``log.showSignature`` hands it to gpg."""
    tree = repo.git("rev-parse", "HEAD^{tree}")
    parent = repo.head()
    who = "Mallory <m@example.com> 1704067300 +0000"
    body = (
        f"tree {tree}\nparent {parent}\nauthor {who}\ncommitter {who}\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n"
        f"\n{message}\n"
    )
    oid = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=body.encode())
    repo.git("update-ref", "refs/heads/main", oid)
    return oid


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Repo, Path, str]:
    """A repository with a secret in a signed commit, a staged secret, and every trap set."""
    marks = tmp_path / "marks"
    marks.mkdir()
    repo = Repo(tmp_path / "repo")
    repo.commit_file("README.md", "# p\n", "init")
    base = repo.head()
    repo.write(".gitattributes", "* diff=evil filter=evil merge=evil\n")
    repo.commit_file("app.env", token_line(), "a secret")
    _signed_commit(repo, "signed")
    repo.git("reset", "-q", "--hard")
    (repo.path / "ignored.log").write_text("x\n")
    repo.write(".gitignore", "*.log\n")
    repo.stage("new.env", token_line())
    for key in TRAPS:
        repo.git("config", key, _trap(marks, key))
    repo.git("config", "log.showSignature", "true")
    repo.git("config", "credential.helper", "!" + _trap(marks, "credential.helper"))
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in HOOKS:
        Path(_trap(marks, f"hook-{hook}")).rename(hooks / hook)
        (repo.path / ".git" / "hooks" / hook).write_text((hooks / hook).read_text())
        (repo.path / ".git" / "hooks" / hook).chmod(0o755)
    repo.git("config", "core.hooksPath", str(hooks))
    for f in marks.iterdir():  # setting the traps up may have sprung some
        f.unlink()
    return repo, marks, base


def _sprung(marks: Path) -> list[str]:
    return sorted(p.read_text().strip() for p in marks.iterdir())


def test_the_traps_are_live(hostile: tuple[Repo, Path, str]) -> None:
    """Control: plain git in this repository does start the repository's programs."""
    repo, marks, _ = hostile
    env = git_env()
    for args in (["log", "-1"], ["status"]):
        subprocess.run(
            ["git", *args], cwd=repo.path, env=env, capture_output=True,
            stdin=subprocess.DEVNULL, timeout=60,
        )
    sprung = " ".join(_sprung(marks))
    assert "gpg.program" in sprung and "core.fsmonitor" in sprung


@pytest.mark.parametrize(
    "args",
    [
        ["scan", ".", "--gitignore"],
        ["staged"],
        ["range", "BASE..HEAD"],
        ["range", "--pre-push"],
        ["history"],
        ["history", "--jobs", "2"],
        ["baseline", "create", "-o", "OUT", "history"],
        ["install-hook", "--force", "--pre-push"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_no_twscan_command_runs_the_repository_config(
    hostile: tuple[Repo, Path, str], args: list[str], tmp_path: Path
) -> None:
    repo, marks, base = hostile
    args = [a.replace("BASE", base).replace("OUT", str(tmp_path / "b.json")) for a in args]
    stdin = None
    if args[-1] == "--pre-push":
        stdin = f"refs/heads/main {repo.head()} refs/heads/main {ZERO}\n".encode()
    proc = twscan(*args, cwd=repo.path, input=stdin)
    assert proc.returncode in (0, 1), proc.stderr
    assert _sprung(marks) == []


def test_pre_commit_environment_runs_nothing_either(hostile: tuple[Repo, Path, str]) -> None:
    repo, marks, base = hostile
    env = {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": repo.head()}
    assert twscan("range", "--pre-push", cwd=repo.path, env=env).returncode == 1
    assert _sprung(marks) == []


def test_a_repository_of_another_user_is_named_as_such(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the repository to another user")
    repo = Repo(tmp_path / "theirs")
    repo.commit_file("a.txt", "a\n")
    for p in [repo.path, *repo.path.rglob("*")]:
        os.lchown(p, 4242, 4242)
    proc = twscan("history", cwd=repo.path)
    assert proc.returncode == 2
    assert "owned by another user" in proc.stderr and "safe.directory" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# --- replace refs and grafts -----------------------------------------------------------------


@pytest.fixture
def hidden(tmp_path: Path) -> tuple[Repo, str, str]:
    """A secret committed, then hidden by a replace ref standing in a clean commit for it."""
    repo = Repo(tmp_path / "r")
    repo.commit_file("README.md", "# p\n", "init")
    base = repo.head()
    tok = token()
    leak = repo.commit_file("app.env", token_line(tok), "add config")
    repo.git("rm", "-q", "--cached", "app.env")
    (repo.path / "app.env").unlink()
    clean = repo.commit("clean version")
    repo.git("reset", "-q", "--hard", leak)
    repo.git("replace", leak, clean)  # `git log` now shows the clean commit in its place
    return repo, base, tok


def test_replace_refs_hide_nothing_from_range_and_history(hidden: tuple[Repo, str, str]) -> None:
    repo, base, tok = hidden
    assert "app.env" not in repo.git("log", "--stat", "-1")  # the disguise works on git
    for args in (["range", f"{base}..main"], ["history"]):
        proc = twscan(*args, "-f", "json", "--show-secrets", cwd=repo.path)
        assert proc.returncode == 1, proc.stderr
        doc = json.loads(proc.stdout)
        assert tok in {f["secret"] for f in doc["findings"]}
        assert any("replace ref" in n for n in doc["summary"]["notes"]), doc["summary"]
    text = twscan("history", cwd=repo.path).stdout
    assert "replace ref" in text


def test_grafts_hide_nothing(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "g")
    repo.commit_file("README.md", "# p\n", "init")
    tok = token()
    repo.commit_file("app.env", token_line(tok), "secret")
    repo.git("rm", "-q", "app.env")
    repo.commit("removed")
    head = repo.commit_file("b.txt", "b\n", "later")
    # The graft makes the last commit a root: the secret's commits vanish from `git log`.
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "grafts").write_text(head + "\n")
    proc = twscan("history", "-f", "json", "--show-secrets", cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert tok in {f["secret"] for f in doc["findings"]}
    assert any("grafts" in n for n in doc["summary"]["notes"])
    first = repo.git("rev-list", "--max-parents=0", "HEAD", env={"GIT_GRAFT_FILE": os.devnull})
    proc = twscan("range", f"{first}..{head}", "-f", "json", "--show-secrets", cwd=repo.path)
    assert proc.returncode == 1 and tok in proc.stdout


# --- revisions are never options ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["range", "--", "--output=OUT", "HEAD"],
        ["range", "--since=--output=OUT"],
        ["range", "--", "--output=OUT"],
        ["range", "--", "HEAD~1..--output=OUT"],
        ["range", "--", f"{ZERO}..--output=OUT"],
    ],
)
def test_revision_arguments_are_never_options(tmp_path: Path, args: list[str]) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit_file("a.txt", "a\n")
    repo.commit_file("b.env", token_line())
    out = tmp_path / "written"
    proc = twscan(*[a.replace("OUT", str(out)) for a in args], cwd=repo.path)
    assert proc.returncode == 2
    assert not out.exists()
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_pre_push_lines_are_never_options(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit_file("a.txt", "a\n")
    out = tmp_path / "written"
    line = f"refs/heads/main --output={out} refs/heads/main {ZERO}\n"
    proc = twscan("range", "--pre-push", cwd=repo.path, input=line.encode())
    assert proc.returncode == 2 and not out.exists()


# --- empty ranges --------------------------------------------------------------------------------


def _pushed(tmp_path: Path, name: str) -> Repo:
    """A repository whose first commit is pushed to a bare ``origin`` beside it."""
    repo = Repo(tmp_path / name)
    repo.commit_file("README.md", "# p\n", "init")
    Repo(tmp_path / "origin.git", bare=True)
    repo.git("remote", "add", "origin", str(tmp_path / "origin.git"))
    repo.git("push", "-q", "origin", "main")
    return repo


@pytest.fixture
def ci_clone(tmp_path: Path) -> tuple[Path, set[str]]:
    """What CI checks out after a push of a new branch: the branch is on the remote already."""
    dev = _pushed(tmp_path, "dev")
    dev.git("checkout", "-q", "-b", "feature")
    toks = {token(), token()}
    for i, tok in enumerate(sorted(toks)):
        dev.commit_file(f"f{i}.env", token_line(tok), f"feature {i}")
    dev.git("push", "-q", "origin", "feature")
    clone = tmp_path / "ci"
    subprocess.run(
        ["git", "clone", "-q", "--no-single-branch", str(tmp_path / "origin.git"), str(clone)],
        check=True,
        env=git_env(),
    )
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=clone, check=True, env=git_env())
    return clone, toks


def test_new_branch_form_in_a_ci_clone_finds_the_branch_secrets(
    ci_clone: tuple[Path, set[str]],
) -> None:
    clone, toks = ci_clone
    for spec in (f"{ZERO}..feature", f"{ZERO}..HEAD", f"{ZERO}..origin/feature"):
        proc = twscan("range", spec, "-f", "json", "--show-secrets", cwd=clone)
        assert proc.returncode == 1, (spec, proc.stderr)
        doc = json.loads(proc.stdout)
        assert {f["secret"] for f in doc["findings"]} == toks
        assert doc["summary"]["commits_scanned"] == 2


def test_an_empty_range_is_an_error_and_says_so(ci_clone: tuple[Path, set[str]]) -> None:
    clone, _ = ci_clone
    proc = twscan("range", "feature..main", cwd=clone)
    assert proc.returncode == 2
    assert "holds no commits" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    allowed = twscan("range", "feature..main", "--allow-empty", cwd=clone)
    assert allowed.returncode == 0 and "0 commit(s) scanned" in allowed.stdout
    scanned = twscan("range", "main..feature", cwd=clone)
    assert "2 commit(s) scanned" in scanned.stdout


# --- history with a missing object ---------------------------------------------------------------


def test_history_names_a_missing_blob_and_fails(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    tok = token()
    repo.commit_file("found.env", token_line(tok), "kept")
    lost = "lost\x1b[2J\rNo Twilio credentials found.txt"  # a hostile name, escaped in the error
    repo.commit_file(lost, "whatever this held\n", "lost")
    oid = repo.git("rev-parse", f"HEAD:{lost}")
    obj = repo.path / ".git" / "objects" / oid[:2] / oid[2:]
    obj.chmod(stat.S_IWUSR | stat.S_IRUSR)
    obj.unlink()
    proc = twscan("history", "-f", "json", "--show-secrets", cwd=repo.path)
    assert proc.returncode == 2
    assert oid in proc.stderr and "missing" in proc.stderr
    assert "Traceback" not in proc.stderr and "\x1b" not in proc.stderr and "\r" not in proc.stderr
    assert tok in {f["secret"] for f in json.loads(proc.stdout)["findings"]}


# --- a pull request cannot allowlist itself ------------------------------------------------------


@pytest.fixture
def reviewed(tmp_path: Path) -> tuple[Repo, str]:
    repo = Repo(tmp_path / "r")
    repo.commit_file(".twscan.toml", 'fail-on = "low"\n', "config")
    return repo, repo.head()


@pytest.mark.parametrize(
    "sneak",
    [
        {".twscan.toml": 'exclude = ["leak/"]\n'},
        {".twscan.toml": 'allowlist = [".*"]\n'},
        {".twscan.toml": 'fail-on = "critical"\n'},
        {"pyproject.toml": '[tool.twscan]\nexclude = ["leak/"]\n', ".twscan.toml": None},
    ],
    ids=["exclude", "allowlist", "fail-on", "pyproject"],
)
def test_a_range_cannot_change_its_own_configuration(
    reviewed: tuple[Repo, str], sneak: dict[str, str | None]
) -> None:
    repo, base = reviewed
    for name, text in sneak.items():
        if text is None:
            repo.git("rm", "-q", name)
        else:
            repo.write(name, text)
            repo.add(name)
    repo.commit("tweak the scanner")
    tok = token()
    repo.commit_file("leak/app.env", token_line(tok), "leak")  # high: below fail-on critical
    proc = twscan("range", f"{base}..HEAD", "-f", "json", "--show-secrets", cwd=repo.path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert tok in proc.stdout
    assert "warning" in proc.stderr and "govern" in proc.stderr
    notes = json.loads(proc.stdout)["summary"]["notes"]
    assert any("govern" in n for n in notes)
    # the old behaviour, for a checkout one trusts
    trusted = twscan("range", f"{base}..HEAD", "--config-from", "worktree", cwd=repo.path)
    assert trusted.returncode == 0, trusted.stdout


def test_a_range_cannot_rewrite_the_rules_it_is_checked_with(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.stage("acme.toml", ACME_RULES)
    repo.commit_file(".twscan.toml", 'rules = ["acme.toml"]\n', "our own rule")
    base = repo.head()
    repo.write("acme.toml", ACME_RULES.replace("acme_[0-9a-f]{24}", "acme_[0-9a-f]{99}"))
    repo.add("acme.toml")
    key = "acme_" + secrets.token_hex(12)
    repo.commit_file("svc.cfg", f"ACME_KEY={key}\n", "loosen the rule, add a key")
    proc = twscan("range", f"{base}..HEAD", "-f", "json", "--show-secrets", cwd=repo.path)
    assert proc.returncode == 1 and key in proc.stdout, proc.stderr
    assert "acme.toml" in proc.stderr  # named in the warning


def test_the_warning_escapes_the_names_it_lists(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    name = "rules\x1b]0;pwned\x07.toml"
    repo.stage(name, ACME_RULES)
    repo.commit_file(".twscan.toml", f"rules = [{json.dumps(name)}]\n", "our own rule")
    base = repo.head()
    repo.commit_file(name, ACME_RULES + "\n", "touch the rules")
    proc = twscan("range", f"{base}..HEAD", cwd=repo.path)
    assert "warning" in proc.stderr and "\x1b" not in proc.stderr and "\x07" not in proc.stderr


def test_a_range_cannot_accept_its_own_secrets_in_the_baseline(reviewed: tuple[Repo, str]) -> None:
    repo, base = reviewed
    tok = token()
    repo.commit_file("app.env", token_line(tok), "leak")
    created = twscan("baseline", "create", "range", f"{base}..HEAD", cwd=repo.path)
    assert created.returncode == 0, created.stderr
    repo.add(".twscan-baseline.json")
    repo.commit("accept it")
    proc = twscan("range", f"{base}..HEAD", cwd=repo.path)
    assert proc.returncode == 1 and ".twscan-baseline.json" in proc.stderr
    # a baseline already in the base does apply: the next range is judged by it
    repo.commit_file("b.txt", "b\n")
    assert twscan("range", "HEAD~1..HEAD", cwd=repo.path).returncode == 0


def test_a_config_named_on_the_command_line_is_read_from_the_base(
    reviewed: tuple[Repo, str],
) -> None:
    repo, _ = reviewed
    repo.commit_file("ci/twscan.toml", 'fail-on = "low"\n', "ci config")
    base = repo.head()
    repo.write("ci/twscan.toml", 'exclude = ["*.env"]\n')
    repo.add("ci/twscan.toml")
    repo.commit_file("app.env", token_line(), "leak")
    proc = twscan("range", f"{base}..HEAD", "--config", "ci/twscan.toml", cwd=repo.path)
    assert proc.returncode == 1, proc.stdout
    # a symlink in the checkout cannot send the read elsewhere
    outside = repo.path.parent / "evil.toml"
    outside.write_text('exclude = ["*"]\n')
    (repo.path / "ci" / "twscan.toml").unlink()
    (repo.path / "ci" / "twscan.toml").symlink_to(outside)
    proc = twscan("range", f"{base}..HEAD", "--config", "ci/twscan.toml", cwd=repo.path)
    assert proc.returncode == 1, proc.stdout


def test_pushing_several_branches_through_pre_commit_checks_them_all(tmp_path: Path) -> None:
    """pre-commit tells a pre-push hook about the first pushed ref only."""
    repo = _pushed(tmp_path, "r")
    repo.git("checkout", "-q", "-b", "a")
    a = repo.commit_file("a.txt", "clean\n", "clean branch")
    repo.git("checkout", "-q", "-b", "b", "main")
    tok = token()
    repo.commit_file("b.env", token_line(tok), "leaky branch")
    env = {
        "PRE_COMMIT_FROM_REF": repo.git("rev-parse", "main"),
        "PRE_COMMIT_TO_REF": a,
        "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/a",
        "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/a",
        "PRE_COMMIT_REMOTE_NAME": "origin",
    }
    proc = twscan("range", "--pre-push", "-f", "json", "--show-secrets", cwd=repo.path, env=env)
    assert proc.returncode == 1, proc.stderr
    assert tok in proc.stdout


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["origin", "a", "b"], ["a", "b"]),
        (["-u", "origin", "+a:refs/heads/x", ":gone", "HEAD"], ["a", "HEAD"]),
        (["-o", "ci.skip", "--force-with-lease=a", "origin", "a"], ["a"]),
        (["origin"], []),
        ([], []),
        (["--all", "origin"], None),
        (["--tags", "origin"], None),
        (["--mirror"], None),
        (["--repo=origin", "a"], None),
        (["origin", "refs/heads/*:refs/heads/*"], None),
        (["--some-new-option", "origin", "a"], None),
    ],
)
def test_which_refs_a_push_command_pushes(
    tmp_path: Path, words: list[str], expected: list[str] | None
) -> None:
    from twscan.sources.pushed import pushed_sources

    repo = Repo(tmp_path / "r")
    assert pushed_sources(repo.path, words) == expected
    repo.git("config", "push.default", "matching")
    if expected == []:
        assert pushed_sources(repo.path, words) is None  # matching pushes every branch


def test_a_sha256_repository_pushed_from_its_root(tmp_path: Path) -> None:
    """No base commit (the push reaches the root): the settings check compares with the
    empty tree of the repository's own hash, sha256 here."""
    repo = Repo(tmp_path / "s256", sha256=True)
    path = repo.path
    tok = token()
    repo.commit_file(".twscan.toml", 'fail-on = "low"\n', "config")
    repo.commit_file("a.env", token_line(tok), "leak")
    proc = twscan("range", "--pre-push", "-f", "json", "--show-secrets", cwd=path, input=b"")
    assert proc.returncode == 1, proc.stderr
    assert tok in proc.stdout and "govern" in proc.stdout


def test_a_partial_clone_fetches_nothing_and_runs_nothing(tmp_path: Path) -> None:
    """A partial clone fetches a missing blob when it is first read, and a local fetch starts
    the ``remote.<name>.uploadpack`` the repository names: reading must do neither."""
    up = Repo(tmp_path / "up")
    tok = token()
    up.commit_file("a.env", token_line(tok), "leak")
    up.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{up.path}",
         str(clone)],
        check=True, env=git_env(), capture_output=True,
    )
    marks = tmp_path / "marks"
    marks.mkdir()
    evil = _trap(marks, "uploadpack")
    subprocess.run(
        ["git", "config", "remote.origin.uploadpack", evil], cwd=clone, check=True, env=git_env()
    )
    proc = twscan("range", f"{ZERO}..HEAD", cwd=clone)
    assert proc.returncode == 2 and "missing" in proc.stderr, proc.stdout + proc.stderr
    proc = twscan("history", cwd=clone)
    assert proc.returncode == 2 and "missing" in proc.stderr
    assert _sprung(marks) == []
