"""Pairing cost on a ``sid,token`` CSV export: the file of issue 11, item 11.

Generates ROWS rows of fresh fake Account SIDs and Auth Tokens (tests/creds.py), then reports
the best of --runs for (a) ``Detector.scan_bytes`` alone (CPU time, so that other load on a
shared machine counts less) and (b) the whole CLI, ``python -m twscan scan FILE -o /dev/null``
(wall clock).

    python bench/bench_pairs.py --rows 60000
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine import compile_bytecode, describe  # noqa: E402

from tests import creds  # noqa: E402
from twscan.detect.engine import Detector  # noqa: E402


def cli_best(path: Path, runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "twscan", "scan", str(path), "-o", os.devnull, "-q"]
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=False, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=60000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(describe())
    print(compile_bytecode())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "export.csv")
        rows = [f"{creds.account_sid()},{creds.auth_token()}" for _ in range(args.rows)]
        path.write_text("sid,token\n" + "\n".join(rows) + "\n")
        # The baseline: a CSV of the same size and shape whose values are not credentials.
        benign = Path(tmp, "benign.csv")
        other = [f"id-{secrets.token_hex(15)},{secrets.token_hex(15)}-x" for _ in rows]
        benign.write_text("name,value\n" + "\n".join(other) + "\n")
        data = path.read_bytes()
        det = Detector.load()
        det.scan_bytes(b"warm-up", "x")
        best = float("inf")
        n = 0
        for _ in range(args.runs):
            t0 = time.process_time()
            n = len(det.scan_bytes(data, "export.csv"))
            best = min(best, time.process_time() - t0)
        print(f"{len(data) / 1e6:.1f} MB, {args.rows} rows, {n} findings")
        print(f"scan_bytes: {best:.2f} s CPU (best of {args.runs})")
        hostile, calm = cli_best(path, args.runs), cli_best(benign, args.runs)
        print(f"twscan scan, credentials: {hostile:.2f} s wall (best of {args.runs})")
        print(f"twscan scan, same size without credentials: {calm:.2f} s wall")
        print(f"ratio: {hostile / calm:.1f}x the benign file of the same size")


if __name__ == "__main__":
    main()
