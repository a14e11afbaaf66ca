"""What ``twscan scan`` does with symlinks and with files it was asked for by name but could
not read: nothing is dropped silently, and a named file not scanned fails the run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests import creds
from tests.conftest import run_twscan
from twscan.cli import main
from twscan.sources import files


def skipped(r_stdout: str) -> dict[str, str]:
    entries = json.loads(r_stdout)["summary"]["skipped"]
    return {os.path.basename(e["path"]): e["reason"] for e in entries}


def test_symlinks_met_while_walking_are_listed_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds.env").write_text(f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "dirlink").symlink_to(outside, target_is_directory=True)
    (tree / "filelink.env").symlink_to(outside / "creds.env")
    (tree / "loop").symlink_to(tree / "loop")
    (tree / "self").symlink_to(tree, target_is_directory=True)  # a cycle, if followed
    r = run_twscan("scan", str(tree), "-f", "json")
    assert r.returncode == 0, r.stderr  # nothing of the tree itself holds a secret
    why = skipped(r.stdout)
    assert why["dirlink"] == "symlink to a directory: not followed"
    assert why["self"] == "symlink to a directory: not followed"
    assert why["filelink.env"] == "symlink to a file: not followed"
    assert why["loop"] == "symlink to nothing readable: not followed"


def test_a_symlink_named_on_the_command_line_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    tok = creds.auth_token()
    (real / "a.env").write_text(f"TWILIO_AUTH_TOKEN={tok}\n")
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    (tmp_path / "flink.env").symlink_to(real / "a.env")
    for arg in ("link", "flink.env"):
        r = run_twscan("scan", arg, "-f", "json", "--show-secrets", cwd=tmp_path)
        assert r.returncode == 1, r.stderr
        assert [f["secret"] for f in json.loads(r.stdout)["findings"]] == [tok]


def test_a_named_file_that_cannot_be_opened_is_exit_2_after_the_report(tmp_path: Path) -> None:
    (tmp_path / "loop.env").symlink_to(tmp_path / "loop.env")  # ELOOP, even for root
    tok = creds.auth_token()
    (tmp_path / "ok.env").write_text(f"TWILIO_AUTH_TOKEN={tok}\n")
    r = run_twscan("scan", "loop.env", "ok.env", "-f", "json", "--show-secrets", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "twscan: error: could not scan loop.env: unreadable: Too many levels of symbolic links"
    ]
    doc = json.loads(r.stdout)  # the report is written all the same
    assert [f["secret"] for f in doc["findings"]] == [tok]


def test_a_named_fifo_is_exit_2_not_a_clean_run(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    r = run_twscan("scan", "pipe", cwd=tmp_path)
    assert r.returncode == 2
    assert "No Twilio credentials found" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "twscan: error: could not scan pipe: not a regular file"
    ]


def test_a_named_file_whose_read_fails_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Root reads every file, so the failing read is simulated, in process: what matters is
    what the command does with the error."""
    p = tmp_path / "secret.env"
    p.write_text("x")

    def unreadable(item: files.FileItem) -> bytes:
        raise PermissionError(13, "Permission denied", item.fs_path)

    monkeypatch.setattr(files, "read", unreadable)
    assert main(["scan", str(p)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"twscan: error: could not scan {p}: unreadable: Permission denied"]


def test_an_unreadable_file_found_while_walking_is_listed_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secret.env").write_text("x")

    def unreadable(item: files.FileItem) -> bytes:
        raise PermissionError(13, "Permission denied", item.fs_path)

    monkeypatch.setattr(files, "read", unreadable)
    assert main(["scan", str(tmp_path), "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [e["reason"] for e in doc["summary"]["skipped"]] == ["unreadable: Permission denied"]


def test_a_named_directory_that_cannot_be_listed_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root every directory lists, so the listing's failure is simulated."""
    d = str(tmp_path / "locked")
    os.mkdir(d)
    real = os.scandir

    def scandir(top: str) -> object:
        if top == d:
            raise PermissionError(13, "Permission denied", top)
        return real(top)

    monkeypatch.setattr(files.os, "scandir", scandir)
    assert main(["scan", d]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"twscan: error: could not scan {d}: unreadable: Permission denied"]


def test_a_tree_nested_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    """Python 3.11's os.walk recursed once per level: 1,500 nested directories ended the
    scan with a RecursionError. The walk keeps a stack instead."""
    import sys

    from tests import creds

    deep = tmp_path
    for _ in range(sys.getrecursionlimit() + 500):  # not mkdir(parents=True): it recurses too
        deep = deep / "d"
        os.mkdir(deep)
    tok = creds.auth_token()
    (deep / "app.env").write_text(f"TWILIO_AUTH_TOKEN={tok}\n")
    (tmp_path / "top.txt").write_text("hello\n")
    try:
        proc = run_twscan("scan", str(tmp_path), "-f", "json", "--show-secrets")
    finally:  # shutil.rmtree, which cleans tmp_path up, recurses as deep as the tree
        (deep / "app.env").unlink()
        while deep != tmp_path:
            os.rmdir(deep)
            deep = deep.parent
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [f["secret"] for f in doc["findings"]] == [tok]
    assert doc["summary"]["files_scanned"] == 2


def test_an_ignored_directory_with_a_link_to_its_parent_is_not_followed(tmp_path: Path) -> None:
    """--gitignore walks the directories git reports as ignored; a symlink loop in one is
    listed with the directories but never entered, as os.walk did."""
    from tests.gitutil import Repo

    repo = Repo(tmp_path / "r")
    (repo.path / "build").mkdir()
    (repo.path / "build" / "up").symlink_to("..")
    repo.write(".gitignore", "build/\n")
    repo.write("app.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    proc = run_twscan("scan", "--gitignore", ".", cwd=repo.path, env={"GIT_CONFIG_NOSYSTEM": "1"})
    assert proc.returncode == 1, proc.stderr
