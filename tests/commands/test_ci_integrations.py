"""CI outputs and the ready-made integrations, exercised as far as they run outside CI.

The GitHub Action's shell steps run for real here, on a real repository with a real remote,
with ``twscan`` on PATH; only what needs GitHub itself (setup-python, the SARIF upload) is
checked by reading the YAML. Every command and option the integrations use must exist in the
real CLI's help, so renaming one fails here rather than in a user's pipeline.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests import creds
from tests.conftest import DATA, run_twscan
from tests.gitutil import ROOT, Repo, git_env
from tests.gitutil import twscan as run_cli

yaml = pytest.importorskip("yaml")

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
SUMMARY = re.compile(
    r"^twscan: (\d+) findings \((\d+) new, (\d+) baselined, (\d+) ignored\), (\d+) files, "
    r"\d+\.\d\d s$"
)


# ``twscan`` as the action would find it on PATH: this checkout's CLI, with the git commands
# added if twscan.cli does not list them yet (they are being written alongside).
_CLI = "import sys; from twscan.cli import main; sys.exit(main(sys.argv[1:]))"


def load_yaml(rel: str) -> Any:
    return yaml.safe_load((ROOT / rel).read_text())


# --- the CLI's own help: what exists -----------------------------------------------------


@functools.cache
def commands() -> frozenset[str]:
    out = run_cli("--help", cwd=ROOT).stdout
    listing = out.split("positional arguments:", 1)[1].split("options:", 1)[0]
    return frozenset(re.findall(r"^ {4}([a-z][a-z-]*)(?: |$)", listing, re.M))


@functools.cache
def options(command: str) -> frozenset[str]:
    r = run_cli(command, "--help", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return frozenset(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", r.stdout))


def invocations(script: str) -> list[tuple[str, list[str]]]:
    """(subcommand, long options) of each ``twscan`` command line in a shell script."""
    found = []
    for line in script.splitlines():
        for m in re.finditer(r"(?:^|[\s;&|(])twscan\s+([a-z][a-z_-]*)([^;&|]*)", line):
            found.append((m.group(1), re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", m.group(2))))
    return found


def assert_commands_exist(script: str) -> int:
    n = 0
    for command, opts in invocations(script):
        assert command in commands(), f"twscan {command}: no such command"
        missing = set(opts) - options(command)
        assert not missing, f"twscan {command}: no option {sorted(missing)}"
        n += 1
    return n


# --- --format github ---------------------------------------------------------------------


def unescape(s: str) -> str:
    for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        s = s.replace(code, ch)
    return s


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    m = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
    assert m, line
    props = dict(p.split("=", 1) for p in m.group(2).split(","))
    return m.group(1), {k: unescape(v) for k, v in props.items()}, unescape(m.group(3))


def test_github_annotations_escape_like_the_toolkit(tmp_path: Path) -> None:
    tok, sid = creds.auth_token(), creds.account_sid()
    names = ["a,b:c%d.env", "line\nbreak.env", "plain.env"]
    for name in names:
        (tmp_path / name).write_text(f"TWILIO_AUTH_TOKEN={tok}\n")
    (tmp_path / "sid.txt").write_text(f"{sid}\n")
    r = run_twscan("scan", ".", "-f", "github", cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 4  # one line per finding, a file name's newline escaped
    assert "file=a%2Cb%3Ac%25d.env," in r.stdout and "file=line%0Abreak.env," in r.stdout
    parsed = [parse_command(x) for x in lines]
    assert {p[1]["file"] for p in parsed} == {*names, "sid.txt"}
    for cmd, props, message in parsed:
        assert props["title"].startswith("twscan: ")
        assert int(props["line"]) >= 1 and int(props["col"]) >= 1
        assert cmd == ("warning" if props["file"] == "sid.txt" else "error")
        assert tok not in message and sid not in message


# --- the summary line on stderr ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_summary_line_on_stderr_for_every_format(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "a.env").write_text(f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    (tmp_path / "b.py").write_text(f"TWILIO_AUTH_TOKEN = '{creds.auth_token()}'  # twscan:ignore\n")
    (tmp_path / "c.txt").write_text("nothing\n")
    r = run_twscan("scan", ".", "-f", fmt, cwd=tmp_path)
    assert r.returncode == 1
    m = SUMMARY.match(r.stderr.splitlines()[-1])
    assert m and m.groups() == ("2", "1", "0", "1", "3"), r.stderr


# --- SARIF of every scan mode ------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> tuple[Repo, str]:
    """History with an accepted secret, an ignored one, and a new one, partly staged."""
    repo = Repo(tmp_path)
    repo.commit_file("README.md", "# p\n", "init")
    base = repo.head()
    repo.commit_file("old.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n", "accepted")
    assert run_cli("baseline", "create", "history", cwd=tmp_path).returncode == 0
    repo.commit_file(
        "fixture.py", f"TWILIO_AUTH_TOKEN = '{creds.auth_token()}'  # twscan:ignore\n", "fx"
    )
    repo.commit_file("dir with space/nötes.md", f"Account {creds.account_sid()}\n", "notes")
    repo.stage("new.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    return repo, base


@pytest.mark.parametrize(
    "mode",
    # the baseline is not committed: the range trusts the checkout to read it
    [["scan", "."], ["staged"], ["range", "BASE..HEAD", "--config-from", "worktree"], ["history"]],
    ids=lambda m: m[0],
)
def test_sarif_of_every_scan_mode_validates(project: tuple[Repo, str], mode: list[str]) -> None:
    repo, base = project
    args = [a.replace("BASE", base) for a in mode]
    r = run_cli(*args, "--format", "sarif", cwd=repo.path)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    assert run["results"], mode
    ids = {d["id"] for d in run["tool"]["driver"]["rules"]}
    assert all(res["ruleId"] in ids for res in run["results"])
    notes = " ".join(
        n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]
    )
    if mode[0] != "staged":  # the index adds neither the accepted nor the ignored secret
        assert "accepted in the baseline .twscan-baseline.json" in notes
        assert "ignored inline with twscan:ignore" in notes
    assert SUMMARY.match(r.stderr.splitlines()[-1]), r.stderr


# --- the GitHub Action -------------------------------------------------------------------


def test_action_is_a_composite_action_that_gates_and_uploads_sarif() -> None:
    action = load_yaml("action.yml")
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    text = (ROOT / "action.yml").read_text()
    # Every expression refers to a real input or step; no run script expands one itself.
    assert set(re.findall(r"inputs\.([a-z-]+)", text)) <= set(action["inputs"])
    step_ids = {s.get("id") for s in steps}
    assert set(re.findall(r"steps\.([a-z-]+)\.outputs", text)) <= step_ids
    for s in steps:
        if "run" in s:
            assert "${{" not in s["run"], "pass values through env:, not into the script"
            assert s["shell"] == "bash"
    scripts = "\n".join(s["run"] for s in steps if "run" in s)
    assert assert_commands_exist(scripts) >= 2
    assert 'twscan range "$BASE..$HEAD" --format sarif --output "$SARIF"' in scripts
    upload = next(
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    )
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    scan = next(s for s in steps if s.get("id") == "scan")
    assert scan["env"]["SARIF"] == "${{ inputs.sarif-file }}"


def _twscan_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has a ``twscan`` running this checkout's CLI."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "twscan"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "$TWSCAN_SHIM" "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return git_env(
        {
            "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(ROOT),
            "TWSCAN_SHIM": _CLI,
            "NO_COLOR": "1",
        }
    )


def _run_step(
    step: dict[str, Any], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_action_steps_run_the_pull_request_gate(tmp_path: Path) -> None:
    origin = Repo(tmp_path / "origin.git", bare=True)
    repo = Repo(tmp_path / "work")
    repo.commit_file("old.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n", "old secret on main")
    repo.git("remote", "add", "origin", str(origin.path))
    repo.git("push", "-q", "origin", "main")
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature")
    tok = creds.auth_token()
    repo.commit_file("feature.env", f"TWILIO_AUTH_TOKEN={tok}\n", "feature adds a secret")
    head = repo.head()

    steps = {s["name"]: s for s in load_yaml("action.yml")["runs"]["steps"]}
    out = tmp_path / "github_output"
    out.write_text("")
    env = _twscan_on_path(tmp_path) | {"GITHUB_OUTPUT": str(out)}
    event = {"RANGE": "", "PR_BASE": base, "PR_HEAD": head, "BEFORE": "", "AFTER": head,
             "DEFAULT_BRANCH": "main"}  # fmt: skip
    r = _run_step(steps["Work out the range"], env | event, repo.path)
    assert r.returncode == 0, r.stderr
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert (outputs["base"], outputs["head"]) == (base, head)

    scan_env = {"BASE": base, "HEAD": head, "ARGS": "", "SARIF": "twscan.sarif", "ANNOTATE": "true"}
    r = _run_step(steps["Scan the commits"], env | scan_env, repo.path)
    assert r.returncode == 0, r.stderr
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["exit-code"] == "1"
    annotations = [x for x in r.stdout.splitlines() if x.startswith("::")]
    assert len(annotations) == 1 and "file=feature.env," in annotations[0]  # not old.env
    assert tok not in r.stdout + r.stderr
    sarif = json.loads((repo.path / "twscan.sarif").read_text())
    jsonschema.validate(sarif, SCHEMA)
    assert len(sarif["runs"][0]["results"]) == 1

    r = _run_step(steps["Fail when credentials were added"], env | {"CODE": "1"}, repo.path)
    assert r.returncode == 1 and "::error title=twscan::" in r.stdout

    # A push that creates a branch: the base is the default branch.
    out.write_text("")
    push = event | {"PR_BASE": "", "PR_HEAD": "", "BEFORE": "0" * 40}
    r = _run_step(steps["Work out the range"], env | push, repo.path)
    assert r.returncode == 0, r.stderr
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert (outputs["base"], outputs["head"]) == ("origin/main", head)


# --- example workflows and the pre-commit snippet ----------------------------------------


def test_github_workflow_example() -> None:
    wf = load_yaml("examples/ci/github-actions.yml")
    assert wf["permissions"]["security-events"] == "write"
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["fetch-depth"] == 0 for s in checkouts)
    assert any(s.get("uses", "").startswith("twscan/twscan@") for s in steps)
    gate = next(s for s in steps if s.get("uses", "").startswith("twscan/twscan@"))
    assert set(gate.get("with", {})) <= set(load_yaml("action.yml")["inputs"])
    for opt in gate["with"].get("args", "").split():
        if opt.startswith("--"):
            assert opt in options("range")
    assert assert_commands_exist("\n".join(s["run"] for s in steps if "run" in s)) >= 1


def test_gitlab_example() -> None:
    job = load_yaml("examples/ci/gitlab-ci.yml")["twscan"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert assert_commands_exist("\n".join(job["script"])) == 2
    assert "twscan.sarif" in job["artifacts"]["paths"]


def test_documented_pre_commit_config_uses_real_hooks() -> None:
    hooks = {h["id"]: h for h in load_yaml(".pre-commit-hooks.yaml")}
    docs = (ROOT / "docs" / "workflow.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", docs, re.S) if "repos:" in b]
    assert blocks
    config = yaml.safe_load(blocks[0])
    used = [h["id"] for repo in config["repos"] for h in repo["hooks"]]
    assert used == ["twscan", "twscan-push"]
    for hook_id in used:
        assert_commands_exist(hooks[hook_id]["entry"])


def test_docs_cover_every_config_key_and_option() -> None:
    from twscan.triage.config import KEYS

    docs = (ROOT / "docs" / "workflow.md").read_text()
    for key in KEYS:
        assert f"| `{key}` |" in docs, key
    for opt in ("--baseline", "--no-baseline", "--config", "--fail-on"):
        assert f"`{opt}" in docs
        assert opt in options("scan")
