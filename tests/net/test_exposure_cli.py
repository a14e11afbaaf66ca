"""``twscan exposure`` and ``--check-github`` end to end, against a stand-in GitHub on 127.0.0.1.

The world the tests build is the one the issue describes: a SID with hits over several pages in
several repositories, one of them with the token beside it; a SID with none; a SID whose first
request is rate-limited until a reset a few seconds away; one answered 429 with retry-after.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.fake_github import (
    FakeClock,
    FakeCommit,
    FakeGitHub,
    Misbehaviour,
    RealClock,
    new_github_token,
    new_sid,
)
from twscan.commands import exposure as exposure_command
from twscan.core.errors import TwscanError
from twscan.core.model import Finding, Half, Severity
from twscan.core.redact import redact
from twscan.net.github.exposure import check_findings, sids_of, token_beside

ROOT = REPO
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def commit(date: str, name: str, login: str | None = None, style: str = "user") -> FakeCommit:
    return FakeCommit(secrets.token_hex(20), date, name, login, style)


@dataclass
class World:
    exposed: str = field(default_factory=new_sid)
    clean: str = field(default_factory=lambda: new_sid("SK"))
    reset: str = field(default_factory=new_sid)
    retry: str = field(default_factory=new_sid)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    expected: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def sids(self) -> list[str]:
        return [self.reset, self.exposed, self.clean, self.retry]

    def build(self, fake: FakeGitHub) -> None:
        """Nine hits of ``exposed`` in three repositories (three pages of four), one with the
        token beside it; two hits of ``reset``; one of ``retry``; nothing for ``clean``."""
        fake.max_per_page = 4
        layout = [
            ("alice/sms-demo", "app.py", "client"),
            ("alice/sms-demo", "README.md", "sid"),
            ("alice/sms-demo", "docs/setup.md", "sid"),
            ("bob-co/notify", "config/settings.yml", "sid"),
            ("bob-co/notify", "src/send.js", "sid"),
            ("bob-co/notify", "test/fixtures.json", "sid"),
            ("bob-co/notify", ".env.example", "sid"),
            ("carol/old-bot", "bot.rb", "sid"),
            ("carol/old-bot", "lib/twilio_helper.rb", "sid"),
        ]
        for n, (repo, path, style) in enumerate(layout):
            if style == "client":
                content = (
                    "from twilio.rest import Client\n\n"
                    f'client = Client("{self.exposed}", "{self.token}")\n'
                    'client.messages.create(to="+15558675310", from_="+15017122661", body="hi")\n'
                )
            else:
                content = f"# Twilio account\nTWILIO_ACCOUNT_SID={self.exposed}\n"
            history = [
                commit(f"2024-0{1 + n % 9}-1{n % 10}T12:00:00Z", f"Newest {n}", f"new{n}"),
                commit(f"2022-03-0{1 + n % 9}T08:30:00Z", "Mid", "mid"),
                commit(
                    f"2019-1{n % 3}-2{n % 10}T09:15:00Z",
                    f"Oldest Author {n}",
                    None,
                    ["user", "empty", "null"][n % 3] if n % 3 else "null",
                ),
            ]
            if n == 4:
                history = history[:1]  # one commit only: newest is oldest
            fake.add_file(repo, path, content, history)
            oldest = history[-1]
            self.expected[(repo, path)] = {
                "newest": (history[0].sha, history[0].date, history[0].login),
                "oldest": (oldest.sha, oldest.date, oldest.login or oldest.name),
                "token_beside": style == "client",
            }
        fake.add_file(
            "dave/infra",
            "deploy.sh",
            f"export SID={self.reset}\n",
            [commit("2023-05-05T05:05:05Z", "Dave", "dave")],
        )
        fake.add_file(
            "erin/x",
            "x.py",
            f"sid = '{self.reset}'\n",
            [commit("2023-06-06T06:06:06Z", "Erin", "erin")],
        )
        fake.add_file(
            "frank/y",
            "y.go",
            f'const sid = "{self.retry}"\n',
            [commit("2021-01-01T01:01:01Z", "Frank", "frank")],
        )
        fake.add_file(
            "zed/noise",
            "noise.txt",
            "nothing to see " * 10,
            [commit("2020-01-01T00:00:00Z", "Zed", "zed")],
        )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gh_token() -> str:
    return new_github_token()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gh_token: str) -> None:
    monkeypatch.setenv("TWSCAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GITHUB_TOKEN", gh_token)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("TWSCAN_GITHUB_API_URL", raising=False)


@pytest.fixture
def fake(clock: FakeClock, gh_token: str) -> Iterator[FakeGitHub]:
    with FakeGitHub(gh_token, clock).running() as server:
        yield server


def run_cli(argv: list[str], clock: Any = None) -> int:
    """What ``twscan.cli`` does for a subcommand: parse, run, map TwscanError to exit 2."""
    parser = argparse.ArgumentParser(prog="twscan")
    exposure_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    args.github_clock = clock
    try:
        code: int = args.func(args)
    except TwscanError as exc:
        print(f"twscan: {exc}", file=sys.stderr)
        return 2
    return code


def exposure_json(
    capsys: pytest.CaptureFixture[str],
    fake: FakeGitHub,
    clock: FakeClock,
    sids: list[str],
    *extra: str,
) -> tuple[int, dict[str, Any], str]:
    code = run_cli(
        ["exposure", *sids, "--github-api-url", fake.url, "--format", "json", *extra], clock
    )
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def assert_only_sids_sent(fake: FakeGitHub, sids: list[str], secrets_: list[str]) -> None:
    """Every request: a SID as the search query, or a URL GitHub handed out; no secret."""
    hit_paths = {(f.repo, f.path) for f in fake.files}
    for r in fake.requests:
        assert r.method == "GET" and r.body == b""
        assert r.headers["authorization"] == f"Bearer {fake.token}"
        everything = json.dumps(
            [r.path, r.query, {k: v for k, v in r.headers.items() if k != "authorization"}]
        )
        assert fake.token not in everything
        for s in secrets_:
            assert s not in everything and s not in r.headers["authorization"]
        if r.path.endswith("/search/code"):
            assert set(r.query) <= {"q", "per_page", "page"}
            assert r.query["q"][0] in sids
        elif r.path.endswith("/commits"):
            repo = "/".join(r.path.split("/")[2:4])
            assert (repo, r.query["path"][0]) in hit_paths
            assert set(r.query) <= {"path", "per_page", "page"}
        else:
            assert "/contents/" in r.path and set(r.query) == {"ref"}


# -- the judged scenario --------------------------------------------------------------------------


def test_full_scenario_json(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    world = World()
    world.build(fake)
    start = clock.time()
    fake.block_search_until = start + 4.0  # the very first search is rate limited
    fake.fault("search", 429, {"message": "Too many requests"}, {"retry-after": "6"}, q=world.retry)
    code, doc, err = exposure_json(capsys, fake, clock, world.sids)
    assert code == 1
    by_sid = {e["sid"]: e for e in doc["exposures"]}
    assert [e["sid"] for e in doc["exposures"]] == world.sids
    assert doc["summary"] == {
        "sids": 4,
        "exposed": 3,
        "not_found": 1,
        "not_checked": 0,
        "token_beside": 1,
    }

    main = by_sid[world.exposed]
    assert main["status"] == "exposed" and main["total_count"] == 9
    assert main["incomplete"] is False and main["incomplete_results"] is False
    assert main["repositories"] == ["alice/sms-demo", "bob-co/notify", "carol/old-bot"]
    assert main["search_url"] == f"{fake.web}/search?q={world.exposed}&type=code"
    assert main["token_beside"] is True
    assert len(main["hits"]) == 9
    for hit in main["hits"]:
        want = world.expected[(hit["repository"], hit["path"])]
        assert hit["html_url"].startswith(f"{fake.web}/{hit['repository']}/blob/")
        newest, oldest = hit["newest_commit"], hit["oldest_commit"]
        assert (newest["sha"], newest["date"], newest["author"]) == want["newest"]
        assert (oldest["sha"], oldest["date"], oldest["author"]) == want["oldest"]
        assert hit["token_beside"] is want["token_beside"]
        if want["token_beside"]:
            assert hit["token"] == redact(world.token)
            assert hit["token_line"] == 3 and hit["line"] == 3
        else:
            assert hit["token"] is None
    search_pages = [r for r in fake.search_requests() if r.query["q"] == [world.exposed]]
    assert len(search_pages) == 3

    clean = by_sid[world.clean]
    assert clean["status"] == "not_found" and clean["total_count"] == 0 and clean["hits"] == []
    assert "not found by GitHub code search" in clean["message"]
    assert clean["token_beside"] is False

    # Rate limited until a reset a few seconds away: nothing before the reset.
    reset_reqs = [r for r in fake.search_requests() if r.query["q"] == [world.reset]]
    assert [r.status for r in reset_reqs] == [403, 200]
    first_reset = int(start + 4.0) + (0 if (start + 4.0).is_integer() else 1)
    assert all(r.at >= first_reset for r in fake.requests[1:])
    assert by_sid[world.reset]["total_count"] == 2

    # 429 with retry-after: the retry comes no sooner than asked.
    retry_reqs = [r for r in fake.search_requests() if r.query["q"] == [world.retry]]
    assert [r.status for r in retry_reqs] == [429, 200]
    assert retry_reqs[1].at - retry_reqs[0].at >= 6
    assert by_sid[world.retry]["hits"][0]["oldest_commit"]["author"] == "frank"

    assert fake.max_search_per_minute() <= 10
    assert_only_sids_sent(fake, world.sids, [world.token])
    assert world.token not in json.dumps(doc) and world.token not in err
    assert fake.token not in json.dumps(doc) and fake.token not in err
    assert "reset" in err and "retry-after" in err


def test_many_sids_stay_under_ten_searches_a_minute(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    sids = [new_sid() for _ in range(14)]
    for i, sid in enumerate(sids[:5]):
        fake.add_file(f"o{i}/r", "f.txt", sid, [commit("2020-02-02T02:02:02Z", "X", "x")])
    code, doc, _ = exposure_json(capsys, fake, clock, sids)
    assert code == 1
    assert [e["status"] for e in doc["exposures"]] == ["exposed"] * 5 + ["not_found"] * 9
    assert len(fake.search_requests()) == 14
    assert fake.max_search_per_minute() <= 10
    assert all(r.status == 200 for r in fake.requests)


def test_text_report_en_and_ja(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    world = World()
    world.build(fake)
    code = run_cli(
        [
            "exposure",
            world.exposed,
            world.clean,
            "--github-api-url",
            fake.url,
            "--no-cache",
            "--lang",
            "en",
        ],
        clock,
    )
    out, _ = capsys.readouterr()
    assert code == 1
    assert f"{world.exposed}  EXPOSED: 9 code search result(s) in 3 repositories" in out
    assert f"token beside it: yes ({redact(world.token)}, line 3)" in out
    assert f"{world.clean}  not found by GitHub code search" in out
    assert "a miss is not proof that it never leaked" in out
    assert f"manual check: {fake.web}/search?q={world.clean}&type=code" in out
    assert "first seen 2019-" in out and "last changed 2024-" in out
    assert world.token not in out
    code = run_cli(
        ["exposure", world.exposed, world.clean, "--github-api-url", fake.url, "--lang", "ja"],
        clock,
    )
    out, _ = capsys.readouterr()
    assert "公開されています" in out and "見つかりませんでした" in out and world.token not in out


def test_sarif_output_validates(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    world = World()
    world.build(fake)
    target = tmp_path / "out.sarif"
    code = run_cli(
        [
            "exposure",
            world.exposed,
            world.clean,
            "--github-api-url",
            fake.url,
            "--format",
            "sarif",
            "--output",
            str(target),
        ],
        clock,
    )
    assert code == 1
    assert capsys.readouterr().out == ""
    log = json.loads(target.read_text())
    if SARIF_SCHEMA.exists():
        jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "twscan.github-exposure"
    assert result["level"] == "error"  # a token is beside it
    assert world.exposed in result["message"]["text"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "/alice/sms-demo/blob/" + fake.files[0].commits[0].sha + "/app.py"
    )
    assert len(result["relatedLocations"]) == 9
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "twscan.github-exposure"
    assert world.token not in target.read_text()


# -- tokens and errors ----------------------------------------------------------------------------


def test_no_token_prints_manual_urls_and_sends_nothing(
    capsys: pytest.CaptureFixture[str],
    fake: FakeGitHub,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    sid = new_sid()
    code = run_cli(["exposure", sid, "--github-api-url", fake.url], clock)
    out, err = capsys.readouterr()
    assert code == 0
    assert fake.requests == []
    url = f"{fake.web}/search?q={sid}&type=code"
    assert url in out and url in err
    assert "needs a token" in err and "GITHUB_TOKEN" in err
    code, doc, _ = exposure_json(capsys, fake, clock, [sid])
    assert doc["exposures"][0]["status"] == "not_checked"
    assert doc["exposures"][0]["token_beside"] == "unknown"


def test_bad_token_exits_2_at_once(
    capsys: pytest.CaptureFixture[str],
    fake: FakeGitHub,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong = new_github_token()
    monkeypatch.setenv("GITHUB_TOKEN", wrong)
    started = time.monotonic()
    code = run_cli(["exposure", new_sid(), "--github-api-url", fake.url], clock)
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 2 and elapsed < 5
    assert len(fake.requests) == 1 and clock.slept == []
    lines = [ln for ln in err.splitlines() if ln]
    assert len(lines) == 1 and "GITHUB_TOKEN" in lines[0] and "401 Bad credentials" in lines[0]
    assert wrong not in err + out


def test_token_file(
    capsys: pytest.CaptureFixture[str],
    fake: FakeGitHub,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    token_file = tmp_path / "gh-token"
    token_file.write_text(fake.token + "\n")
    sid = new_sid()
    code, doc, _ = exposure_json(capsys, fake, clock, [sid], "--github-token-file", str(token_file))
    assert code == 0 and doc["exposures"][0]["status"] == "not_found"
    token_file.write_text(new_github_token())
    code = run_cli(
        [
            "exposure",
            sid,
            "--github-api-url",
            fake.url,
            "--no-cache",
            "--github-token-file",
            str(token_file),
        ],
        clock,
    )
    assert code == 2 and str(token_file) in capsys.readouterr().err
    code = run_cli(["exposure", sid, "--github-token-file", str(tmp_path / "missing")], clock)
    assert code == 2 and "cannot read --github-token-file" in capsys.readouterr().err


def test_gh_token_is_read_too(
    capsys: pytest.CaptureFixture[str],
    fake: FakeGitHub,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", fake.token)
    code, doc, _ = exposure_json(capsys, fake, clock, [new_sid()])
    assert code == 0 and doc["exposures"][0]["status"] == "not_found"
    monkeypatch.setenv("GH_TOKEN", new_github_token())
    code = run_cli(["exposure", new_sid(), "--github-api-url", fake.url], clock)
    assert code == 2 and "GH_TOKEN" in capsys.readouterr().err


def test_report_sections_for_scans(fake: FakeGitHub, clock: FakeClock) -> None:
    """What a scan with --check-github hands its reporters, per format, validated as SARIF."""
    jsonschema = pytest.importorskip("jsonschema")
    from twscan.core.model import ScanSummary
    from twscan.net.github.exposure import check_sids
    from twscan.net.github.render import report_sections
    from twscan.reports import ReportOptions, render

    world = World()
    world.build(fake)
    results = check_sids(
        [world.exposed, world.clean], api_url=fake.url, token=fake.token, clock=clock
    )
    as_json = json.loads(
        render(
            [],
            ScanSummary(),
            "json",
            ReportOptions(extra_sections=report_sections(results, "json")),
        )
    )
    assert [e["sid"] for e in as_json["exposures"]] == [world.exposed, world.clean]
    sarif = json.loads(
        render(
            [],
            ScanSummary(),
            "sarif",
            ReportOptions(extra_sections=report_sections(results, "sarif")),
        )
    )
    if SARIF_SCHEMA.exists():
        jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["twscan.github-exposure"]
    assert report_sections(results, "text") == {}


@pytest.mark.parametrize("status", [422, 403])
def test_validation_and_permission_errors_exit_2(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock, status: int
) -> None:
    fake.fault(
        "search",
        status,
        {
            "message": "Validation Failed"
            if status == 422
            else "Resource not accessible by personal access token",
            "documentation_url": "https://docs.github.com/v3/search/",
        },
    )
    code = run_cli(["exposure", new_sid(), "--github-api-url", fake.url], clock)
    err = capsys.readouterr().err
    assert code == 2 and f"({status} " in err and len(err.strip().splitlines()) == 1


def test_rate_limit_beyond_max_wait_exits_2(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    fake.block_search_until = clock.time() + 1800
    code = run_cli(["exposure", new_sid(), "--github-api-url", fake.url, "--max-wait", "60"], clock)
    err = capsys.readouterr().err
    assert code == 2 and "--max-wait" in err and clock.slept == []


def test_github_timeout_ends_a_trickling_run_with_one_line(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    """--github-timeout is the run's transfer budget: a server that keeps every read just
    under the socket timeout still ends the run, exit 2, one line, no token."""
    fake.misbehave["search"] = Misbehaviour("trickle-body", interval=0.05)
    started = time.monotonic()
    code = run_cli(
        ["exposure", new_sid(), "--github-api-url", fake.url, "--github-timeout", "1"], clock
    )
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 2 and elapsed < 4
    (line,) = err.strip().splitlines()
    assert "--github-timeout" in line and fake.token not in err + out


def test_budget_spent_on_details_keeps_the_search_result(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    """As with --max-wait: the hits found are reported, the details that did not fit are
    marked as skipped (and any later search would end the run with exit 2)."""
    sid = new_sid()
    for n in range(3):
        fake.add_file(f"o/r{n}", "c.txt", sid, [commit("2020-01-01T00:00:00Z", "A", "a")])
    fake.misbehave["contents"] = Misbehaviour("trickle-body", interval=0.05)
    started = time.monotonic()
    code, doc, _ = exposure_json(capsys, fake, clock, [sid], "--github-timeout", "1.5")
    assert code == 1 and time.monotonic() - started < 4
    (exposure,) = doc["exposures"]
    assert len(exposure["hits"]) == 3
    assert any("details stopped" in n and "--github-timeout" in n for n in exposure["notes"])
    assert exposure["hits"][-1]["notes"] == ["details skipped: --github-timeout spent"]
    assert len([r for r in fake.requests if "/contents/" in r.path]) == 1


def test_plain_http_to_a_name_that_only_looks_like_loopback_is_warned_about(
    clock: FakeClock,
) -> None:
    """http://127.evil.example is not this machine: the token would cross the network in
    clear text, so twscan says so (a stand-in transport sends nothing anywhere)."""
    import requests

    from tests.net.test_github_client import recording_session
    from twscan.net.github.client import GitHubHTTPError
    from twscan.net.github.exposure import check_sids

    session, adapter = recording_session()
    notes: list[str] = []
    for api, warned in (("http://127.evil.example:8080", True), ("http://127.0.0.1:9", False)):
        notes.clear()
        with pytest.raises(GitHubHTTPError, match="ConnectionError"):
            check_sids(
                [new_sid()],
                api_url=api,
                token=new_github_token(),
                use_cache=False,
                clock=clock,
                notify=notes.append,
                session=session,
            )
        assert any("travels unencrypted" in n for n in notes) is warned, notes
    assert isinstance(session, requests.Session) and len(adapter.sent) == 6


@pytest.mark.parametrize("value", ["nan", "-1", "soon"])
def test_github_timeout_must_be_seconds(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock, value: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_cli(["exposure", new_sid(), "--github-api-url", fake.url, "--github-timeout", value])
    assert exit_.value.code == 2 and "--github-timeout" in capsys.readouterr().err
    assert fake.requests == []


def test_an_endless_file_leaves_that_hit_unknown(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    """The 10 MiB cap on a detail request costs that detail, not the run."""
    sid = new_sid()
    fake.add_file("a/b", "c.txt", sid, [commit("2020-01-01T00:00:00Z", "A", "a")])
    fake.misbehave["contents"] = Misbehaviour("endless")
    started = time.monotonic()
    code, doc, _ = exposure_json(capsys, fake, clock, [sid])
    assert code == 1 and time.monotonic() - started < 10
    (hit,) = doc["exposures"][0]["hits"]
    assert hit["token_beside"] == "unknown"
    assert any("10 MiB cap" in n for n in hit["notes"]), hit["notes"]
    assert hit["oldest_commit"]["author"] == "a"
    assert fake.wire.sent < 40 * 1024 * 1024


def test_endless_empty_pages_end_with_a_note(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    sid = new_sid()
    fake.endless_pages = "empty"
    code, doc, err = exposure_json(capsys, fake, clock, [sid])
    (exposure,) = doc["exposures"]
    assert len(fake.search_requests()) == 1
    assert any("empty page 1" in n for n in exposure["notes"]) and "empty page 1" in err
    assert exposure["incomplete"] is True  # 5 results claimed, none listed
    assert code == 1  # GitHub claims results: that is not "not found"


def test_a_redirect_off_the_api_host_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock, gh_token: str
) -> None:
    sid = new_sid()
    with FakeGitHub(gh_token, clock).running() as other:
        other.add_file("a/b", "c.txt", sid)
        fake.fault("search", 307, {}, {"Location": f"{other.url}/search/code?q={sid}"})
        code = run_cli(["exposure", sid, "--github-api-url", fake.url], clock)
        assert other.requests == []
    err = capsys.readouterr().err
    (line,) = err.strip().splitlines()
    assert code == 2 and f"127.0.0.1:{other.port}" in line and "not followed" in line


def test_a_secret_given_as_sid_is_refused_redacted(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    token = secrets.token_hex(16)
    code = run_cli(["exposure", token, "--github-api-url", fake.url], clock)
    err = capsys.readouterr().err
    assert code == 2 and token not in err and redact(token) in err
    assert fake.requests == []


def test_core_errors_leave_details_unknown(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    sid = new_sid()
    fake.add_file("gone/repo", "a.txt", sid, [commit("2020-01-01T00:00:00Z", "A", "a")])
    fake.fault("commits", 409, {"message": "Git Repository is empty."})
    fake.fault("contents", 404, {"message": "Not Found"})
    code, doc, _ = exposure_json(capsys, fake, clock, [sid])
    assert code == 1
    (hit,) = doc["exposures"][0]["hits"]
    assert hit["newest_commit"] is None and hit["oldest_commit"] is None
    assert hit["token_beside"] == "unknown"  # the fragment alone cannot rule it out
    assert any("409" in n for n in hit["notes"]) and any("404" in n for n in hit["notes"])


def test_token_beside_from_fragment_when_file_is_unavailable(
    capsys: pytest.CaptureFixture[str], fake: FakeGitHub, clock: FakeClock
) -> None:
    sid, token = new_sid(), secrets.token_hex(16)
    fake.add_file(
        "a/b", "c.py", f'Client("{sid}", "{token}")\n', [commit("2020-01-01T00:00:00Z", "A", "a")]
    )
    fake.fault("contents", 404, {"message": "Not Found"})
    _, doc, _ = exposure_json(capsys, fake, clock, [sid])
    (hit,) = doc["exposures"][0]["hits"]
    assert hit["token_beside"] is True and hit["token"] == redact(token)


# -- cache ----------------------------------------------------------------------------------------


def test_cache_spares_the_rate_limit_on_a_rerun(
    capsys: pytest.CaptureFixture[str],
    fake: FakeGitHub,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World()
    world.build(fake)
    sids = [world.exposed, world.clean]
    _, first, _ = exposure_json(capsys, fake, clock, sids)
    sent = len(fake.requests)
    _, second, _ = exposure_json(capsys, fake, clock, sids)
    assert len(fake.requests) == sent, "a re-run within the TTL sends nothing"
    assert all(e["cached"] for e in second["exposures"])
    for a, b in zip(first["exposures"], second["exposures"], strict=True):
        assert {**a, "cached": True} == b
    stored = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert world.exposed in stored and world.token not in stored and fake.token not in stored
    exposure_json(capsys, fake, clock, sids, "--no-cache")
    assert len(fake.requests) > sent
    sent = len(fake.requests)
    # Without a token, what the cache holds is still reported; nothing is sent.
    monkeypatch.delenv("GITHUB_TOKEN")
    code, third, _ = exposure_json(capsys, fake, clock, sids)
    assert code == 1 and [e["status"] for e in third["exposures"]] == ["exposed", "not_found"]
    assert len(fake.requests) == sent
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    # Another API URL is another key.
    other = fake.url.replace("127.0.0.1", "localhost")
    run_cli(["exposure", world.clean, "--github-api-url", other, "--format", "json"], clock)
    assert json.loads(capsys.readouterr().out)["exposures"][0]["api_url"] == other
    assert len(fake.requests) == sent + 1
    # An expired entry is searched again.
    clock.sleep(25 * 3600)
    exposure_json(capsys, fake, clock, [world.clean])
    assert len(fake.requests) == sent + 2


# -- the hook for scan commands -------------------------------------------------------------------


def test_check_findings_annotates_the_scan(fake: FakeGitHub, clock: FakeClock) -> None:
    world = World()
    world.build(fake)
    detect = pytest.importorskip("twscan.detect.engine")
    text = f'client = Client("{world.exposed}", "{world.token}")\nother = "{world.clean}"\n'
    findings = detect.Detector.load().scan_text(text, "local.py")
    assert set(sids_of(findings)) == {world.exposed, world.clean}
    parser = argparse.ArgumentParser()
    from twscan.net.github.exposure import add_github_args

    add_github_args(parser)
    args = parser.parse_args(["--check-github", "--github-api-url", fake.url])
    args.github_clock = clock
    results = check_findings(findings, args)
    assert {r.sid: r.status for r in results} == {
        world.exposed: "exposed",
        world.clean: "not_found",
    }
    marks = [f.extra["github_exposure"] for f in findings if "github_exposure" in f.extra]
    assert {m["status"] for m in marks} == {"exposed", "not_found"}
    off = parser.parse_args([])
    assert check_findings(findings, off) == []


def test_token_beside_rules() -> None:
    sid, other = new_sid(), new_sid()

    def tok(pair_sid: str | None) -> Finding:
        pair = Half("r", "account-sid", pair_sid, 1, 1, 0) if pair_sid else None
        return Finding(
            "r",
            "credential-pair" if pair else "auth-token",
            Severity.CRITICAL,
            "t",
            "f",
            2,
            1,
            secrets.token_hex(16),
            "why",
            pair=pair,
        )

    assert token_beside([tok(sid)], sid)[0] is True
    assert token_beside([tok(None)], sid)[0] is True
    assert token_beside([tok(other)], sid) == (False, None)
    assert token_beside([], sid) == (False, None)


# -- as a user runs it ------------------------------------------------------------------------------


def test_scan_path_does_not_import_requests() -> None:
    code = (
        "import sys, twscan.net.github, twscan.net.github.exposure, twscan.net.github.render, "
        "twscan.net.github.cache, twscan.net.github.client, twscan.net.verify, twscan.commands.exposure; "
        "print('requests' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "False"


# The real ``twscan.cli.main``: its parser and its exit-2 mapping.
CLI_DRIVER = "import sys, twscan.cli as c\nraise SystemExit(c.main(sys.argv[1:]))\n"


def twscan_process(
    *argv: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI_DRIVER, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        timeout=timeout,
        cwd=ROOT,
    )


def test_as_a_user_runs_it_real_clock(gh_token: str, tmp_path: Path) -> None:
    """A separate process, real time: a reset 2 s away is waited for and not anticipated;
    a bad token exits 2 with one line naming it, within seconds."""
    with FakeGitHub(gh_token, RealClock()).running() as fake:
        sid = new_sid()
        fake.add_file("a/b", "c.txt", sid, [commit("2020-01-01T00:00:00Z", "A", "a")])
        block_until = time.time() + 2
        fake.block_search_until = block_until
        env = {"GITHUB_TOKEN": gh_token, "TWSCAN_CACHE_DIR": str(tmp_path)}
        started = time.monotonic()
        run = twscan_process(
            "exposure", sid, "--github-api-url", fake.url, "--format", "json", env=env
        )
        assert run.returncode == 1, run.stderr
        assert json.loads(run.stdout)["exposures"][0]["total_count"] == 1
        first, second = fake.search_requests()
        assert first.status == 403 and second.status == 200
        assert second.at >= math.ceil(block_until), "no request before the reset"
        assert time.monotonic() - started < 15
        bad_token = new_github_token()
        started = time.monotonic()
        bad = twscan_process(
            "exposure",
            new_sid(),
            "--github-api-url",
            fake.url,
            "--no-cache",
            env={**env, "GITHUB_TOKEN": bad_token},
        )
        elapsed = time.monotonic() - started
    assert bad.returncode == 2 and elapsed < 10
    (line,) = bad.stderr.strip().splitlines()
    assert "401" in line and "GITHUB_TOKEN" in line and bad_token not in line
