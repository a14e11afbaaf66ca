#!/usr/bin/env python3
"""Benchmark ``twscan audit`` over several repositories, against git's floor, in the same run.

Three figures, each a ratio against a baseline measured in this run:

* **first audit** (fresh datastore, fresh mirrors: ``git clone --mirror`` included) against the
  sum over the repositories of ``git cat-file --batch-all-objects --batch --unordered >
  /dev/null``, the least any scanner built on git pays to read every object once; and the same
  audit once the mirrors exist (a new datastore), which is the scan without the clone (a clone
  resolves and hashes every object once more on the receiving side, index-pack, and is
  network-bound for a remote repository anyway);
* **re-audit of the unchanged set** against the first audit (the issue's target: <= 10 %);
* **re-audit after one new commit in one repository** against the first audit.

Repositories are generated with gen_repo.py (``--repos N``, ``--commits``, ``--size-mb`` each)
or given as paths. The output names the machine; bytecode is compiled first, as an install
leaves it.

    python bench/bench_audit.py --repos 4 --size-mb 100
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import compile_bytecode, describe

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _floor(repo: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch", "--unordered"],
        stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def _audit(work: Path, repos: list[Path], db: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TWSCAN_AUDIT_SALT": "bench"}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "twscan", "audit", "-q", "--mirror-dir", str(work / "mirrors"),
         "--db", str(db), "-o", os.devnull, *map(str, repos)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"twscan audit failed ({proc.returncode}): {proc.stderr.strip()}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path, help="repositories (default: generate them)")
    ap.add_argument("--repos", type=int, default=4, help="how many to generate")
    ap.add_argument("--commits", type=int, default=400)
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3, help="floor and re-audit repetitions")
    args = ap.parse_args()
    print(describe())
    print(compile_bytecode())
    work = Path(tempfile.mkdtemp(prefix="twscan-bench-audit-"))
    try:
        repos = list(args.paths)
        if not repos:
            for i in range(args.repos):
                target = work / "src" / f"repo{i}"
                subprocess.run(
                    [sys.executable, str(HERE / "gen_repo.py"), str(target), "--commits",
                     str(args.commits), "--size-mb", str(args.size_mb), "--seed", str(10 + i)],
                    check=True, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                repos.append(target)
        floor = min(sum(_floor(r) for r in repos) for _ in range(args.runs))
        db = work / "audit.sqlite"
        first = _audit(work, repos, db)
        # the same first audit with the mirrors already made: the scan without the clone
        scan_only = _audit(work, repos, work / "fresh.sqlite")
        again = sorted(_audit(work, repos, db) for _ in range(args.runs))[args.runs // 2]
        changed = None
        if not args.paths:  # never commit into a repository the user named
            one = repos[0]
            ident = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
            subprocess.run(["git", "-C", str(one), *ident, "commit", "-q", "--allow-empty",
                            "-m", "one more"], check=True)  # fmt: skip
            changed = _audit(work, repos, db)
        print(f"repositories: {len(repos)}")
        print(f"floor (sum of cat-file --batch-all-objects): {floor:.2f} s")
        print(f"first audit (clone --mirror included):       {first:.2f} s  = "
              f"{first / floor:.2f}x the floor")  # fmt: skip
        print(f"  of which scanning (mirrors made, new datastore): {scan_only:.2f} s  = "
              f"{scan_only / floor:.2f}x the floor")  # fmt: skip
        print(f"re-audit, nothing changed (median of {args.runs}):  {again:.2f} s  = "
              f"{100 * again / first:.1f} % of the first audit")  # fmt: skip
        if changed is not None:
            print(f"re-audit after one commit in one repository: {changed:.2f} s  = "
                  f"{100 * changed / first:.1f} % of the first audit")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
