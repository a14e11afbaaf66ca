#!/usr/bin/env python3
"""Benchmark ``twscan history`` against git's own floor, in the same run, on the same repository.

The floor is ``git cat-file --batch-all-objects --batch --unordered > /dev/null``: printing every
object once, in pack order, is the least any history scanner built on git must pay (and is how
``shared/bench/HISTORY-LIMITS.md`` measured it). Without ``--unordered`` git sorts the objects by
id and resolves deltas in random order, which on a well-packed repository is several times
slower; ``--sorted-floor`` also times that variant, for reference only. Runs alternate (floor,
twscan, floor, twscan, ...) so that machine noise hits both alike, and medians are compared.
Memory: the peak resident size of twscan's main process and of main + worker processes together,
sampled from /proc every 20 ms in one extra run (sampling during the timed runs would slow them).
With ``--truth`` (written by gen_repo.py) it also checks recall, precision and placement.

    python bench/gen_repo.py /tmp/bench/repo
    python bench/bench_history.py /tmp/bench/repo --truth /tmp/bench/truth.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    out = [pid]
    i = 0
    while i < len(out):
        try:
            with open(f"/proc/{out[i]}/task/{out[i]}/children") as f:
                out.extend(int(x) for x in f.read().split())
        except OSError:
            pass
        i += 1
    return out


def is_python(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().startswith("python")
    except OSError:
        return False


def timed(
    cmd: list[str], monitor: bool = False, **kw: object
) -> tuple[float, int, int, subprocess.CompletedProcess[bytes]]:
    """Wall time, peak RSS of the process, peak RSS summed over its Python processes (KiB).

    The git processes are left out of the sum: most of their resident size is the pack file
    mapped into each of them (shared pages, which VmRSS counts once per process).

    Memory is sampled only with ``monitor``: reading /proc for every descendant every 20 ms
    takes CPU from a scan that keeps both cores busy (measured ~0.2 s on twilio-python), so
    timed runs are not sampled and one extra run measures memory.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kw)  # type: ignore[call-overload]
    peak_main = peak_tree = 0
    if not monitor:
        proc.wait()
        return time.perf_counter() - start, 0, 0, subprocess.CompletedProcess(cmd, proc.returncode)
    while proc.poll() is None:
        peak_main = max(peak_main, rss_kb(proc.pid))
        tree = sum(rss_kb(p) for p in descendants(proc.pid) if is_python(p))
        peak_tree = max(peak_tree, tree)
        time.sleep(0.02)
    wall = time.perf_counter() - start
    return wall, peak_main, peak_tree, subprocess.CompletedProcess(cmd, proc.returncode)


def check_truth(report: dict[str, object], truth_path: Path) -> None:
    truth = json.loads(truth_path.read_text())["planted"]
    findings = report["findings"] if isinstance(report, dict) else report
    assert isinstance(findings, list)
    # Reports never hold secrets; the raw value is needed only to compare with the ground truth,
    # and is hashed at once.
    got = {hashlib.sha256(f["secret"].encode()).hexdigest(): f for f in findings}
    found = placed = 0
    for t in truth:
        f = got.get(t["secret_sha256"])
        status = "MISSED"
        if f is not None:
            found += 1
            status = "found, wrong commit"
            if f.get("commit") == t["commit"]:
                placed += 1
                status = "found at its commit"
        print(f"  {t['where']:18s} {status}")
    planted = {t["secret_sha256"] for t in truth}
    extra = [f for h, f in got.items() if h not in planted]
    print(
        f"recall {found}/{len(truth)}, placed {placed}/{len(truth)}, "
        f"precision {found}/{found + len(extra)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("repo")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--truth", type=Path, help="truth.json from gen_repo.py")
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument(
        "--sorted-floor", action="store_true", help="also time cat-file without --unordered"
    )
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)

    floor_cmd = ["git", "-C", repo, "cat-file", "--batch-all-objects", "--batch", "--unordered"]
    twscan_cmd = [sys.executable, "-m", "twscan", "history", "--repo", repo, "--quiet"]
    twscan_cmd += ["--format", "json", "--show-secrets"] if args.truth else ["--format", "json"]
    if args.jobs:
        twscan_cmd += ["--jobs", str(args.jobs)]

    size = subprocess.run(
        ["git", "-C", repo, "count-objects", "-v"], capture_output=True, text=True, check=True
    ).stdout
    print(f"repository {repo}\n{size.strip()}")
    subprocess.run(floor_cmd, stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    floors: list[float] = []
    walls: list[float] = []
    report = None
    for i in range(args.runs):
        with open(os.devnull, "wb") as null:
            f_wall, _, _, _ = timed(floor_cmd, stdout=null)
        floors.append(f_wall)
        with tempfile.TemporaryFile() as out:  # a file, not a pipe: nothing reads it meanwhile
            wall, _, _, res = timed(twscan_cmd, stdout=out)
            out.seek(0)
            report_text = out.read()
        if res.returncode not in (0, 1):
            sys.exit(f"twscan history failed with exit code {res.returncode}")
        walls.append(wall)
        report = json.loads(report_text)
        print(
            f"run {i + 1}: cat-file {f_wall:6.2f} s   twscan history {wall:6.2f} s   "
            f"ratio {wall / f_wall:.2f}"
        )
    f_med, t_med = statistics.median(floors), statistics.median(walls)
    with open(os.devnull, "wb") as null:
        _, main_kb, tree_kb, _ = timed(twscan_cmd, monitor=True, stdout=null)
    print(
        f"median: cat-file {f_med:.2f} s, twscan history {t_med:.2f} s, "
        f"ratio {t_med / f_med:.2f} (target <= 1.25); "
        f"peak rss main {main_kb / 1024:.0f} MB (target <= 300), "
        f"main + workers {tree_kb / 1024:.0f} MB (one more run, sampled every 20 ms)"
    )
    if args.sorted_floor:
        with open(os.devnull, "wb") as null:
            wall, _, _, _ = timed(floor_cmd[:-1], stdout=null)
        print(
            f"cat-file --batch-all-objects --batch (sorted, no --unordered): {wall:.2f} s, "
            f"ratio {t_med / wall:.2f}"
        )
    if args.truth and report is not None:
        check_truth(report, args.truth)


if __name__ == "__main__":
    main()
