"""``twscan respond`` against a stand-in Twilio on 127.0.0.1 (tests/fake_twilio.py).

The stand-in follows Twilio's OpenAPI descriptions and checks every request and answer against
them (``violations``); these tests drive the real command line, as a user would, and read the
stand-in's state and request log to see what the account went through. A second server on
another loopback address stands for "somewhere else": a redirect or a next-page URL may point
there, and it must never see a request.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import creds
from tests.conftest import run_twscan
from tests.fake_twilio import FakeTwilio

#: Options of the judged run (issue 14).
FULL = ["--execute", "--yes", "--promote-now", "--all-keys", "--daily-limit", "50",
        "--trigger-callback", "https://hooks.example.com/usage", "--allow-countries", "US,CA"]


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    ft = FakeTwilio.incident(subaccounts=2, keys=5)
    with ft.running():
        yield ft
    assert ft.violations == [], ft.violations


@pytest.fixture
def elsewhere() -> Iterator[FakeTwilio]:
    """Another host (127.0.0.2): what a redirect or a hostile next page points at."""
    other = FakeTwilio()
    with other.running(host="127.0.0.2"):
        yield other


def respond(
    fake: FakeTwilio, *args: str, cwd: Path, user: str | None = None, secret: str | None = None,
    account: str | None = None, extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    main = fake.main
    env = {
        "TWILIO_ACCOUNT_SID": account or main.sid,
        "TWILIO_AUTH_TOKEN": "",
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
    }
    if user is not None and user.startswith("SK"):
        env["TWILIO_API_KEY"], env["TWILIO_API_SECRET"] = user, secret or ""
    else:
        env["TWILIO_AUTH_TOKEN"] = secret if secret is not None else main.auth_token
    env.update(extra_env or {})
    return run_twscan("respond", "--twilio-api-base", fake.base, *args, cwd=cwd, env=env)


def all_secrets(fake: FakeTwilio) -> set[str]:
    """Every secret the stand-in knows now: tokens (primary, secondary) and key secrets."""
    out = {a.auth_token for a in fake.accounts.values()}
    out |= {a.secondary_token for a in fake.accounts.values() if a.secondary_token}
    out |= {k.secret for k in fake.keys.values()}
    out |= set(fake.test_credentials.values())
    return out


def changes(fake: FakeTwilio) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests if r.method != "GET"]


def files_text(root: Path, skip: set[Path] = frozenset()) -> str:  # type: ignore[assignment]
    return "\n".join(
        p.read_text("utf-8", "replace") for p in root.rglob("*") if p.is_file() and p not in skip
    )


def leaked_report(tmp_path: Path, fake: FakeTwilio, keys: list[str]) -> Path:
    """A real ``twscan scan`` JSON report of a file holding the main Account SID with its
    token, and the given API keys with their secrets."""
    project = tmp_path / "leaky"
    project.mkdir()
    (project / "settings.py").write_text(
        f'TWILIO_ACCOUNT_SID = "{fake.main.sid}"\nTWILIO_AUTH_TOKEN = "{fake.main.auth_token}"\n'
    )
    for i, sid in enumerate(keys):  # one service per file, each with its key and secret
        (project / f"service{i}.py").write_text(
            f'TWILIO_API_KEY = "{sid}"\nTWILIO_API_SECRET = "{fake.keys[sid].secret}"\n'
        )
    report = tmp_path / "report.json"
    proc = run_twscan("scan", "--format", "json", "-o", str(report), str(project))
    assert proc.returncode == 1, proc.stderr
    for leak in project.iterdir():  # the leak itself is not part of what is checked below
        leak.unlink()
    return report


# -- the plan ------------------------------------------------------------------------------------


def test_plan_is_read_only_and_is_twilio_s_whole_checklist(fake: FakeTwilio, tmp_path: Path) -> None:
    before = all_secrets(fake)
    proc = respond(fake, *FULL[2:], cwd=tmp_path)  # every option but --execute --yes
    assert proc.returncode == 0, proc.stderr
    assert {r.method for r in fake.requests} == {"GET"}
    out = proc.stdout
    for heading in ("Reset the Auth Token", "Delete the API keys", "Change passwords",
                    "Turn on two-factor authentication", "Check users' email addresses",
                    "Check caller IDs", "Narrow Voice geographic permissions",
                    "Narrow SMS geographic permissions", "Set usage triggers", "Scan for malware"):
        assert heading in out
    assert f"POST {fake.base}/v1/AuthTokens/Secondary" in out
    assert f"POST {fake.base}/v1/DialingPermissions/BulkCountryUpdates" in out
    assert f"PATCH {fake.base}/v1/Messaging/GeoPermissions" in out
    for key in fake.keys_of(fake.main.sid):
        assert f"DELETE {fake.base}/2010-04-01/Accounts/{fake.main.sid}/Keys/{key.sid}.json" in out
    assert "high-risk or toll-fraud numbers enabled: GB, IN, NG, CU, KP" in out
    assert "daily total-price triggers now: none" in out
    assert "https://console.twilio.com/us1/develop/voice/settings/geo-permissions" in out
    for sub in fake.subaccounts(fake.main.sid):
        assert f"{sub.sid} ({sub.friendly_name}): not selected; 2 API key(s)" in out
    assert f"{fake.base} (--twilio-api-base" in out
    assert "Plan only: nothing was changed" in out
    assert not any(s in out + proc.stderr for s in before)
    assert not list(tmp_path.glob("twscan-respond-*.json"))  # a plan writes no journal


def test_plan_as_json_marks_each_step_automatic_or_manual(fake: FakeTwilio, tmp_path: Path) -> None:
    proc = respond(fake, "--format", "json", "--all-subaccounts", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["account"] == fake.main.sid and doc["api_base"] == fake.base
    assert doc["executed"] is False
    assert {a["sid"] for a in doc["accounts"] if a["chosen"]} == set(fake.accounts)
    modes = {s["mode"] for s in doc["steps"]}
    assert modes == {"automatic", "manual"}
    for step in doc["steps"]:
        if step["mode"] == "manual":
            assert step["links"] and not step["calls"]
        elif step["status"] != "nothing-to-do":
            assert all(c["url"].startswith(fake.base) for c in step["calls"]) and step["calls"]
    ids = {s["id"] for s in doc["steps"]}
    for acct in fake.accounts:
        assert {f"secondary:{acct}", f"promote:{acct}", f"voice:{acct}", f"messaging:{acct}",
                f"trigger:{acct}"} <= ids
    assert len([i for i in ids if i.startswith("key:")]) == len(fake.keys)
    assert not any(s in proc.stdout for s in all_secrets(fake))
    assert {r.method for r in fake.requests} == {"GET"}


def test_the_report_s_leaked_keys_are_marked_and_only_they_are_deleted(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    keys = [k.sid for k in fake.keys_of(fake.main.sid)]
    report = leaked_report(tmp_path, fake, keys[:2])
    plan = respond(fake, "--from-report", str(report), "--format", "json", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    steps = {s["id"]: s for s in json.loads(plan.stdout)["steps"]}
    for sid in keys[:2]:
        assert "found leaked by the report with its secret" in steps[f"key:{fake.main.sid}:{sid}"]["details"][0]
    for sid in keys[2:]:
        assert steps[f"key:{fake.main.sid}:{sid}"]["details"] == ["not found in the report"]
    assert "(the report found it leaked)" in steps[f"secondary:{fake.main.sid}"]["title"]

    proc = respond(fake, "--from-report", str(report), "--execute", "--yes",
                   "--secret-out", str(tmp_path / "new-token"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(k.sid for k in fake.keys_of(fake.main.sid)) == sorted(keys[2:])
    deleted = [p for m, p in changes(fake) if m == "DELETE"]
    assert sorted(deleted) == sorted(
        f"/2010-04-01/Accounts/{fake.main.sid}/Keys/{sid}.json" for sid in keys[:2]
    )


# -- the judged run ------------------------------------------------------------------------------


def test_execute_leaves_the_account_as_the_checklist_says(fake: FakeTwilio, tmp_path: Path) -> None:
    main = fake.main
    sub1, sub2 = sorted(fake.subaccounts(main.sid), key=lambda a: a.friendly_name)
    acting = fake.keys_of(main.sid)[0]  # twscan acts with an API key of the main account
    old = {a.sid: a.auth_token for a in fake.accounts.values()}
    before = all_secrets(fake)
    out_file = tmp_path / "tokens" / "new.tsv"
    out_file.parent.mkdir()
    journal = tmp_path / "incident.json"
    proc = respond(fake, *FULL, "--subaccount", sub1.sid, "--secret-out", str(out_file),
                   "--journal", str(journal), "--format", "json", cwd=tmp_path,
                   user=acting.sid, secret=acting.secret)
    assert proc.returncode == 0, proc.stderr
    # tokens: changed for the chosen accounts, not for the other subaccount
    assert main.auth_token != old[main.sid] and sub1.auth_token != old[sub1.sid]
    assert sub2.auth_token == old[sub2.sid]
    assert main.secondary_token is None and sub1.secondary_token is None
    # keys: only the one twscan acted with is left on the chosen accounts
    assert [k.sid for k in fake.keys_of(main.sid)] == [acting.sid]
    assert fake.keys_of(sub1.sid) == []
    assert len(fake.keys_of(sub2.sid)) == 2
    # one daily trigger at 50 on total price, calling back where asked
    for acct in (main, sub1):
        (trigger,) = fake.triggers[acct.sid]
        assert (trigger["recurring"], trigger["usage_category"], trigger["trigger_by"]) == (
            "daily", "totalprice", "price")
        assert float(trigger["trigger_value"]) == 50
        assert trigger["callback_url"] == "https://hooks.example.com/usage"
    assert fake.triggers[sub2.sid] == []
    # geography: only US and CA, for voice and for SMS
    for acct in (main, sub1):
        voice = {iso for iso, c in fake.voice[acct.sid].items()
                 if c["low_risk_numbers_enabled"] or c["high_risk_special_numbers_enabled"]
                 or c["high_risk_tollfraud_numbers_enabled"]}
        assert voice == {"US", "CA"}
        assert {cc for cc, on in fake.messaging[acct.sid].items() if on} == {"US", "CA"}
    assert len({cc for cc, on in fake.messaging[sub2.sid].items() if on}) == 8
    # the hand-over: the new tokens, in a file only the user can read
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    handed = dict(line.split("\t")[:2] for line in out_file.read_text().splitlines())
    assert handed == {main.sid: main.auth_token, sub1.sid: sub1.auth_token}
    # no secret, old or new, anywhere but there
    now = all_secrets(fake)
    everything = proc.stdout + proc.stderr + files_text(tmp_path, {out_file})
    assert not any(s in everything for s in before | now)
    # the journal is the incident's record
    entries = json.loads(journal.read_text())["entries"]
    done = [e["step"] for e in entries if e["status"] == "done"]
    assert f"promote:{main.sid}" == done[-1]  # the acting account's token is rotated last
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    # every request went to the stand-in, as the documented operations
    assert all(r.host == fake.base.removeprefix("http://") for r in fake.requests)
    result = json.loads(proc.stdout)["result"]
    assert result["failed"] is None and result["left"] == []


def test_a_failure_halfway_and_a_second_run_finish_without_repeating_a_step(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    journal = tmp_path / "j.json"
    out = tmp_path / "t.tsv"
    # the third key deletion fails for good (every retry too)
    fake.fault("DELETE", r"/Keys/SK", "500", skip=2, times=10)
    first = respond(fake, *FULL, "--journal", str(journal), "--secret-out", str(out), cwd=tmp_path)
    assert first.returncode == 2
    err = first.stderr.strip().splitlines()
    assert len(err) == 1 and "step key:" in err[0] and "500" in err[0] and "left" in err[0]
    assert "Left to do" in first.stdout
    assert len(fake.keys_of(fake.main.sid)) == 3
    assert not out.exists() or out.read_text() == ""  # the token rotation comes last
    fake.faults.clear()
    made_first = [c for c in changes(fake)]
    second = respond(fake, *FULL, "--journal", str(journal), "--secret-out", str(out), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert fake.keys_of(fake.main.sid) == []
    assert len(fake.triggers[fake.main.sid]) == 1
    made = changes(fake)
    succeeded = [(r.method, r.path) for r in fake.requests if r.method != "GET" and r.status < 300]
    # nothing that succeeded was sent twice, and the second run did not touch what the first did
    assert len(succeeded) == len(set(succeeded)) or all(
        p.endswith(("Secondary", "Promote", "BulkCountryUpdates", "GeoPermissions")) for _, p in
        [c for c in succeeded if succeeded.count(c) > 1])
    deletes = [p for m, p in succeeded if m == "DELETE"]
    assert len(deletes) == len(set(deletes)) == 5
    assert len([p for m, p in succeeded if p.endswith("/AuthTokens/Secondary")]) == 1
    assert len([p for m, p in succeeded if p.endswith("/AuthTokens/Promote")]) == 1
    assert len(made) > len(made_first)
    steps = [e for e in json.loads(journal.read_text())["entries"]]
    assert [e["status"] for e in steps if e["step"].startswith("key:")].count("failed") == 1


def test_a_crash_after_the_hand_over_does_not_rotate_twice(fake: FakeTwilio, tmp_path: Path) -> None:
    """Promote fails after the new token was created and handed over: the second run
    promotes that token, it does not create another one the user never saw."""
    journal, out = tmp_path / "j.json", tmp_path / "t.tsv"
    fake.fault("POST", r"/AuthTokens/Promote", "403", times=1)
    first = respond(fake, "--execute", "--yes", "--promote-now", "--journal", str(journal),
                    "--secret-out", str(out), cwd=tmp_path)
    assert first.returncode == 2 and "promote:" in first.stderr
    handed = out.read_text().split("\t")[1]
    assert fake.main.secondary_token == handed
    second = respond(fake, "--execute", "--yes", "--promote-now", "--journal", str(journal),
                     "--secret-out", str(out), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert fake.main.auth_token == handed  # the token the user holds is the one in force
    assert len(out.read_text().splitlines()) == 1
    secondaries = [r for r in fake.requests if r.path.endswith("/AuthTokens/Secondary")]
    assert len(secondaries) == 1


def test_rotation_without_an_outage_then_promote(fake: FakeTwilio, tmp_path: Path) -> None:
    journal, out = tmp_path / "j.json", tmp_path / "t.tsv"
    old = fake.main.auth_token
    first = respond(fake, "--execute", "--yes", "--journal", str(journal), "--secret-out", str(out),
                    cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    new = out.read_text().split("\t")[1]
    assert fake.main.auth_token == old and fake.main.secondary_token == new  # both work now
    assert "twscan respond --execute --promote" in first.stdout
    plan = respond(fake, "--promote", "--journal", str(journal), cwd=tmp_path)
    assert plan.returncode == 0 and not [c for c in changes(fake) if "Promote" in c[1]]
    second = respond(fake, "--execute", "--yes", "--promote", "--journal", str(journal),
                     cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert fake.main.auth_token == new and fake.main.secondary_token is None
    # the old token no longer works, and says so clearly
    again = respond(fake, cwd=tmp_path, secret=old)
    assert again.returncode == 2 and "rejected the credential" in again.stderr


def test_promote_without_a_token_twscan_created_is_refused(fake: FakeTwilio, tmp_path: Path) -> None:
    proc = respond(fake, "--execute", "--yes", "--promote", "--journal", str(tmp_path / "j.json"),
                   cwd=tmp_path)
    assert proc.returncode == 2
    assert "no secondary Auth Token was created" in proc.stderr
    assert not [c for c in changes(fake) if "Promote" in c[1]]


# -- safety --------------------------------------------------------------------------------------


def test_without_confirmation_nothing_changes(fake: FakeTwilio, tmp_path: Path) -> None:
    proc = respond(fake, *[a for a in FULL if a != "--yes"], "--secret-out", str(tmp_path / "t"),
                   cwd=tmp_path)
    assert proc.returncode == 2 and "--yes" in proc.stderr
    assert {r.method for r in fake.requests} == {"GET"}


def test_the_token_is_never_handed_to_a_log(fake: FakeTwilio, tmp_path: Path) -> None:
    """Standard output is a pipe here (a CI log): without --secret-out the new token goes to a
    private file beside the journal, and the run says where; stdout and stderr never see it."""
    proc = respond(fake, "--execute", "--yes", "--promote-now", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    kept = tmp_path / f"twscan-respond-{fake.main.sid}.tokens"
    assert f"goes to {kept.name}" in proc.stderr or f"goes to {kept}" in proc.stderr
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.read_text().split("\t")[:2] == [fake.main.sid, fake.main.auth_token]
    assert fake.main.auth_token not in proc.stdout + proc.stderr


def test_the_token_goes_to_the_terminal_once(fake: FakeTwilio, tmp_path: Path) -> None:
    main = fake.main
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "NO_COLOR": "1",
           "TWILIO_ACCOUNT_SID": main.sid, "TWILIO_AUTH_TOKEN": main.auth_token,
           "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""}
    import sys

    from tests.tty import run_on_pty

    code, seen, err = run_on_pty(
        [sys.executable, "-m", "twscan", "respond", "--twilio-api-base", fake.base, "--execute",
         "--yes", "--journal", str(tmp_path / "j.json")],
        cwd=tmp_path, env=env, timeout=60,
    )
    assert code == 0, err
    token = main.secondary_token
    assert token and seen.count(token) == 1
    assert token not in (tmp_path / "j.json").read_text()


def test_a_redirect_is_not_followed(fake: FakeTwilio, elsewhere: FakeTwilio, tmp_path: Path) -> None:
    fake.fault("GET", r"/Keys\.json", "redirect", location=f"{elsewhere.base}/2010-04-01/Keys.json")
    proc = respond(fake, cwd=tmp_path)
    assert proc.returncode == 2
    assert "redirect (302)" in proc.stderr and "not followed" in proc.stderr
    assert elsewhere.requests == []


def test_a_next_page_on_another_host_is_not_followed(
    fake: FakeTwilio, elsewhere: FakeTwilio, tmp_path: Path
) -> None:
    fake.fault("GET", r"/DialingPermissions/Countries", "foreign-next-page")
    proc = respond(fake, cwd=tmp_path)
    assert proc.returncode == 2 and "another host" in proc.stderr
    assert elsewhere.requests == []


def test_rate_limits_and_server_errors_are_retried_with_backoff(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    fake.fault("GET", r"/Accounts\.json", "429", retry_after=1)
    fake.fault("GET", r"/Keys\.json", "503")
    fake.fault("POST", r"/Usage/Triggers\.json", "503")
    started = time.monotonic()
    proc = respond(fake, "--execute", "--yes", "--daily-limit", "50", "--trigger-callback",
                   "https://hooks.example.com/u", "--secret-out", str(tmp_path / "t"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    statuses = [r.status for r in fake.requests if r.path.endswith("/Accounts.json")]
    assert statuses[:2] == [429, 200]
    assert len(fake.triggers[fake.main.sid]) == 1


def test_a_server_error_on_a_post_is_not_retried(fake: FakeTwilio, tmp_path: Path) -> None:
    """A 500 to a POST may have been acted on: sending it again could create a second trigger."""
    fake.fault("POST", r"/Usage/Triggers\.json", "500")
    proc = respond(fake, "--execute", "--yes", "--daily-limit", "50", "--trigger-callback",
                   "https://hooks.example.com/u", "--secret-out", str(tmp_path / "t"),
                   "--journal", str(tmp_path / "j.json"), cwd=tmp_path)
    assert proc.returncode == 2 and "trigger:" in proc.stderr
    posts = [r for r in fake.requests if r.method == "POST" and "Triggers" in r.path]
    assert len(posts) == 1


@pytest.mark.parametrize("kind", ["401", "403", "404"])
def test_client_errors_are_answers_never_retried(kind: str, fake: FakeTwilio, tmp_path: Path) -> None:
    fake.fault("GET", r"/Usage/Triggers\.json", kind, times=5)
    proc = respond(fake, cwd=tmp_path)
    assert proc.returncode == 2 and kind in proc.stderr
    assert len([r for r in fake.requests if "Triggers" in r.path]) == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_a_hang_is_bounded_by_the_timeout(fake: FakeTwilio, tmp_path: Path) -> None:
    fake.fault("GET", r"/Messaging/GeoPermissions", "hang", times=5)
    started = time.monotonic()
    proc = respond(fake, "--timeout", "2", cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert proc.returncode == 2 and "within 2 s" in proc.stderr


def test_a_wrong_credential_and_test_credentials_are_refused(fake: FakeTwilio, tmp_path: Path) -> None:
    wrong = respond(fake, cwd=tmp_path, secret=creds.auth_token())
    assert wrong.returncode == 2 and "rejected the credential" in wrong.stderr
    sid, token = fake.add_test_credentials()
    test = respond(fake, cwd=tmp_path, account=sid, secret=token)
    assert test.returncode == 2 and "test credentials" in test.stderr
    assert token not in test.stdout + test.stderr


def test_credentials_never_come_from_the_command_line(fake: FakeTwilio, tmp_path: Path) -> None:
    token = fake.main.auth_token
    proc = respond(fake, "--auth-token", token, cwd=tmp_path)
    assert proc.returncode == 2 and token not in proc.stderr
    bad = respond(fake, cwd=tmp_path, account="AC123")
    assert bad.returncode == 2 and "TWILIO_ACCOUNT_SID" in bad.stderr


def test_a_credentials_file_is_read(fake: FakeTwilio, tmp_path: Path) -> None:
    f = tmp_path / "twilio.env"
    f.write_text(f"# incident\nexport TWILIO_ACCOUNT_SID={fake.main.sid}\n"
                 f"TWILIO_AUTH_TOKEN='{fake.main.auth_token}'\n")
    proc = run_twscan("respond", "--twilio-api-base", fake.base, "--credentials-file", str(f),
                      cwd=tmp_path, env={"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "",
                                          "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""})
    assert proc.returncode == 0, proc.stderr


def test_plain_http_goes_to_loopback_only(fake: FakeTwilio, tmp_path: Path) -> None:
    proc = run_twscan("respond", "--twilio-api-base", "http://api.example.com", cwd=tmp_path,
                      env={"TWILIO_ACCOUNT_SID": fake.main.sid,
                           "TWILIO_AUTH_TOKEN": fake.main.auth_token})
    assert proc.returncode == 2 and "https" in proc.stderr


def test_a_journal_of_another_account_is_refused(fake: FakeTwilio, tmp_path: Path) -> None:
    journal = tmp_path / "j.json"
    journal.write_text(json.dumps({"format": "twscan-respond-journal", "version": 1,
                                   "account": creds.account_sid(), "entries": []}))
    proc = respond(fake, "--execute", "--yes", "--journal", str(journal),
                   "--secret-out", str(tmp_path / "t"), cwd=tmp_path)
    assert proc.returncode == 2 and "this journal is for account" in proc.stderr
    assert {r.method for r in fake.requests} == {"GET"}


def test_an_unreadable_secret_out_is_refused_before_any_change(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    out = tmp_path / "shared.tsv"
    out.write_text("")
    out.chmod(0o644)
    proc = respond(fake, "--execute", "--yes", "--secret-out", str(out), cwd=tmp_path)
    assert proc.returncode == 2 and "chmod 600" in proc.stderr
    assert {r.method for r in fake.requests} == {"GET"}


def test_usage_errors(fake: FakeTwilio, tmp_path: Path) -> None:
    for args, words in (
        (["--daily-limit", "50"], "--trigger-callback"),
        (["--daily-limit", "-3", "--trigger-callback", "https://x.example"], "above 0"),
        (["--allow-countries", "USA"], "two-letter"),
        (["--promote", "--promote-now"], "exclude"),
        (["--account", creds.account_sid()], "neither the credential's account"),
    ):
        proc = respond(fake, *args, cwd=tmp_path)
        assert proc.returncode == 2 and words in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1


def test_a_secret_typed_as_an_argument_is_not_echoed(tmp_path: Path) -> None:
    """argparse repeats unknown arguments in its error; a token pasted there is shown redacted."""
    for value in (creds.auth_token(), creds.api_secret(), creds.sendgrid_key()):
        proc = run_twscan("scan", "--auth-token", value, ".", cwd=tmp_path)
        assert proc.returncode == 2 and value not in proc.stderr, proc.stderr
        assert "unrecognized arguments: --auth-token" in proc.stderr


def test_a_standard_api_key_is_refused_with_what_to_use_instead(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    """Twilio answers 403 to a Standard API key on the Accounts resource."""
    key = fake.keys_of(fake.main.sid)[0]
    fake.fault("GET", rf"/Accounts/{fake.main.sid}\.json", "403")
    proc = respond(fake, cwd=tmp_path, user=key.sid, secret=key.secret)
    assert proc.returncode == 2
    assert "Standard API key" in proc.stderr and "Main API key" in proc.stderr
    assert key.secret not in proc.stderr


def test_a_subaccount_can_be_the_one_responded_for(fake: FakeTwilio, tmp_path: Path) -> None:
    sub = fake.subaccounts(fake.main.sid)[0]
    proc = respond(fake, "--account", sub.sid, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [a["sid"] for a in doc["accounts"] if a["chosen"]] == [sub.sid]
    assert {s["account"] for s in doc["steps"] if s["mode"] == "automatic"} == {sub.sid}


def test_a_report_sid_of_another_account_is_named(fake: FakeTwilio, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    stranger = creds.account_sid()
    (project / "a.py").write_text(
        f'TWILIO_ACCOUNT_SID = "{stranger}"\nTWILIO_AUTH_TOKEN = "{creds.auth_token()}"\n'
    )
    report = tmp_path / "r.json"
    assert run_twscan("scan", "--format", "json", "-o", str(report), str(project)).returncode == 1
    proc = respond(fake, "--from-report", str(report), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"{stranger[:4]}…{stranger[-4:]} (in the report) is not on this account" in proc.stdout
    assert stranger not in proc.stdout


def test_two_runs_of_one_journal_at_once_are_refused(fake: FakeTwilio, tmp_path: Path) -> None:
    import fcntl

    journal = tmp_path / "j.json"
    with open(tmp_path / "j.json.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = respond(fake, "--execute", "--yes", "--journal", str(journal),
                       "--secret-out", str(tmp_path / "t"), cwd=tmp_path)
    assert proc.returncode == 2 and "another twscan respond is running" in proc.stderr
    assert {r.method for r in fake.requests} == {"GET"}


def test_a_history_report_works_too(fake: FakeTwilio, tmp_path: Path) -> None:
    from tests.gitutil import Repo

    key = fake.keys_of(fake.main.sid)[3]
    repo = Repo(tmp_path / "repo")
    repo.commit_file("deploy.env", f"TWILIO_API_KEY={key.sid}\nTWILIO_API_SECRET={key.secret}\n",
                     "add deploy settings")
    repo.commit_file("deploy.env", "TWILIO_API_KEY=\n", "oops, remove them")
    report = tmp_path / "history.json"
    made = run_twscan("history", "--repo", str(repo.path), "--format", "json", "-o", str(report))
    assert made.returncode == 1, made.stderr
    proc = respond(fake, "--from-report", str(report), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    steps = {s["id"]: s for s in json.loads(proc.stdout)["steps"]}
    assert steps[f"key:{fake.main.sid}:{key.sid}"]["details"] == [
        "found leaked by the report with its secret"]


def test_the_manual_steps_are_tracked_in_the_journal(fake: FakeTwilio, tmp_path: Path) -> None:
    journal = tmp_path / "j.json"
    marked = respond(fake, "--mark-done", "manual:2fa", "--mark-done", "manual:passwords",
                     "--journal", str(journal), cwd=tmp_path)
    assert marked.returncode == 0, marked.stderr
    assert "[x] Turn on 2FA for every login" in marked.stdout
    assert "[ ] Remove verified caller IDs" in marked.stdout
    assert {r.method for r in fake.requests} == {"GET"}
    run = respond(fake, "--execute", "--yes", "--journal", str(journal), "--secret-out",
                  str(tmp_path / "t"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()
    assert any(line.startswith("Next: deploy the new Auth Token of " + fake.main.sid)
               and f"--journal {journal}" in line for line in last)
    left = next(line for line in last if "manual step(s) left" in line)
    assert "manual:2fa" not in left and "manual:caller-ids" in left
    bad = respond(fake, "--mark-done", "manual:nothing", "--journal", str(journal), cwd=tmp_path)
    assert bad.returncode == 2 and "not a manual step" in bad.stderr
