"""A real headless Chromium for the tests of the HTML report (Debian's chromium and
chromium-driver, which .ci/run installs), driven by Selenium.

In CI (``CI`` set) a missing browser FAILS the tests: the report's promise is that it works in
a browser, and a skipped check would let that go untested without anyone noticing. On a
developer's machine without Chromium the tests skip, saying why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(f"{why}; the browser tests need chromium, chromium-driver and selenium")


def artifacts_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ``TWSCAN_TEST_ARTIFACTS`` for CI to keep, else the test's tmp."""
    d = os.environ.get("TWSCAN_TEST_ARTIFACTS")
    path = Path(d) if d else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium() -> Iterator[Any]:
    """One headless Chromium session (a generator for a module-scoped fixture)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        _unavailable(f"{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium "
                     "chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]' installs it)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Selenium Manager must not go looking for a driver on the internet: it is given one.
    service = Service(executable_path=str(CHROMEDRIVER))
    assert shutil.which(str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def severe_logs(driver: Any) -> list[dict[str, Any]]:
    """The browser console's errors since the last call (reading the log empties it)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
