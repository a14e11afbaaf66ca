"""``twscan staged``: every verdict of issue 4 on a real repository built with the real git.

Each scenario asserts the verdict twice: on the source (which secrets are new) and, when the
command line is installed, on the exit code a commit hook would see (1 blocks, 0 passes).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gitutil import (
    ROOT,
    Repo,
    detector,
    git_env,
    secrets_of,
    sid,
    token,
    token_line,
    twscan,
)
from twscan.core.errors import TwscanError
from twscan.sources.staged import scan_staged


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "work")
    r.commit_file("README.md", "# project\n", "initial")
    return r


def new_secrets(repo: Repo) -> set[str]:
    findings, _ = scan_staged(detector(), repo.path)
    for f in findings:
        assert f.commit is None
    return secrets_of(findings)


def assert_blocks(repo: Repo, *expected: str) -> None:
    found = new_secrets(repo)
    assert found, "expected the staged change to be blocked"
    for value in expected:
        assert value in found
    proc = twscan("staged", cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    for value in expected:
        assert value not in proc.stdout + proc.stderr, "a secret was printed"


def assert_passes(repo: Repo) -> None:
    assert new_secrets(repo) == set()
    proc = twscan("staged", cwd=repo.path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- blocks ------------------------------------------------------------------------------


def test_new_file_with_a_secret(repo: Repo) -> None:
    tok = token()
    repo.stage("config/.env", f"TWILIO_ACCOUNT_SID={sid()}\n" + token_line(tok))
    assert_blocks(repo, tok)


def test_first_commit_of_a_repository(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "fresh")
    tok = token()
    repo.stage("settings.py", token_line(tok))
    assert_blocks(repo, tok)


def test_staged_then_removed_from_work_tree(repo: Repo) -> None:
    tok = token()
    repo.stage("app.cfg", "name = demo\n" + token_line(tok))
    repo.write("app.cfg", "name = demo\n")  # the index still holds the token
    assert_blocks(repo, tok)


def test_staged_then_file_deleted_from_work_tree(repo: Repo) -> None:
    tok = token()
    repo.stage("gone.env", token_line(tok))
    (repo.path / "gone.env").unlink()
    assert_blocks(repo, tok)


def test_staged_hunk_of_partially_staged_file(repo: Repo) -> None:
    body = [f"line {i}\n" for i in range(40)]
    repo.commit_file("big.txt", "".join(body))
    tok = token()
    staged = [token_line(tok), *body]
    repo.stage("big.txt", "".join(staged))
    repo.write("big.txt", "".join([*staged, "unstaged tail\n"]))
    assert_blocks(repo, tok)


def test_token_replaced_by_another_token(repo: Repo) -> None:
    old, new = token(), token()
    account = sid()
    repo.commit_file(".env", f"TWILIO_ACCOUNT_SID={account}\n" + token_line(old))
    repo.stage(".env", f"TWILIO_ACCOUNT_SID={account}\n" + token_line(new))
    assert_blocks(repo, new)


def test_binary_file(repo: Repo) -> None:
    tok = token()
    blob = bytes(range(256)) * 4 + b"\0\0" + token_line(tok).encode() + bytes(64)
    repo.stage("assets/blob.bin", blob)
    assert "Bin" in repo.git("diff", "--cached", "--stat")  # git itself calls it binary
    assert_blocks(repo, tok)


def test_utf16_file(repo: Repo) -> None:
    tok = token()
    repo.stage("win/settings.ini", ("\ufeff[twilio]\r\n" + token_line(tok)).encode("utf-16-le"))
    assert_blocks(repo, tok)


def test_path_with_spaces_and_non_ascii(repo: Repo) -> None:
    tok = token()
    name = "docs/réglages de prod ✓.env"
    repo.stage(name, token_line(tok))
    findings, _ = scan_staged(detector(), repo.path)
    assert {f.file for f in findings} == {name}
    assert_blocks(repo, tok)


def test_new_secret_added_beside_an_old_one(repo: Repo) -> None:
    old, new = token(), token()
    repo.commit_file("a.env", token_line(old))
    repo.stage("a.env", token_line(old) + f"BACKUP_{token_line(new)}")
    assert_blocks(repo, new)


def test_rename_that_adds_a_secret(repo: Repo) -> None:
    body = "".join(f"setting_{i} = {i}\n" for i in range(30))
    repo.commit_file("old.cfg", body)
    repo.git("mv", "old.cfg", "new.cfg")
    tok = token()
    repo.stage("new.cfg", body + token_line(tok))
    assert_blocks(repo, tok)


def test_commit_with_git_commit_a_reads_the_temporary_index(repo: Repo) -> None:
    """``git commit -a`` hands hooks a temporary index through GIT_INDEX_FILE."""
    repo.commit_file("x.env", "A=1\n")
    tok = token()
    repo.write("x.env", "A=1\n" + token_line(tok))
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    code = (
        "import sys; from twscan.detect.engine import Detector; "
        "from twscan.sources.staged import scan_staged; "
        "sys.exit(1 if scan_staged(Detector.load())[0] else 0)"
    )
    hook.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(code)}\n")
    hook.chmod(0o755)
    proc = subprocess.run(
        ["git", "commit", "-qam", "try"],
        cwd=repo.path,
        capture_output=True,
        env=git_env({"PYTHONPATH": str(ROOT)}),
    )
    assert proc.returncode != 0
    assert repo.git("log", "--format=%s", "-1") != "try"


# --- passes ------------------------------------------------------------------------------


def test_nothing_staged(repo: Repo) -> None:
    assert_passes(repo)


def test_secret_only_in_work_tree(repo: Repo) -> None:
    repo.write("README.md", "# project\n" + token_line())
    repo.write("untracked.env", token_line())
    assert_passes(repo)


def test_secret_only_in_unstaged_hunk(repo: Repo) -> None:
    body = [f"line {i}\n" for i in range(40)]
    repo.commit_file("big.txt", "".join(body))
    staged = ["harmless header\n", *body]
    repo.stage("big.txt", "".join(staged))
    repo.write("big.txt", "".join([*staged, token_line()]))
    assert_passes(repo)


def test_secret_only_on_deleted_lines(repo: Repo) -> None:
    repo.commit_file("a.env", "KEEP=1\n" + token_line())
    repo.stage("a.env", "KEEP=1\n")
    assert_passes(repo)


def test_old_secret_in_unchanged_part_of_modified_file(repo: Repo) -> None:
    repo.commit_file("app.py", token_line() + "".join(f"x{i} = {i}\n" for i in range(20)))
    repo.stage("app.py", repo.read("app.py") + "y = 2\n")
    assert_passes(repo)


def test_line_touched_keeping_the_same_secret(repo: Repo) -> None:
    tok = token()
    account = sid()
    repo.commit_file("cfg.env", f"TWILIO_ACCOUNT_SID={account}\nTWILIO_AUTH_TOKEN={tok}\n")
    repo.stage("cfg.env", f"TWILIO_ACCOUNT_SID={account}  # prod\nTWILIO_AUTH_TOKEN={tok} \n")
    assert_passes(repo)


def test_rename_of_file_with_old_secret(repo: Repo) -> None:
    repo.commit_file("secrets.env", token_line() + f"TWILIO_ACCOUNT_SID={sid()}\n")
    (repo.path / "config").mkdir()
    repo.git("mv", "secrets.env", "config/renamed secrets.env")
    assert_passes(repo)


def test_rename_with_edit_of_file_with_old_secret(repo: Repo) -> None:
    body = token_line() + "".join(f"opt_{i} = {i}\n" for i in range(30))
    repo.commit_file("settings.ini", body)
    repo.git("mv", "settings.ini", "settings.prod.ini")
    repo.stage("settings.prod.ini", body + "opt_extra = 1\n")
    assert_passes(repo)


def test_mode_change_of_file_with_old_secret(repo: Repo) -> None:
    repo.commit_file("run.sh", "#!/bin/sh\n" + token_line())
    repo.git("update-index", "--chmod=+x", "run.sh")
    assert "100755" in repo.git("diff", "--cached", "--raw")
    assert_passes(repo)


def test_deletion(repo: Repo) -> None:
    repo.commit_file("old.env", token_line())
    repo.git("rm", "-q", "old.env")
    assert_passes(repo)


def test_merge_bringing_in_a_committed_secret(repo: Repo) -> None:
    """Concluding a merge does not introduce what the merged branch already committed."""
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit_file("feature.env", token_line())
    repo.commit_file("shared.txt", "feature side\n")
    repo.git("checkout", "-q", "main")
    repo.commit_file("shared.txt", "main side\n")
    proc = subprocess.run(
        ["git", "merge", "--no-commit", "feature"], cwd=repo.path, capture_output=True
    )
    assert proc.returncode != 0  # conflict in shared.txt, feature.env staged from the branch
    repo.stage("shared.txt", "both sides\n")
    assert_passes(repo)


def test_merge_resolution_adding_a_secret(repo: Repo) -> None:
    """A secret that neither side held, written while resolving the conflict, is new."""
    repo.git("checkout", "-q", "-b", "feature")
    old = token()
    repo.commit_file("shared.env", token_line(old) + "side = feature\n")
    repo.git("checkout", "-q", "main")
    repo.commit_file("shared.env", "side = main\n")
    proc = subprocess.run(
        ["git", "merge", "--no-commit", "feature"], cwd=repo.path, capture_output=True
    )
    assert proc.returncode != 0
    tok = token()
    repo.stage("shared.env", token_line(old) + token_line(tok))
    assert new_secrets(repo) == {tok}  # the feature side's token is already committed
    assert_blocks(repo, tok)


# --- bad input -----------------------------------------------------------------------------


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(TwscanError, match="not a git repository"):
        scan_staged(detector(), tmp_path)
    proc = twscan("staged", cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert proc.returncode == 2
    assert "not a git repository" in proc.stderr


def test_empty_repository_with_nothing_staged(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "empty")
    assert_passes(repo)


def test_detached_head(repo: Repo) -> None:
    repo.commit_file("b.txt", "b\n")
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    tok = token()
    repo.stage("c.env", token_line(tok))
    assert_blocks(repo, tok)


def test_submodule_is_reported_as_skipped(repo: Repo, tmp_path: Path) -> None:
    sub = Repo(tmp_path / "sub")
    sub.commit_file("inner.env", token_line())
    allow = "protocol.file.allow=always"  # git's own subprocesses do not read the repo config
    repo.git("-c", allow, "submodule", "add", "-q", str(sub.path), "vendor/sub")
    findings, summary = scan_staged(detector(), repo.path)
    assert findings == []
    assert [p for p, _ in summary.skipped] == ["vendor/sub"]


def test_corrupt_staged_object(repo: Repo) -> None:
    repo.stage("c.txt", "some content that will be damaged\n")
    oid = repo.damage(":c.txt")
    with pytest.raises(TwscanError, match=oid):
        scan_staged(detector(), repo.path)
    proc = twscan("staged", cwd=repo.path)
    assert proc.returncode == 2
    assert oid in proc.stderr


def test_hook_path_imports_nothing_heavy(repo: Repo) -> None:
    """Latency is the feature: GitPython, requests and process pools cost 100+ ms each."""
    code = (
        "import sys, twscan.commands.staged as c, twscan.sources.staged; "
        "from twscan.detect.engine import Detector; "
        "twscan.sources.staged.scan_staged(Detector.load()); "
        "print(' '.join(sorted(m for m in ('git', 'requests', 'multiprocessing', "
        "'concurrent.futures', 'twscan.sources.history') if m in sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env=git_env({"PYTHONPATH": str(ROOT)}),
        check=True,
    )
    assert proc.stdout.strip() == ""


@pytest.mark.parametrize("named", [False, True], ids=["git-hook", "pre-commit"])
@pytest.mark.parametrize("secret", [False, True], ids=["clean", "secret"])
def test_hook_leaves_slow_modules_alone(
    repo: Repo, tmp_path: Path, secret: bool, named: bool
) -> None:
    """The commit hook's budget is ~25 ms above Python's start-up: modules that cost it
    milliseconds each (dataclasses ~10 ms, tomllib ~5, hashlib ~3, json ~3) load only when a
    run needs them, which a plain commit, clean or refused, never does once the parsed rules
    are in the cache. A pyproject that does not configure twscan is not parsed either. The
    same holds when the pre-commit framework names the staged files."""
    repo.write("pyproject.toml", '[project]\nname = "x"\ndependencies = ["twscan>=0.1"]\n')
    repo.stage("app.py", token_line() if secret else "retries = 3\n")
    argv = ["staged", "--", "app.py"] if named else ["staged"]
    code = (  # what twscan loads (a site-packages .pth may load some of these before it)
        "import sys\n"
        "before = set(sys.modules)\n"
        "from twscan.cli import main\n"
        f"code = main({argv!r})\n"
        "slow = ('dataclasses', 'tomllib', 'json', 'hashlib', 'hmac', 'secrets', 'inspect', "
        "'tempfile', 'twscan.triage.baseline')\n"
        "new = [m for m in slow if m in sys.modules and m not in before]\n"
        "sys.stderr.write('loaded: ' + ' '.join(new) + '\\n')\n"
        "raise SystemExit(code)\n"
    )
    env = git_env({"PYTHONPATH": str(ROOT), "TWSCAN_CACHE_DIR": str(tmp_path / "cache")})
    for _ in range(2):  # the first run parses the rules and fills the cache
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=repo.path, capture_output=True, text=True, env=env
        )
        assert proc.returncode == (1 if secret else 0), proc.stderr
    loaded = proc.stderr.splitlines()[-1]
    assert loaded == "loaded: ", loaded


def test_large_commit_is_streamed(repo: Repo) -> None:
    """Past a few dozen files the blobs are streamed; the verdict must not change."""
    for i in range(80):
        repo.write(f"many/file_{i}.txt", f"content {i}\n")
    tok = token()
    repo.write("many/file_79.txt", token_line(tok))
    repo.add("many")
    assert_blocks(repo, tok)


# --- named files: how the pre-commit framework calls the hook ------------------------------


def json_report(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def files_found(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return sorted(f["file"] for f in json_report(proc)["findings"])


def test_named_files_limit_the_commit_to_them(repo: Repo) -> None:
    """pre-commit hands the staged files its `exclude:` kept: only those are judged."""
    repo.stage("app.env", token_line())
    repo.stage("fixtures/sample.env", token_line())
    repo.stage("notes.txt", "nothing here\n")
    proc = twscan("staged", "-f", "json", "--", "app.env", "notes.txt", cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    assert files_found(proc) == ["app.env"]
    assert json_report(proc)["summary"]["files_scanned"] == 2
    proc = twscan("staged", "--", "notes.txt", cwd=repo.path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = twscan("staged", "-f", "json", "fixtures/sample.env", cwd=repo.path)
    assert files_found(proc) == ["fixtures/sample.env"]
    assert twscan("staged", cwd=repo.path).returncode == 1  # no names: the whole index, as ever


def test_named_staged_files_keep_the_introduced_verdict(repo: Repo) -> None:
    """Named or not, a commit is judged by what it adds: old secrets and renames pass."""
    tok = token()
    repo.commit_file("settings.py", token_line(tok) + "".join(f"x{i} = {i}\n" for i in range(30)))
    repo.commit_file("keys.env", token_line())
    repo.stage("settings.py", repo.read("settings.py") + "y = 2\n")
    repo.git("mv", "keys.env", "moved keys.env")
    proc = twscan("staged", "--", "settings.py", "moved keys.env", cwd=repo.path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 files" in proc.stderr  # the edited file was read: a rename alone needs no read
    new = token()
    repo.stage("settings.py", repo.read("settings.py") + f"BACKUP_{token_line(new)}")
    proc = twscan("staged", "-f", "json", "--", "settings.py", cwd=repo.path)
    assert proc.returncode == 1
    assert [f["line"] for f in json_report(proc)["findings"]] == [33]
    assert new not in proc.stdout + proc.stderr


def test_named_paths_with_spaces_non_ascii_and_a_leading_dash(repo: Repo) -> None:
    names = ["-rf.env", "docs/réglages de prod ✓.env", "--help"]
    for name in names:
        repo.stage(name, token_line())
    proc = twscan("staged", "-f", "json", "--", *names, cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    assert files_found(proc) == sorted(names)
    proc = twscan("staged", "-f", "json", "--", names[1], cwd=repo.path)
    assert files_found(proc) == [names[1]]


def test_named_files_relative_to_a_subdirectory(repo: Repo) -> None:
    """By hand, names are relative to where you are; reports name them from the top."""
    repo.stage("pkg/inner.env", token_line())
    repo.stage("inner.env", "clean = 1\n")  # the same name at the top must not stand in for it
    proc = twscan("staged", "-f", "json", "inner.env", cwd=repo.path / "pkg")
    assert proc.returncode == 1, proc.stderr
    assert files_found(proc) == ["pkg/inner.env"]


def test_named_files_outside_a_commit_are_scanned_as_they_are(repo: Repo) -> None:
    """`pre-commit run --files F` / `--all-files`: nothing staged, so the files themselves."""
    tok = token()
    repo.commit_file("config/prod.env", f"TWILIO_ACCOUNT_SID={sid()}\n" + token_line(tok))
    repo.commit_file("clean.txt", "hello\n")
    proc = twscan("staged", "-f", "json", "--", "clean.txt", cwd=repo.path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json_report(proc)["summary"]["files_scanned"] == 1
    proc = twscan("staged", "--", "clean.txt", "config/prod.env", "README.md", cwd=repo.path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "config/prod.env" in proc.stdout
    assert "not a commit" in proc.stdout
    assert tok not in proc.stdout + proc.stderr
    assert "3 files" in proc.stderr


def test_all_files_with_something_staged_still_scans_every_file(repo: Repo) -> None:
    """`--all-files` hands unstaged files too: the staged one must not narrow the scan."""
    repo.commit_file("config/prod.env", token_line())
    repo.stage("new.txt", "a harmless staged change\n")
    proc = twscan("staged", "-f", "json", "--", "README.md", "config/prod.env", "new.txt",
                  cwd=repo.path)  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert files_found(proc) == ["config/prod.env"]


def test_named_file_outside_a_commit_reads_the_work_tree(repo: Repo) -> None:
    repo.commit_file("a.env", "A=1\n")
    repo.write("a.env", "A=1\n" + token_line())  # edited, not staged
    proc = twscan("staged", "-f", "json", "a.env", cwd=repo.path)
    assert proc.returncode == 1
    assert files_found(proc) == ["a.env"]


def test_named_symlink_is_not_followed(repo: Repo, tmp_path: Path) -> None:
    """git records a link's target name, and that is what is scanned, never the target."""
    outside = tmp_path / "outside.env"
    outside.write_text(token_line())
    (repo.path / "to-outside").symlink_to(outside)
    (repo.path / f"TWILIO_AUTH_TOKEN={token()}").write_text("x\n")
    (repo.path / "by-name").symlink_to(f"TWILIO_AUTH_TOKEN={token()}")
    repo.add()
    repo.commit("links")
    proc = twscan("staged", "-f", "json", "to-outside", cwd=repo.path)
    assert proc.returncode == 0, proc.stdout
    proc = twscan("staged", "-f", "json", "by-name", cwd=repo.path)
    assert files_found(proc) == ["by-name"]


