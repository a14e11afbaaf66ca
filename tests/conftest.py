from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from twscan.detect.engine import Detector

REPO = Path(__file__).resolve().parent.parent
#: Files the tests read (schemas): found from here, not from each test module's own place.
DATA = REPO / "tests" / "data"

# A user's own rule, as the README shows one: a literal prefix, a class run, its example.
ACME_RULES = """\
[[rules]]
id = "acme-internal-key"
title = "ACME internal API key"
kind = "acme-key"
severity = "high"
pattern = 'acme_[0-9a-f]{24}'
examples = ['ACME_KEY=acme_0f1e2d3c4b5a69788796a5b4']
"""


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user cache (parsed rules files, compiled gates) of this test session, not the home
    directory's: tests load rules files from paths that exist once, and each would leave an
    entry behind. A test may still point TWSCAN_CACHE_DIR elsewhere for itself."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TWSCAN_CACHE_DIR", str(tmp_path_factory.mktemp("user-cache")))
        yield


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector.load()


def run_twscan(
    *args: str, cwd: Path | str | None = None, input: bytes | None = None,
    env: Mapping[str, str] | None = None, base_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real command line in a child process; ``base_env`` replaces the inherited one."""
    base = os.environ if base_env is None else base_env
    full_env = {**base, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "LANG": "C.UTF-8"}
    full_env.pop("LC_ALL", None)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "twscan", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        env=full_env,
        timeout=300,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture
def twscan() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_twscan
