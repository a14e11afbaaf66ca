"""Inline ignores: they pass the gate, and every report still shows them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import creds
from tests.conftest import run_twscan

SUMMARY = re.compile(
    r"^twscan: (\d+) findings \((\d+) new, (\d+) baselined, (\d+) ignored\), (\d+) files, [\d.]+ s$"
)


@pytest.mark.parametrize(
    "name, line",
    [
        ("a.py", "TWILIO_AUTH_TOKEN = '{tok}'  # twscan:ignore"),
        ("a.js", "const authToken = '{tok}'; // twscan:ignore test fixture"),
        ("a.c", 'char *twilio_auth_token = "{tok}"; /* twscan:ignore */'),
        ("a.html", '<input name="TWILIO_AUTH_TOKEN" value="{tok}"> <!-- twscan:ignore -->'),
        ("a.sql", "INSERT INTO cfg VALUES ('twilio_auth_token', '{tok}'); -- twscan:ignore"),
    ],
)
def test_ignore_on_the_line_passes_and_is_listed(tmp_path: Path, name: str, line: str) -> None:
    tok = creds.auth_token()
    (tmp_path / name).write_text(line.format(tok=tok) + "\n")
    r = run_twscan("scan", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert "Ignored in the code with twscan:ignore (1):" in r.stdout
    assert f"{name}:1" in r.stdout
    assert tok not in r.stdout + r.stderr
    m = SUMMARY.match(r.stderr.strip().splitlines()[-1])
    assert m and m.groups()[:4] == ("1", "0", "0", "1"), r.stderr


def test_ignore_next_line_and_json_summary(tmp_path: Path) -> None:
    tok, other = creds.auth_token(), creds.auth_token()
    (tmp_path / "settings.py").write_text(
        "# twscan:ignore-next-line (documented test token)\n"
        f"TWILIO_AUTH_TOKEN = '{tok}'\n"
        "\n"
        f"OTHER_TWILIO_AUTH_TOKEN = '{other}'\n"
    )
    r = run_twscan("scan", ".", "-f", "json", "--show-secrets", cwd=tmp_path)
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert [f["secret"] for f in doc["findings"]] == [other]
    s = doc["summary"]
    assert s["counts"]["ignored"] == 1 and len(s["ignored"]) == 1
    ignored = s["ignored"][0]
    assert ignored["secret"] == tok and ignored["line"] == 2 and ignored["ignored"] == "inline"
    assert s["findings"] == 1 and s["counts"]["new"] == 1 and s["counts"]["total"] == 2


def test_ignore_covers_its_line_only(tmp_path: Path) -> None:
    tok = creds.auth_token()
    (tmp_path / "a.env").write_text(
        f"TWILIO_AUTH_TOKEN={tok}  # twscan:ignore\nBACKUP_TWILIO_AUTH_TOKEN={tok}\n"
    )
    r = run_twscan("scan", ".", "-f", "json", cwd=tmp_path)
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert [f["line"] for f in doc["findings"]] == [2]
    assert [f["line"] for f in doc["summary"]["ignored"]] == [1]


def test_ignored_findings_stay_out_of_sarif_results_but_are_noted(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f"TWILIO_AUTH_TOKEN = '{creds.auth_token()}'  # twscan:ignore\n")
    r = run_twscan("scan", ".", "-f", "sarif", cwd=tmp_path)
    assert r.returncode == 0
    run = json.loads(r.stdout)["runs"][0]
    assert run["results"] == []
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "1 finding(s) ignored inline with twscan:ignore" in notes


def test_quiet_drops_the_stderr_summary(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f"TWILIO_AUTH_TOKEN = '{creds.auth_token()}'  # twscan:ignore\n")
    r = run_twscan("scan", ".", "--quiet", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    assert "Ignored in the code" in r.stdout  # the report itself still lists it
