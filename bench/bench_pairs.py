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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import creds  # noqa: E402
from twscan.detect import Detector  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=60000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "export.csv")
        rows = [f"{creds.account_sid()},{creds.auth_token()}" for _ in range(args.rows)]
        path.write_text("sid,token\n" + "\n".join(rows) + "\n")
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
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        cmd = [sys.executable, "-m", "twscan", "scan", str(path), "-o", os.devnull, "-q"]
        best = float("inf")
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, check=False, capture_output=True)
            best = min(best, time.perf_counter() - t0)
        print(f"twscan scan (text report): {best:.2f} s wall (best of {args.runs})")


if __name__ == "__main__":
    main()
