"""The commit hook's command line is read without argparse, and means what argparse would read.

``twscan.commands.staged.fast_args`` answers the hook's usual calls from a table of defaults;
anything else goes to the real parser. These tests hold the two together: an option added to
the parser with a default the fast path does not know fails here, not in a user's commit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.gitutil import Repo, git_env
from twscan.commands.parser import build_parser
from twscan.commands.staged import fast_args

TAKEN = [
    [],
    ["--"],
    ["--", "a.py"],
    ["--", "a.py", "dir with space/b.txt", "-starts-with-dash", "--config=evil.toml"],
    ["-q"],
    ["--quiet", "--no-color", "--", "x"],
    ["--no-color", "-q", "a.py", "b.py"],
    ["a.py"],
    ["a.py", "b.py"],
]

LEFT_TO_ARGPARSE = [
    ["--help"],
    ["-h"],
    ["--format", "json"],
    ["-f", "json", "--", "a.py"],
    ["--qui"],  # an abbreviation argparse accepts
    ["--show-secrets"],
    ["--repo", "elsewhere"],
    ["--fail-on=high"],
    ["a.py", "-q"],  # an option after a file name
    ["a.py", "--", "b.py"],
    ["--", "a.py", "--", "b.py"],
    ["-"],
    [""],
    ["--", ""],
]


def _parsed(argv: list[str]) -> dict[str, object]:
    ns = build_parser(["staged", *argv]).parse_args(["staged", *argv])
    return vars(ns)


@pytest.mark.parametrize("argv", TAKEN, ids=lambda a: " ".join(a) or "(none)")
@pytest.mark.parametrize("api_url", [None, "https://ghe.example.com/api/v3"])
def test_the_fast_path_reads_what_argparse_reads(
    argv: list[str], api_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if api_url is None:
        monkeypatch.delenv("TWSCAN_GITHUB_API_URL", raising=False)
    else:  # a default that comes from the environment
        monkeypatch.setenv("TWSCAN_GITHUB_API_URL", api_url)
    fast = fast_args(["staged", *argv])
    assert fast is not None
    assert vars(fast) == _parsed(argv)


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=lambda a: " ".join(a) or "(empty)")
def test_other_command_lines_go_to_the_parser(argv: list[str]) -> None:
    assert fast_args(["staged", *argv]) is None


@pytest.mark.parametrize("argv", [["scan", "."], ["history"], ["-q", "staged"], []])
def test_other_commands_go_to_the_parser(argv: list[str]) -> None:
    assert fast_args(argv) is None


def test_the_fast_path_gives_each_run_its_own_lists() -> None:
    a, b = fast_args(["staged"]), fast_args(["staged"])
    assert a is not None and b is not None
    a.rules.append("x")
    assert b.rules == []


def test_a_clean_commit_loads_no_parser_typing_or_decoders(tmp_path: Path) -> None:
    """What the hook's speed rests on (issue 12, item 4): measured by the modules a clean
    commit's run leaves loaded, through the console script's own entry point."""
    repo = Repo(tmp_path / "repo")
    repo.commit_file("app.py", "x = 1\n", "init")
    repo.write("app.py", "x = 2\nretries = 3\n")
    repo.git("add", "app.py")
    probe = (
        "import json, sys\n"
        "from twscan.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    first = ["staged"]
    # What twscan loads, not what the interpreter's site does: a .pth file in site-packages
    # runs at every start-up and may import anything (a CI machine's imports certifi, which
    # loads typing). So the probe runs without site (-S), with site's directories on its path
    # instead: the packages are found, and no .pth file runs.
    path = os.pathsep.join([str(REPO), *(p for p in sys.path if p)])
    env = git_env({"PYTHONPATH": path, "TWSCAN_CACHE_DIR": str(tmp_path / "cache")})
    # twice each: the first run of a fresh user cache parses the rules files (tomllib, which
    # imports typing) and writes them there; every later commit reads them back
    for argv in (first, ["staged"], ["staged", "--", "app.py"]):
        proc = subprocess.run(
            [sys.executable, "-S", "-c", probe, *argv],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        code, modules = json.loads(proc.stdout.strip().splitlines()[-1])
        assert code == 0, proc.stderr
        loaded = set(modules)
        if argv is first:
            continue
        for heavy in ("argparse", "typing", "twscan.commands.parser", "twscan.commands.options",
                      "twscan.detect.codec.layers", "shutil", "requests"):
            assert heavy not in loaded, (argv, heavy)
