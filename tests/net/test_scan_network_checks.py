"""``--check-github`` and ``--verify`` on a scan, end to end against local stand-ins."""

from __future__ import annotations

import json
from pathlib import Path

from tests import creds
from tests.conftest import run_twscan
from tests.fake_github import FakeGitHub, FakeTwilio, RealClock, new_github_token


def test_scan_check_github_reports_exposure_and_sends_only_sids(tmp_path: Path) -> None:
    token = new_github_token()
    sid, tok = creds.account_sid(), creds.auth_token()
    project = tmp_path / "p"
    project.mkdir()
    (project / ".env").write_text(f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n")
    with FakeGitHub(token, RealClock()).running() as fake:
        fake.add_file("leaky/app", "config.py", f'Client("{sid}", "{tok}")\n', [])
        env = {"GITHUB_TOKEN": token, "TWSCAN_CACHE_DIR": str(tmp_path / "cache")}
        r = run_twscan("scan", str(project), "--check-github", "--github-api-url", fake.url,
                       "-f", "json", env=env)
        requests = list(fake.requests)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    [exp] = doc["exposures"]
    assert exp["sid"] == sid and exp["total_count"] == 1 and exp["token_beside"] is True
    assert doc["findings"][0]["github_exposure"]["status"] == "exposed"
    for req in requests:
        sent = req.path + json.dumps(req.query) + req.body.decode("latin-1")
        assert tok not in sent
    assert tok not in r.stdout and tok not in r.stderr


def test_scan_verify_marks_live_pairs(tmp_path: Path) -> None:
    live_sid, live_tok = creds.account_sid(), creds.auth_token()
    dead_sid, dead_tok = creds.account_sid(), creds.auth_token()
    (tmp_path / "a.env").write_text(f"TWILIO_ACCOUNT_SID={dead_sid}\nTWILIO_AUTH_TOKEN={dead_tok}\n")
    (tmp_path / "b.env").write_text(f"TWILIO_ACCOUNT_SID={live_sid}\nTWILIO_AUTH_TOKEN={live_tok}\n")
    with FakeTwilio().running() as twilio:
        twilio.answers[(live_sid, live_tok)] = 200
        r = run_twscan("scan", str(tmp_path), "--verify", "--verify-url", twilio.url, "-f", "json")
    findings = json.loads(r.stdout)["findings"]
    assert [f["live"] for f in findings] == ["live", "invalid"]  # live sorted first
    assert live_tok not in r.stdout
    plain = run_twscan("scan", str(tmp_path), "-f", "json")
    assert all("live" not in f for f in json.loads(plain.stdout)["findings"])


def test_text_report_marks_live(tmp_path: Path) -> None:
    sid, tok = creds.account_sid(), creds.auth_token()
    (tmp_path / "a.env").write_text(f"TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={tok}\n")
    with FakeTwilio().running() as twilio:
        twilio.answers[(sid, tok)] = 200
        r = run_twscan("scan", str(tmp_path), "--verify", "--verify-url", twilio.url)
    assert "LIVE: Twilio accepted" in r.stdout
