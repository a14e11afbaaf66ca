"""Directory-scan throughput of twscan against the cost of just reading the files.

Generates (or reuses) a realistic tree with bench/gen_tree.py, then in the same run measures:

  (a) baseline: read every file in Python (os.walk + open(..., "rb").read()), warm cache,
      best and median of --runs;
  (b) ``python -m twscan scan <dir> --format json --output /dev/null`` (exit 1 = findings, fine),
      median of --runs;

and prints MB, seconds and MB/s for each plus the ratio twscan_rate / read_rate.

    python bench/bench_scan.py --size-mb 50
    python bench/bench_scan.py --dir /tmp/tree --keep      # reuse the tree next time
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_tree import GENERATOR_VERSION, MB, generate_tree, load_stamp  # noqa: E402
from machine import compile_bytecode, describe  # noqa: E402


def tree_size(root: Path) -> tuple[int, int]:
    files = nbytes = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            files += 1
            nbytes += os.path.getsize(os.path.join(dirpath, name))
    return files, nbytes


def read_all(root: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as fh:
                total += len(fh.read())
    return total


def time_read(root: Path, runs: int) -> list[float]:
    read_all(root)  # warm the page cache; not timed
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        read_all(root)
        times.append(time.perf_counter() - t0)
    return times


def time_twscan(root: Path, runs: int, extra: list[str]) -> list[float]:
    cmd = [sys.executable, "-m", "twscan", "scan", str(root), "--format", "json"]
    cmd += ["--output", os.devnull, *extra]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            sys.stderr.write(f"twscan exited {proc.returncode} on run {i + 1}:\n")
            sys.stderr.write(proc.stderr[-3000:])
            raise SystemExit(2)
        times.append(elapsed)
    return times


def prepare_tree(args: argparse.Namespace) -> tuple[Path, Path | None, str]:
    """Returns (tree root, temp dir to delete or None, how it was obtained)."""
    if args.dir is not None:
        root = args.dir.resolve()
        stamp = load_stamp(root)
        if (
            stamp is not None
            and stamp.get("version") == GENERATOR_VERSION
            and stamp.get("seed") == args.seed
            and stamp.get("size_mb") == args.size_mb
        ):
            return root, None, "reused"
        if root.exists() and any(root.iterdir()):
            if stamp is None:
                raise SystemExit(f"{root} is not empty and was not made by gen_tree.py")
            shutil.rmtree(root)
        generate_tree(root, args.size_mb, args.seed)
        return root, None, "generated"
    tmp = Path(tempfile.mkdtemp(prefix="twscan-bench-"))
    root = tmp / "tree"
    generate_tree(root, args.size_mb, args.seed)
    return root, tmp, "generated"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark twscan's directory scan.")
    ap.add_argument("--size-mb", type=float, default=300.0, help="tree size (default 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, help="generate into / reuse this directory")
    ap.add_argument("--keep", action="store_true", help="keep the generated tree")
    ap.add_argument(
        "--compare-decoding",
        action="store_true",
        help="also time the scan with decoding layers off (--max-decode-depth 0), same run",
    )
    ap.add_argument("twscan_args", nargs="*", help="extra arguments for twscan (after --)")
    args = ap.parse_args(argv)
    print(describe())
    print(compile_bytecode())

    root, tmp, how = prepare_tree(args)
    try:
        files, nbytes = tree_size(root)
        mb = nbytes / MB
        print(f"tree: {root} ({how}), {files} files, {mb:.1f} MB")

        reads = time_read(root, args.runs)
        scans = time_twscan(root, args.runs, args.twscan_args)

        read_best, read_med = min(reads), statistics.median(reads)
        scan_med = statistics.median(scans)
        read_rate, scan_rate = mb / read_med, mb / scan_med
        print()
        print(f"{'':24} {'MB':>8} {'seconds':>9} {'MB/s':>9}   runs")
        print(
            f"{'baseline read (best)':24} {mb:8.1f} {read_best:9.3f} {mb / read_best:9.1f}   "
            + " ".join(f"{t:.3f}" for t in reads)
        )
        print(f"{'baseline read (median)':24} {mb:8.1f} {read_med:9.3f} {read_rate:9.1f}")
        print(
            f"{'twscan scan (median)':24} {mb:8.1f} {scan_med:9.3f} {scan_rate:9.1f}   "
            + " ".join(f"{t:.3f}" for t in scans)
        )
        print()
        print(f"ratio twscan_rate / read_rate (medians): {scan_rate / read_rate:.3f}")
        print(f"ratio twscan_rate / best read rate:      {scan_rate / (mb / read_best):.3f}")
        if args.compare_decoding:
            plain = time_twscan(root, args.runs, [*args.twscan_args, "--max-decode-depth", "0"])
            plain_med = statistics.median(plain)
            print(
                f"{'twscan, no decoding':24} {mb:8.1f} {plain_med:9.3f} {mb / plain_med:9.1f}   "
                + " ".join(f"{t:.3f}" for t in plain)
            )
            print(f"decoding cost: scan time with / without decoding layers: "
                  f"{scan_med / plain_med:.3f}")
    finally:
        if tmp is not None:
            if args.keep:
                print(f"kept tree at {root}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
