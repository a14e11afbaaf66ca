"""The HTML audit report (issue 13, item 6): one self-contained file, safe with hostile names,
ordered by risk, and working in a real browser (headless Chromium via Selenium).

Repository names, paths, authors and commit metadata come from whoever controls a scanned
repository, so the hostile cases here are the ordinary threat, not a curiosity.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests import creds
from tests.browser import artifacts_dir, chromium, severe_logs
from twscan.core.messages import EN, JA
from twscan.core.redact import redact
from twscan.reports.html import CSP, PAGE, render, risk_order

HOSTILE_REPO = 'evil/<script>alert(1)</script>'
HOSTILE_PATH = '"onmouseover=alert(2) x=".env'
HOSTILE_AUTHOR = "</script><script>window.__pwned=1</script>"
HOSTILE_TITLE = "<img src=x onerror=window.__pwned=2>"
RLO_PATH = "cfg/\u202evne.txt"
LS_AUTHOR = "Mallory\u2028Line"
RAW_CHARS = ("\u202e", "\u2028", "\u2066", "\x1b")


def _place(repo: str, path: str, date: str, in_head: bool, author: str = "Dev") -> dict[str, Any]:
    return {"repo": repo, "path": path, "commit": "0123456789abcdef" * 2 + "01234567",
            "author": author, "date": date, "in_head": in_head}


def incident(n: int, *, kind: str = "auth-token", severity: str = "critical",
             live: str | None = None, exposed: bool | None = None, in_head: bool = False,
             new: bool = False, repo: str = "org/api", path: str = "config/.env",
             places: int = 1, date: str = "2024-05-01T10:00:00+02:00",
             author: str = "Dev", title: str = "Twilio Auth Token",
             secret: str | None = None) -> dict[str, Any]:
    raw = secret or creds.auth_token()
    pl = [_place(repo if k == 0 else f"{repo}-{k}", path, date, in_head, author)
          for k in range(places)]
    return {
        "id": f"i-{n:04d}", "kind": kind, "secret_kind": "auth-token", "severity": severity,
        "title": title, "secret": redact(raw), "secret_hash": f"h{n}",
        "remediation": "auth-token", "live": live, "exposed": exposed, "in_head": in_head,
        "new": new, "first": dict(pl[0]), "places": pl,
    }


def document(incidents: list[dict[str, Any]], repos: list[dict[str, Any]] | None = None
             ) -> dict[str, Any]:
    repos = repos if repos is not None else [
        {"name": "org/api", "url": "https://github.com/org/api.git", "status": "ok",
         "error": None, "findings": 3, "incidents": 2, "last_scanned": "2026-12-02T00:59:00Z"},
        {"name": "org/broken", "url": "file:///nowhere/broken", "status": "failed",
         "error": "not found", "findings": 0, "incidents": 0, "last_scanned": None},
    ]
    return {
        "version": 1, "tool": {"name": "twscan", "version": "0.1.0"},
        "generated": "2026-12-02T01:00:00Z", "repositories": repos, "incidents": incidents,
        "findings": [],
        "summary": {"repositories": len(repos), "failed": 1, "incidents": len(incidents),
                    "findings": 7, "new": sum(1 for i in incidents if i["new"])},
    }


def sample() -> dict[str, Any]:
    """Every tier and severity, several months, and hostile values in every free-text field."""
    return document([
        incident(1, severity="low", in_head=False, date="2023-01-15T00:00:00Z"),
        incident(2, severity="high", in_head=True, repo=HOSTILE_REPO, path=HOSTILE_PATH,
                 author=HOSTILE_AUTHOR, title=HOSTILE_TITLE, places=3, new=True,
                 date="2023-03-02T00:00:00Z"),
        incident(3, kind="credential-pair", severity="critical", live="live", in_head=False,
                 date="2024-05-01T10:00:00+02:00", places=2, title="Twilio Account SID with its Auth Token"),
        incident(4, kind="api-key-secret", severity="critical", exposed=True, in_head=True,
                 path=RLO_PATH, author=LS_AUTHOR, date="2024-05-20T00:00:00Z"),
        incident(5, kind="account-sid", severity="medium", in_head=True, repo="org/web",
                 path="src/app.js", date="2023-03-30T00:00:00Z", places=5),
        incident(6, severity="critical", in_head=False, live="invalid", repo="org/web",
                 path="old/settings.py", date="not a date"),
    ])


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._in: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = (tag, dict(attrs))

    def handle_data(self, data: str) -> None:
        if self._in and self._in[0] == "script":
            self.scripts.append((self._in[1], data))
        elif self._in:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    t.close()
    return t


def data_block(html: str) -> Any:
    m = re.search(r'<script type="application/json" id="twscan-data">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1))


# ---------------------------------------------------------------- pure Python


def test_hostile_values_are_escaped_everywhere() -> None:
    html = render(sample())
    tags = parse(html)
    # Exactly the report's own two scripts: the data block and the code.
    assert [a.get("type") for t, a in tags.tags if t == "script"] == ["application/json", None]
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "window.__pwned=1</script>" not in html
    for tag, attrs in tags.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
    for c in RAW_CHARS:
        assert c not in html, f"raw {c!r} in the report"
    # Shown as text, visibly.
    assert "evil/&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;onmouseover=alert(2) x=&quot;.env" in html
    assert "cfg/\\u202evne.txt" in html and "Mallory\\u2028Line" in html
    # The data block still parses, holds the value whole, and contains no markup at all.
    block = html.split('id="twscan-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    data = data_block(html)
    authors = {p[3] for inc in data["incidents"] for p in inc["p"]}
    assert HOSTILE_AUTHOR in authors and "Mallory\\u2028Line" in authors


def test_incidents_are_ordered_by_risk_then_severity_and_stable() -> None:
    incs = [
        incident(1, severity="low", in_head=False),
        incident(2, severity="critical", in_head=False),
        incident(3, severity="medium", in_head=True),
        incident(4, severity="low", exposed=True),
        incident(5, severity="high", live="live"),
        incident(6, severity="critical", in_head=True),
        incident(7, severity="low", live="live", exposed=True),
        incident(8, severity="critical", exposed=True, in_head=True),
        incident(9, severity="critical", in_head=False, live="invalid"),
    ]
    expected = ["i-0005", "i-0007", "i-0008", "i-0004", "i-0006", "i-0003", "i-0002",
                "i-0009", "i-0001"]
    assert [i["id"] for i in risk_order(incs)] == expected
    html = render(document(incs))
    assert re.findall(r'<tr class="inc [^"]*" data-i="\d+" data-id="([^"]+)"', html) == expected


def test_no_resource_is_loaded_from_anywhere_and_the_csp_forbids_it() -> None:
    html = render(sample())
    tags = parse(html)
    csp = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1 and csp[0]["content"] == CSP
    assert "default-src 'none'" in CSP and "img-src data:" in CSP
    assert html.index("Content-Security-Policy") < html.index("<style>")
    for tag, attrs in tags.tags:
        for name, value in attrs.items():
            if value and re.search(r"(?i)(https?:)?//", value) and name not in ("content", "title"):
                assert tag == "a" and name == "href", (tag, name, value)
                assert attrs.get("rel") == "noopener noreferrer", attrs
                assert value.startswith("https://github.com/"), value
        if tag in ("img", "iframe", "object", "embed", "link", "source", "audio", "video",
                   "base", "form"):
            assert tag == "link" and attrs.get("href") == "data:,", (tag, attrs)
    links = [a["href"] for t, a in tags.tags if t == "a"]
    assert links == ["https://github.com/org/api"]  # the GitHub repository, nothing else
    for css in tags.styles:
        assert "url(" not in css and "@import" not in css
    code = [s for a, s in tags.scripts if a.get("type") is None]
    assert len(code) == 1
    for word in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon",
                 "import(", ".src=", "innerHTML", "eval(", "Function("):
        assert word not in code[0], word


def test_only_the_redacted_values_appear() -> None:
    doc = sample()
    raw = [creds.auth_token(), creds.api_secret()]
    # A document that went wrong somewhere: a raw value where a redacted one belongs, and raw
    # values in fields the report has no business showing.
    doc["incidents"][0]["secret"] = raw[0]
    doc["incidents"][1]["secret_hash"] = raw[1]
    doc["findings"] = [{"repo": "org/api", "secret": raw[1], "raw": raw[0]}]
    html = render(doc)
    for r in raw:
        assert r not in html
        assert r[2:-4] not in html
    assert redact(raw[0]) in html
    for inc in doc["incidents"][1:]:
        assert inc["secret"] in html


def test_zero_incidents_says_so() -> None:
    html = render(document([]))
    assert EN["html.inc.none"].format(repos=2) in html
    assert 'id="inc-table"' not in html
    assert data_block(html)["incidents"] == []
    assert JA["html.inc.none"].format(repos=2) in render(document([]), lang="ja")


def test_timeline_counts_incidents_per_month_of_introduction() -> None:
    html = render(sample())
    bars = dict(re.findall(r'<rect class="bar" data-month="([^"]+)" data-count="(\d+)"', html))
    # 2023-01 .. 2024-05 continuous; one undated incident is counted apart.
    assert len(bars) == 17
    assert bars["2023-01"] == "1" and bars["2023-03"] == "2" and bars["2024-05"] == "2"
    assert bars["2023-02"] == "0"
    assert EN["html.timeline.undated"].format(count=1) in html


def test_both_languages_are_embedded_for_the_switch() -> None:
    i18n = data_block(render(sample()))["i18n"]
    assert i18n["en"]["remediation.auth-token"] == EN["remediation.auth-token"]
    assert i18n["ja"]["remediation.auth-token"] == JA["remediation.auth-token"]
    assert set(i18n["en"]) == set(i18n["ja"])
    assert '<html lang="ja">' in render(sample(), lang="ja")


# ---------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    yield from chromium()


@pytest.fixture(scope="module")
def page(driver: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(sample()), encoding="utf-8")
    driver.get(path.as_uri())
    return driver


def visible_ids(d: Any) -> list[str]:
    return d.execute_script(
        "return Array.from(document.querySelectorAll('#inc-body tr.inc'))"
        ".filter(function(r){return !r.hidden}).map(function(r){return r.dataset.id})")


def by(css: str) -> tuple[str, str]:
    return ("css selector", css)


def test_browser_renders_every_incident_and_no_hostile_value_runs(page: Any) -> None:
    assert page.title == EN["html.title"]
    ids = visible_ids(page)
    assert ids == [i["id"] for i in risk_order(sample()["incidents"])]
    assert page.execute_script("return window.__pwned === undefined")
    text = page.find_element(*by("#inc-body")).text
    assert HOSTILE_REPO in text and HOSTILE_PATH in text and HOSTILE_AUTHOR in text
    assert HOSTILE_TITLE in text
    repos = page.find_elements(*by("table.repos tbody tr"))
    assert [r.get_attribute("class") for r in repos] == ["failed", "ok"]
    assert "not found" in repos[0].text
    assert page.find_element(*by("#sum-incidents b")).text == "6"
    assert severe_logs(page) == []


def test_browser_filter_narrows_the_rows(page: Any) -> None:
    box = page.find_element(*by("#f-text"))
    box.clear()
    box.send_keys("org/web")
    assert visible_ids(page) == ["i-0005", "i-0006"]
    assert "2" in page.find_element(*by("#shown")).text
    box.clear()
    box.send_keys("<script>")  # a place's repository, matched as text
    assert visible_ids(page) == ["i-0002"]
    box.send_keys("\ue003" * 20)  # backspace it all
    box.clear()
    page.execute_script("document.getElementById('f-text').dispatchEvent(new Event('input'))")
    assert len(visible_ids(page)) == 6
    crit = page.find_element(*by("input.f-sev[value=critical]"))
    crit.click()
    assert visible_ids(page) == ["i-0002", "i-0005", "i-0001"]
    crit.click()
    page.find_element(*by("#f-new")).click()
    assert visible_ids(page) == ["i-0002"]
    page.find_element(*by("#f-new")).click()
    page.find_element(*by("input.f-tier[value='3']")).click()  # history only off
    assert visible_ids(page) == ["i-0003", "i-0004", "i-0002", "i-0005"]
    page.find_element(*by("input.f-tier[value='3']")).click()
    box.send_keys("nothing matches this")
    assert visible_ids(page) == []
    assert page.find_element(*by("#nomatch")).is_displayed()
    box.clear()
    page.execute_script("document.getElementById('f-text').dispatchEvent(new Event('input'))")
    assert len(visible_ids(page)) == 6
    assert severe_logs(page) == []


def test_browser_header_click_sorts(page: Any) -> None:
    def places() -> list[int]:
        return [int(x) for x in page.execute_script(
            "return Array.from(document.querySelectorAll('#inc-body tr.inc'))"
            ".map(function(r){return r.children[4].textContent})")]

    btn = page.find_element(*by("button.sort[data-sort=n]"))
    btn.click()
    assert places() == sorted(places()) and places()[0] == 1
    assert btn.find_element("xpath", "..").get_attribute("aria-sort") == "ascending"
    btn.click()
    assert places() == sorted(places(), reverse=True) and places()[0] == 5
    page.find_element(*by("button.sort[data-sort=t]")).click()
    # Oldest introduction first; the undated incident last.
    assert visible_ids(page) == ["i-0001", "i-0002", "i-0005", "i-0003", "i-0004", "i-0006"]
    page.find_element(*by("button.sort[data-sort=i]")).click()
    assert visible_ids(page) == [i["id"] for i in risk_order(sample()["incidents"])]
    assert severe_logs(page) == []


def test_browser_expands_an_incident_and_switches_language(page: Any) -> None:
    row = page.find_element(*by("#inc-body tr.inc[data-id=i-0003]"))
    row.find_element(*by("button.x")).click()
    det = page.find_element(*by("#inc-body tr.det"))
    assert len(det.find_elements(*by("table.places tbody tr"))) == 2
    rem = det.find_element(*by(".rem"))
    assert rem.text.splitlines()[0] == EN["remediation.auth-token"].splitlines()[0]
    page.find_element(*by("button.lang[data-lang=ja]")).click()
    assert rem.text.splitlines()[0] == JA["remediation.auth-token"].splitlines()[0]
    assert page.execute_script("return document.documentElement.lang") == "ja"
    assert page.find_element(*by("#incidents h2")).text == JA["html.inc.heading"]
    assert page.find_element(*by("#f-text")).get_attribute("placeholder") == JA["html.filter.text"]
    assert JA["html.inc.shown"].format(shown=6, total=6) == page.find_element(*by("#shown")).text
    page.find_element(*by("button.lang[data-lang=en]")).click()
    assert rem.text.splitlines()[0] == EN["remediation.auth-token"].splitlines()[0]
    row.find_element(*by("button.x")).click()
    assert not det.is_displayed()
    assert severe_logs(page) == []


def test_browser_timeline_has_bars_and_the_page_is_screenshotted(
    page: Any, tmp_path: Path
) -> None:
    bars = page.find_elements(*by("svg.timeline rect.bar"))
    assert len(bars) == 17
    heights = [float(b.get_attribute("height")) for b in bars]
    assert max(heights) > 0 and heights.count(0) == 17 - 3  # 2023-01, 2023-03, 2024-05
    shot = artifacts_dir(tmp_path) / "html-report.png"
    assert page.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    assert severe_logs(page) == []


def test_browser_zero_incidents(driver: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text(render(document([])), encoding="utf-8")
    driver.get(path.as_uri())
    assert EN["html.inc.none"].format(repos=2) in driver.find_element(*by("#incidents")).text
    driver.find_element(*by("button.lang[data-lang=ja]")).click()
    assert JA["html.inc.none"].format(repos=2) in driver.find_element(*by("#incidents")).text
    assert severe_logs(driver) == []


def test_browser_five_thousand_incidents(driver: Any, tmp_path: Path) -> None:
    """Thousands of incidents stay usable: loading, filtering and sorting 5,000 rows must
    finish well inside a generous bound (they take well under a second here; O(n^2) DOM work
    would take minutes)."""
    sevs = ("critical", "high", "medium", "low")
    incs = [incident(n, severity=sevs[n % 4], in_head=n % 3 == 0, repo=f"org/r{n % 97}",
                     path=f"src/f{n}.py", date=f"20{10 + n % 15}-{1 + n % 12:02d}-01T00:00:00Z",
                     secret="x" * 12, places=1 + n % 3)
            for n in range(5000)]
    path = tmp_path / "big.html"
    t0 = time.monotonic()
    path.write_text(render(document(incs)), encoding="utf-8")
    t1 = time.monotonic()
    driver.get(path.as_uri())
    rows = "return document.querySelectorAll('#inc-body tr.inc%s').length"
    assert driver.execute_script(rows % "") == 5000  # every incident is in the page
    assert driver.execute_script(rows % ":not([hidden])") == PAGE  # the first page is shown
    t2 = time.monotonic()
    box = driver.find_element(*by("#f-text"))
    box.send_keys("org/r5")  # r5, r50..r59
    matching = sum(1 for i in incs if i["places"][0]["repo"].startswith("org/r5")
                   or any(p["repo"].startswith("org/r5") for p in i["places"]))
    assert 2 * PAGE < matching < 5000
    assert driver.find_element(*by("#shown")).text == EN["html.inc.shown"].format(
        shown=matching, total=5000)
    assert driver.execute_script(rows % ":not([hidden])") == min(PAGE, matching)
    driver.find_element(*by("button.sort[data-sort=fp]")).click()
    driver.find_element(*by("button.sort[data-sort=fp]")).click()
    driver.find_element(*by("#more")).click()
    assert driver.execute_script(rows % ":not([hidden])") == min(2 * PAGE, matching)
    driver.find_element(*by("#all")).click()
    assert driver.execute_script(rows % ":not([hidden])") == matching
    assert not driver.find_element(*by("#paging")).is_displayed()
    box.clear()
    driver.execute_script("document.getElementById('f-text').dispatchEvent(new Event('input'))")
    assert driver.execute_script(rows % ":not([hidden])") == PAGE  # a new filter: page one
    t3 = time.monotonic()
    print(f"render {t1 - t0:.2f}s, load {t2 - t1:.2f}s, filter, sorts, show all {t3 - t2:.2f}s")
    assert t3 - t0 < 30
    assert severe_logs(driver) == []
