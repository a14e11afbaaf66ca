#!/usr/bin/env python3
"""Measure the commit hook's latency: ``twscan staged`` on a one-file commit.

Prints the median wall time of ``twscan staged`` beside ``python -c pass`` and
``git diff --cached`` measured in the same run (the floor a Python hook cannot go under, and
git's own cost), interleaved so machine noise hits all three alike. Target: <= 80 ms.

    python bench/bench_hook.py            # a scratch repository of 2,000 files
    python bench/bench_hook.py --runs 51 --files 5000
"""

from __future__ import annotations

import argparse
import compileall
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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
    """The console script a hook runs, when installed beside this Python; else ``-m twscan``."""
    script = Path(sys.executable).with_name("twscan")
    if script.exists() and not os.environ.get("PYTHONPATH"):
        return [str(script), "staged"]
    return [sys.executable, "-m", "twscan", "staged"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=31)
    ap.add_argument("--files", type=int, default=2000)
    args = ap.parse_args()
    # An installed package has its bytecode compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would recompile every module on every run and measure that.
    import twscan

    compileall.compile_dir(Path(twscan.__file__).parent, quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="twscan-hook-bench-"))
    try:
        repo = make_repo(tmp, args.files)
        target = repo / "pkg0" / "module_0.py"
        target.write_text(target.read_text() + "retries = 3\n")
        git(repo, "add", str(target))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "git diff --cached": ["git", "diff", "--cached", "--raw"],
            "twscan staged (clean)": twscan_command(),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        codes: dict[str, set[int]] = {name: set() for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                start = time.perf_counter()
                proc = subprocess.run(cmd, cwd=repo, capture_output=True, check=False)
                times[name].append(time.perf_counter() - start)
                codes[name].add(proc.returncode)

        # the same commit with a credential in it: what a refused commit costs
        tok = secrets.token_hex(16)  # fresh, never a literal
        target.write_text(target.read_text() + f"TWILIO_AUTH_TOKEN={tok}\n")
        git(repo, "add", str(target))
        blocked: list[float] = []
        block_codes: set[int] = set()
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(twscan_command(), cwd=repo, capture_output=True, check=False)
            blocked.append(time.perf_counter() - start)
            block_codes.add(proc.returncode)
        times["twscan staged (secret)"] = blocked
        codes["twscan staged (secret)"] = block_codes

        print(f"{args.runs} runs each, {args.files} files in the repository, one file staged")
        for name, ts in times.items():
            med = statistics.median(ts) * 1000
            print(f"  {name:24s} median {med:6.1f} ms   exit {sorted(codes[name])}")
        floor = statistics.median(times["python -c pass"]) * 1000
        for case in ("clean", "secret"):
            hook = statistics.median(times[f"twscan staged ({case})"]) * 1000
            print(
                f"twscan staged ({case}): {hook:.1f} ms, {hook - floor:.1f} ms above "
                f"`python -c pass` (target <= 80 ms)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
