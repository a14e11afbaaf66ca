"""Configuration: where it is found, what each key does, and that every mistake is named."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests import creds
from tests.conftest import ACME_RULES, run_twscan
from tests.gitutil import Repo
from tests.gitutil import twscan as run_git_mode
from twscan.triage.pathglob import PathGlobs


def write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


def secrets_found(root: Path, *args: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    r = run_twscan("scan", *args, "-f", "json", "--show-secrets", cwd=cwd or root)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, {f["secret"] for f in json.loads(r.stdout)["findings"]}


# --- discovery ---------------------------------------------------------------------------


def test_found_from_the_scan_root_upward_and_stops_at_the_repository(tmp_path: Path) -> None:
    tok = creds.auth_token()
    write(tmp_path, ".twscan.toml", 'exclude = ["*.env"]\n')  # outside the repository: not used
    proj = tmp_path / "proj"
    Repo(proj)
    write(proj, "sub/a.env", f"TWILIO_AUTH_TOKEN={tok}\n")
    assert secrets_found(proj, "sub")[1] == {tok}
    write(proj, "pyproject.toml", '[project]\nname = "x"\n\n[tool.twscan]\nexclude = ["*.env"]\n')
    # Found from the scan root (not the working directory), above the directory scanned.
    assert secrets_found(proj, str(proj / "sub"), cwd=tmp_path) == (0, set())
    # .twscan.toml beats pyproject.toml in the same directory.
    write(proj, ".twscan.toml", "exclude = []\n")
    assert secrets_found(proj, ".")[1] == {tok}


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    Repo(tmp_path)
    write(tmp_path, ".twscan.toml", 'fail-on = "critical"\n')
    write(tmp_path, "pkg/pyproject.toml", '[project]\nname = "pkg"\n')
    write(tmp_path, "pkg/sid.txt", f"{creds.account_sid()}\n")
    r = run_twscan("scan", "pkg", cwd=tmp_path)
    assert r.returncode == 0 and "below the fail-on severity" in r.stdout, r.stdout


@pytest.mark.parametrize(
    "table",
    [
        '[tool]\ntwscan = { fail-on = "critical" }\n',
        '[tool]\ntwscan.fail-on = "critical"\n',
        'tool.twscan.fail-on = "critical"\n',
        '[ tool . "twscan" ]\nfail-on = "critical"\n',
    ],
    ids=["inline-table", "dotted-key", "top-level-dotted", "spaced-quoted-header"],
)
def test_pyproject_table_in_any_toml_spelling(tmp_path: Path, table: str) -> None:
    """A pyproject is parsed only if its bytes can name the table; every TOML spelling can."""
    Repo(tmp_path)
    project = '[project]\nname = "x"\ndependencies = ["twscan==0.1"]\n'
    write(tmp_path, "pyproject.toml", table + "\n" + project)
    write(tmp_path, "sid.txt", f"{creds.account_sid()}\n")
    r = run_twscan("scan", ".", cwd=tmp_path)
    assert r.returncode == 0 and "below the fail-on severity" in r.stdout, r.stdout + r.stderr


def test_explicit_config_overrides_discovery(tmp_path: Path) -> None:
    Repo(tmp_path)
    write(tmp_path, ".twscan.toml", 'fail-on = "critical"\n')
    write(tmp_path, "ci/strict.toml", 'fail-on = "low"\n')
    write(tmp_path, "sid.txt", f"{creds.account_sid()}\n")
    assert run_twscan("scan", ".", cwd=tmp_path).returncode == 0
    assert run_twscan("scan", ".", "--config", "ci/strict.toml", cwd=tmp_path).returncode == 1


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text, message",
    [
        (".twscan.toml", "exclude = []\nexlcude = ['x']\n", "unknown key 'exlcude'"),
        (
            "pyproject.toml",
            "[tool.twscan]\nfail_on = 'high'\n",
            "[tool.twscan]: unknown key 'fail_on'",
        ),
        (
            ".twscan.toml",
            "fail-on = 'severe'\n",
            "'fail-on' must be one of critical, high, medium, low",
        ),
        (".twscan.toml", "rules = ['missing.toml']\n", "rules file not found: missing.toml"),
        (
            ".twscan.toml",
            "exclude = 'ok'\nallowlist = [1]\n",
            "'allowlist' must be a list of strings",
        ),
        (".twscan.toml", "max-file-size = 'big'\n", "'max-file-size' must be a size"),
        (
            ".twscan.toml",
            "max-decode-depth = -1\n",
            "'max-decode-depth' must be a whole number from 0",
        ),
        (
            ".twscan.toml",
            "max-decode-depth = 'deep'\n",
            "'max-decode-depth' must be a whole number",
        ),
        (".twscan.toml", "exclude = [\n", "not valid TOML"),
    ],
)
def test_config_errors_exit_2_naming_the_problem(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    Repo(tmp_path)
    write(tmp_path, name, text)
    write(tmp_path, "a.txt", "nothing\n")
    for args in (["scan", "."], ["rules"]):
        r = run_twscan(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stdout)
        assert message in r.stderr and name in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_invalid_allowlist_pattern_is_named_but_not_echoed(tmp_path: Path) -> None:
    Repo(tmp_path)
    tok = creds.auth_token()
    write(tmp_path, ".twscan.toml", f'allowlist = ["ok", "{tok}(("]\n')
    r = run_twscan("scan", ".", cwd=tmp_path)
    assert r.returncode == 2 and "allowlist[1]: invalid pattern" in r.stderr
    assert tok not in r.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    r = run_twscan("scan", ".", "--config", "nope.toml", cwd=tmp_path)
    assert r.returncode == 2 and "config file not found: nope.toml" in r.stderr
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    r = run_twscan("scan", ".", "--config", "pyproject.toml", cwd=tmp_path)
    assert r.returncode == 2 and "no [tool.twscan] table" in r.stderr


# --- what each key does ------------------------------------------------------------------


def test_exclude_globs_skip_files_and_say_so(tmp_path: Path) -> None:
    Repo(tmp_path)
    keep, *dropped = (creds.auth_token() for _ in range(4))
    write(tmp_path, ".twscan.toml", 'exclude = ["tests/fixtures/", "*.min.js", "/build"]\n')
    write(tmp_path, "src/app.env", f"TWILIO_AUTH_TOKEN={keep}\n")
    write(tmp_path, "tests/fixtures/deep/x.env", f"TWILIO_AUTH_TOKEN={dropped[0]}\n")
    write(tmp_path, "web/app.min.js", f"TWILIO_AUTH_TOKEN='{dropped[1]}'\n")
    write(tmp_path, "build/out.env", f"TWILIO_AUTH_TOKEN={dropped[2]}\n")
    write(tmp_path, "src/build/ok.env", "nothing\n")
    r = run_twscan("scan", ".", "-f", "json", "--show-secrets", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert {f["secret"] for f in doc["findings"]} == {keep}
    assert "3 file(s) excluded by the configuration's exclude globs" in doc["summary"]["notes"]
    assert doc["summary"]["files_scanned"] == 3  # app.env, ok.env, .twscan.toml


def test_exclude_applies_to_git_blobs_too(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    repo.commit_file(".twscan.toml", 'exclude = ["fixtures/**"]\n', "config")
    base = repo.head()
    keep, drop = creds.auth_token(), creds.auth_token()
    repo.commit_file("fixtures/fake.env", f"TWILIO_AUTH_TOKEN={drop}\n", "fixture")
    repo.commit_file("app.env", f"TWILIO_AUTH_TOKEN={keep}\n", "app")
    r = run_git_mode("range", f"{base}..HEAD", "-f", "json", "--show-secrets", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert r.returncode == 1
    assert [f["secret"] for f in doc["findings"]] == [keep]
    assert doc["summary"]["counts"]["excluded"] == 1


def test_allowlist_values_and_patterns(tmp_path: Path) -> None:
    Repo(tmp_path)
    exact, kept = creds.auth_token(), creds.auth_token()
    write(tmp_path, ".twscan.toml", f'allowlist = ["{exact}", "AC0{{6}}[0-9a-f]+"]\n')
    write(tmp_path, "a.env", f"TWILIO_AUTH_TOKEN={exact}\n")
    write(tmp_path, "b.env", f"TWILIO_AUTH_TOKEN={kept}\n")
    write(tmp_path, "c.txt", "AC000000" + creds.auth_token()[:26] + "\n")
    r = run_twscan("scan", ".", "-f", "json", "--show-secrets", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert {f["secret"] for f in doc["findings"]} == {kept}
    assert doc["summary"]["counts"]["allowlisted"] == 2


def test_config_rules_are_loaded_and_listed(tmp_path: Path) -> None:
    Repo(tmp_path)
    write(tmp_path, "security/acme.toml", ACME_RULES)
    write(tmp_path, "security/twscan.toml", 'rules = ["acme.toml"]\n')
    write(tmp_path, "pyproject.toml", "[tool.twscan]\nrules = ['security/acme.toml']\n")
    write(tmp_path, "k.txt", "acme_" + creds.auth_token()[:24] + "\n")
    r = run_twscan("scan", ".", "-f", "json", cwd=tmp_path)
    assert r.returncode == 1 and json.loads(r.stdout)["findings"][0]["rule"] == "acme-internal-key"
    # The same file also given with --rules is loaded once (no duplicate-id error).
    r = run_twscan("scan", ".", "--rules", "security/acme.toml", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    listed = run_twscan("rules", cwd=tmp_path)
    assert listed.returncode == 0 and "acme-internal-key" in listed.stdout
    # Relative to the configuration file, whatever the working directory.
    listed = run_twscan(
        "rules", "--config", "security/twscan.toml", "--format", "json", cwd=tmp_path
    )
    ids = [x["id"] for x in json.loads(listed.stdout)["rules"]]
    assert "acme-internal-key" in ids and "twilio-account-sid" in ids


def test_fail_on_reports_below_it_but_exits_0_and_cli_overrides(tmp_path: Path) -> None:
    Repo(tmp_path)
    write(tmp_path, ".twscan.toml", "fail-on = 'high'\n")
    sid = creds.account_sid()
    write(tmp_path, "sid.txt", f"{sid}\n")
    r = run_twscan("scan", ".", "-f", "json", "--show-secrets", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert r.returncode == 0
    assert [f["secret"] for f in doc["findings"]] == [sid]
    assert doc["summary"]["fail_on"] == "high" and doc["summary"]["counts"]["failing"] == 0
    assert run_twscan("scan", ".", "--fail-on", "medium", cwd=tmp_path).returncode == 1
    write(tmp_path, "tok.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    assert run_twscan("scan", ".", cwd=tmp_path).returncode == 1


def test_max_file_size_from_config_and_cli_override(tmp_path: Path) -> None:
    Repo(tmp_path)
    write(tmp_path, ".twscan.toml", "max-file-size = '1K'\nmax-decode-depth = 3\n")
    write(tmp_path, "big.log", "x" * 5000 + f"\nTWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    r = run_twscan("scan", ".", "-f", "json", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert r.returncode == 0 and doc["summary"]["skipped"][0]["path"].endswith("big.log")
    assert run_twscan("scan", ".", "--max-file-size", "10K", cwd=tmp_path).returncode == 1


def test_configured_baseline_path(tmp_path: Path) -> None:
    Repo(tmp_path)
    write(tmp_path, ".twscan.toml", "baseline = 'security/accepted.json'\n")
    (tmp_path / "security").mkdir()
    write(tmp_path, "a.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    r = run_twscan("baseline", "create", cwd=tmp_path)
    assert r.returncode == 0 and "security/accepted.json" in r.stdout, r.stdout + r.stderr
    assert (tmp_path / "security" / "accepted.json").is_file()
    assert run_twscan("scan", ".", cwd=tmp_path).returncode == 0
    entries = json.loads((tmp_path / "security" / "accepted.json").read_text())["entries"]
    assert [e["path"] for e in entries] == ["../a.env"]  # relative to the baseline file


# --- the glob language, directly ---------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, yes, no",
    [
        ("*.min.js", ["a.min.js", "web/x/a.min.js"], ["a.min.jsx", "min.js/x.py"]),
        ("node_modules", ["node_modules/a/b.js", "x/node_modules/c"], ["node_modules_old/a"]),
        ("tests/fixtures/", ["tests/fixtures/a", "tests/fixtures/d/e"], ["src/tests/fixtures/a"]),
        ("/build", ["build/x"], ["src/build/x"]),
        ("docs/*.md", ["docs/a.md"], ["docs/sub/a.md", "a/docs/a.md"]),
        ("**/testdata/**", ["testdata/a", "x/y/testdata/z"], ["testdatas/a"]),
        ("src/**/*.env", ["src/a.env", "src/x/y/a.env"], ["a.env", "lib/src/a.env"]),
        ("file?.[ch]", ["file1.c", "d/fileX.h"], ["file12.c", "file1.py"]),
    ],
)
def test_path_globs(pattern: str, yes: list[str], no: list[str]) -> None:
    g = PathGlobs.compile([pattern])
    for p in yes:
        assert g.match(p), (pattern, p)
    for p in no:
        assert not g.match(p), (pattern, p)
