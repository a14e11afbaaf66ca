#!/usr/bin/env python3
"""Benchmark ``twscan history`` against git's own floor, in the same run, on the same repository.

The floor is ``git cat-file --batch-all-objects --batch --unordered > /dev/null``: printing every
object once, in pack order, is the least any history scanner built on git must pay (and is how
``shared/bench/HISTORY-LIMITS.md`` measured it). Without ``--unordered`` git sorts the objects by
id and resolves deltas in random order, which on a well-packed repository is several times
slower; ``--sorted-floor`` also times that variant, for reference only. Runs alternate (floor,
twscan, floor, twscan, ...) so that machine noise hits both alike, and medians are compared.
CPU time: the rusage of each run's waited-for process tree. Memory: the peak resident size of
twscan's main process and the peak PSS of its whole process tree, git included, sampled from
/proc every 20 ms in one extra run (sampling during the timed runs would slow them).
With ``--truth`` (written by gen_repo.py) it also checks recall, precision and placement.
The output names the machine (CPU model, threads per core, vector flags) and the versions;
bytecode is compiled first, as an install leaves it.

A repository whose store lacks objects that its history names (a snapshot without its largest
blobs, say) makes ``twscan history`` exit 2 after writing its report: ``--allow-missing``
accepts that exit when stderr says so, and prints git's account of what is missing (cat-file
skips those objects too, so both sides read the same objects).

    python bench/gen_repo.py /tmp/bench/repo
    python bench/bench_history.py /tmp/bench/repo --truth /tmp/bench/truth.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from machine import compile_bytecode, describe


def _status_kb(pid: int, field: str, name: str = "status") -> int:
    try:
        with open(f"/proc/{pid}/{name}") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS:")


def pss_kb(pid: int) -> int:
    """Proportional set size: a page shared by n processes counts 1/n in each, so the sum over
    a tree is what the tree costs in memory (the pack file git maps into every ``cat-file``
    counts once, not once per process as VmRSS would)."""
    return _status_kb(pid, "Pss:", "smaps_rollup")


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


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the process and everything it started
    code: int
    peak_main_kb: int = 0  # VmRSS of the main process
    peak_tree_kb: int = 0  # PSS summed over the whole process tree, git included


def timed(cmd: list[str], monitor: bool = False, **kw: object) -> Run:
    """Wall and CPU time of one run; with ``monitor``, peak memory too.

    CPU time is the rusage of waited-for children, which includes their own waited-for
    children (workers and git processes). Memory is sampled only with ``monitor``: reading
    /proc for every descendant every 20 ms takes CPU from a scan that keeps both cores busy
    (measured ~0.2 s on twilio-python), so timed runs are not sampled and one extra run
    measures memory.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kw)  # type: ignore[call-overload]
    peak_main = peak_tree = 0
    while monitor and proc.poll() is None:
        peak_main = max(peak_main, rss_kb(proc.pid))
        peak_tree = max(peak_tree, sum(pss_kb(p) for p in descendants(proc.pid)))
        time.sleep(0.02)
    proc.wait()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, proc.returncode, peak_main, peak_tree)


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


def check_exit(code: int, err: str, allow_missing: bool, first: bool) -> None:
    if code in (0, 1):
        return
    if code == 2 and allow_missing and "is missing from the repository" in err:
        if first:
            print(f"note: incomplete repository, accepted with --allow-missing: {err}")
        return
    sys.exit(f"twscan history failed with exit code {code}: {err}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("repo")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--truth", type=Path, help="truth.json from gen_repo.py")
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument(
        "--sorted-floor", action="store_true", help="also time cat-file without --unordered"
    )
    ap.add_argument(
        "--allow-missing",
        action="store_true",
        help="accept exit 2 when the only error is objects missing from the store",
    )
    args = ap.parse_args()
    print(describe())
    print(compile_bytecode())
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
    floors: list[Run] = []
    runs: list[Run] = []
    report = None
    for i in range(args.runs):
        with open(os.devnull, "wb") as null:
            floor = timed(floor_cmd, stdout=null)
        floors.append(floor)
        # files, not pipes: nothing reads them meanwhile
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            run = timed(twscan_cmd, stdout=out, stderr=err)
            out.seek(0)
            report_text = out.read()
            err.seek(0)
            err_text = err.read().decode("utf-8", "replace").strip()
        check_exit(run.code, err_text, args.allow_missing, first=i == 0)
        runs.append(run)
        report = json.loads(report_text)
        print(
            f"run {i + 1}: cat-file {floor.wall:6.2f} s ({floor.cpu:5.1f} CPU-s)   "
            f"twscan history {run.wall:6.2f} s ({run.cpu:5.1f} CPU-s)   "
            f"ratio {run.wall / floor.wall:.2f}"
        )
    f_med = statistics.median(r.wall for r in floors)
    t_med = statistics.median(r.wall for r in runs)
    f_cpu = statistics.median(r.cpu for r in floors)
    t_cpu = statistics.median(r.cpu for r in runs)
    with open(os.devnull, "wb") as null:
        mem = timed(twscan_cmd, monitor=True, stdout=null, stderr=null)
    print(
        f"median: cat-file {f_med:.2f} s, twscan history {t_med:.2f} s, "
        f"ratio {t_med / f_med:.2f} (target <= 1.25); "
        f"CPU {t_cpu:.1f} s against cat-file's {f_cpu:.1f} s ({t_cpu / f_cpu:.2f}x)"
    )
    print(
        "peak memory (one more run, sampled every 20 ms): main process "
        f"{mem.peak_main_kb / 1024:.0f} MB RSS; whole process tree, git included, "
        f"{mem.peak_tree_kb / 1024:.0f} MB PSS "
        "(target <= 400)"
    )
    if args.sorted_floor:
        with open(os.devnull, "wb") as null:
            wall = timed(floor_cmd[:-1], stdout=null).wall
        print(
            f"cat-file --batch-all-objects --batch (sorted, no --unordered): {wall:.2f} s, "
            f"ratio {t_med / wall:.2f}"
        )
    if args.truth and report is not None:
        check_truth(report, args.truth)


if __name__ == "__main__":
    main()
