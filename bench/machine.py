"""What every benchmark prints about where it ran, and how it makes the code what users run.

A figure from one machine does not transfer to another: CPUs differ in speed, in threads per
core and in vector extensions (a Hyperscan built with a fat runtime picks its code path by them;
the PyPI wheel holds SSE code only), and git and Python differ by version. So each benchmark
names the CPU model, its cores and threads per core, those flags, and the versions, beside
ratios against a baseline timed in the same run.

An installed package has its bytecode compiled (pip does it at install time); a checkout run
with ``PYTHONDONTWRITEBYTECODE`` set (some shells do) would compile every module again in every
timed process and measure that instead. :func:`compile_bytecode` writes the ``.pyc`` files
first, as an install leaves them; ``compileall`` writes them whatever that variable says.
"""

from __future__ import annotations

import compileall
import os
import platform
import subprocess
import sys
from pathlib import Path

#: The vector extensions worth naming: what a fat-runtime Hyperscan or zlib may pick code by.
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "bmi2", "avx512f", "avx512bw", "avx512vl", "avx512vbmi")


def cpu() -> str:
    """``model, N cores, flags``, read from /proc/cpuinfo (Linux) or ``platform`` elsewhere."""
    model, flags = "", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and not model:
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    model = model or platform.processor() or platform.machine() or "unknown CPU"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    vec = [f for f in VECTOR_FLAGS if f in flags]
    shown = " ".join(vec) or "none of " + " ".join(VECTOR_FLAGS)
    return f"{model}, {cores} cores{_smt()}, flags: {shown}"


def _smt() -> str:
    """Whether the cores are hyperthreads of fewer physical cores: two processes on two
    siblings get ~1.3x one core's work done, not 2x, which a ratio against a single-threaded
    baseline (git cat-file) shows at once."""
    try:
        with open("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list") as f:
            siblings = f.read().strip()
    except OSError:
        return ""
    n = sum(
        int(b) - int(a) + 1 if "-" in part else 1
        for part in siblings.split(",")
        for a, _, b in [part.partition("-")]
    )
    return f" ({n} threads per physical core)" if n > 1 else " (1 thread per core)"


def versions() -> str:
    try:
        git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        git = "git not found"
    try:
        import hyperscan  # type: ignore[import-not-found]

        hs = f"hyperscan {hyperscan.__version__}"
    except Exception:  # noqa: BLE001 - absent or broken: the stdlib gate runs
        hs = "no hyperscan (standard-library gate)"
    return (
        f"Python {platform.python_version()}, {git}, {hs}, {platform.system()} {platform.release()}"
    )


def describe() -> str:
    return f"machine: {cpu()}\n         {versions()}"


def compile_bytecode() -> str:
    """Compile twscan's modules as ``pip install`` would, and say so in the output."""
    repo = Path(__file__).resolve().parent.parent
    import importlib.util

    spec = importlib.util.find_spec("twscan")
    pkg = Path(spec.origin).parent if spec and spec.origin else repo / "twscan"
    compileall.compile_dir(pkg, quiet=1)
    note = "bytecode: compiled first (as an install leaves it)"
    if os.environ.get("PYTHONDONTWRITEBYTECODE") or sys.dont_write_bytecode:
        note += "; PYTHONDONTWRITEBYTECODE is set here, which only stops writing, not reading"
    return note