def test_named_files_while_concluding_a_merge(repo: Repo) -> None:
    """pre-commit names what the merge touches, also files kept as HEAD had them: a commit."""
    repo.commit_file("kept.env", token_line() + "side = base\n")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit_file("feature.env", token_line())
    repo.commit_file("kept.env", "side = feature\n")
    repo.commit_file("shared.txt", "feature side\n")
    repo.git("checkout", "-q", "main")
    repo.commit_file("shared.txt", "main side\n")
    proc = subprocess.run(
        ["git", "merge", "--no-commit", "feature"], cwd=repo.path, capture_output=True
    )
    assert proc.returncode != 0  # shared.txt conflicts
    repo.git("checkout", "HEAD", "--", "kept.env")  # keep main's version: not staged
    repo.stage("shared.txt", "both sides\n")
    names = ["feature.env", "kept.env", "shared.txt"]
    proc = twscan("staged", "--", *names, cwd=repo.path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tok = token()
    repo.stage("shared.txt", "both sides\n" + token_line(tok))
    proc = twscan("staged", "-f", "json", "--", *names, cwd=repo.path)
    assert files_found(proc) == ["shared.txt"]


def test_named_files_of_a_from_ref_to_ref_run(repo: Repo) -> None:
    """`pre-commit run --from-ref A --to-ref B` (CI): what A..B adds to the files named."""
    repo.commit_file("old.env", token_line() + "x = 1\n")
    base = repo.head()
    repo.commit_file("old.env", repo.read("old.env") + "y = 2\n")
    repo.commit_file("app.env", token_line())
    repo.commit_file("fixtures/sample.env", token_line())
    env = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": repo.head()}
    proc = twscan("staged", "-f", "json", "--", "old.env", "app.env", cwd=repo.path, env=env)
    assert proc.returncode == 1, proc.stderr
    assert files_found(proc) == ["app.env"]
    proc = twscan("staged", "--", "old.env", cwd=repo.path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_named_file_that_does_not_exist(repo: Repo) -> None:
    proc = twscan("staged", "--", "no-such-file.txt", cwd=repo.path)
    assert proc.returncode == 2
    assert "no-such-file.txt" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_named_files_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(token_line())
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    proc = twscan("staged", "--", "a.env", cwd=tmp_path, env=env)
    assert (proc.returncode, proc.stderr.strip()) == (
        2, f"twscan: error: not a git repository: {tmp_path}"
    )  # fmt: skip
    proc = twscan("staged", "--repo", str(tmp_path / "missing"), "a.env", cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (
        2, f"twscan: error: no such directory: {tmp_path / 'missing'}"
    )  # fmt: skip


@pytest.mark.parametrize("option", ["--show-secrets", "--config=lax.toml", "--fail-on=critical"])
def test_a_file_named_like_an_option_is_refused(repo: Repo, option: str) -> None:
    """A user's hook `args:` without a final `--`: pre-commit's names follow straight on, and a
    file named like an option must not become one (print secrets, swap the config)."""
    tok = token()
    repo.write("lax.toml", 'exclude = ["**"]\n')
    repo.stage(option, "x\n")
    repo.stage("app.env", f"TWILIO_ACCOUNT_SID={sid()}\n" + token_line(tok))
    proc = twscan("staged", "--no-color", option, "app.env", cwd=repo.path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "put `--` before file names" in proc.stderr
    assert tok not in proc.stdout + proc.stderr
    proc = twscan("staged", "--no-color", "--", option, "app.env", cwd=repo.path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
