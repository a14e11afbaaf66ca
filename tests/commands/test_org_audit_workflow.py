"""The shipped organisation-audit CI examples, run: each shard job's script, then the merge job's,
against a stand-in GitHub that lists local repositories, and the result compared with one
unsharded audit of the same organisation."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests import creds
from tests.commands.test_ci_integrations import assert_commands_exist, load_yaml
from tests.conftest import REPO, run_twscan
from tests.fake_github import FakeGitHub, RealClock, new_github_token
from tests.gitutil import Repo


def _bin(tmp: Path) -> Path:
    """A ``twscan`` on PATH, as ``pip install twscan`` leaves one, running this tree."""
    d = tmp / "bin"
    d.mkdir()
    exe = d / "twscan"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m twscan "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return d


def _step(job: dict[str, Any], name: str) -> str:
    return next(s["run"] for s in job["steps"] if s.get("name") == name)


def _essence(doc: Any) -> Any:
    return sorted(
        (i["id"], i["secret"], sorted((p["repo"], p["path"], p["commit"]) for p in i["places"]))
        for i in doc["incidents"]
    )


def test_the_github_actions_example_shards_merge_and_report(tmp_path: Path) -> None:
    wf = load_yaml("examples/ci/org-audit.yml")
    shards = wf["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(wf["env"]["SHARDS"]) + 1))
    scripts = [s["run"] for job in wf["jobs"].values() for s in job["steps"] if "run" in s]
    assert assert_commands_exist("\n".join(scripts)) >= 5
    assert wf["jobs"]["report"]["needs"] == "shard"

    sid, tok = creds.account_sid(), creds.auth_token()
    token = new_github_token()
    with FakeGitHub(token, RealClock()).running() as gh:
        for i in range(6):
            r = Repo(tmp_path / "src" / f"svc{i}")
            body = (f'TWILIO_ACCOUNT_SID = "{sid}"\nTWILIO_AUTH_TOKEN = "{tok}"\n' if i in (1, 4)
                    else f"# service {i}\n")  # fmt: skip
            r.commit_file("settings.py", body, f"service {i}")
            gh.add_repo("acme", f"svc{i}", clone_url=r.path.as_uri())
        salt = "ci-" + creds.auth_token()
        env = {
            **os.environ,
            "PATH": f"{_bin(tmp_path)}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(REPO),
            "ORG": "acme",
            "SHARDS": str(len(shards)),
            "GITHUB_TOKEN": token,
            "TWSCAN_GITHUB_API_URL": gh.url,
            "TWSCAN_AUDIT_SALT": salt,
            "TWSCAN_CACHE_DIR": str(tmp_path / "cache"),
        }
        audit_script = _step(wf["jobs"]["shard"], "Audit this shard")
        artifacts = tmp_path / "artifacts"
        artifacts.mkdir()
        for shard in shards:  # each matrix job in a workspace of its own
            job = tmp_path / f"job{shard}"
            job.mkdir()
            proc = subprocess.run(["bash", "-ec", audit_script], cwd=job, env={**env, "SHARD": str(shard)},
                                  capture_output=True, text=True)  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            (artifacts / f"shard-{shard}.sqlite").write_bytes((job / f"shard-{shard}.sqlite").read_bytes())
        report_job = wf["jobs"]["report"]
        for name in ("Merge the shards", "Reports"):
            proc = subprocess.run(["bash", "-ec", _step(report_job, name)], cwd=artifacts, env=env,
                                  capture_output=True, text=True)  # fmt: skip
            assert proc.returncode == 0, (name, proc.stderr)
        assert (artifacts / "org-audit.html").stat().st_size > 0
        sarif = json.loads((artifacts / "org-audit.sarif").read_text())
        assert len(sarif["runs"][0]["results"]) == 2

        whole = tmp_path / "whole.sqlite"
        one = run_twscan("audit", "--github-org", "acme", "--db", str(whole), "-q", "-o", os.devnull,
                         "--mirror-dir", str(tmp_path / "m"), cwd=tmp_path,
                         env={k: env[k] for k in ("GITHUB_TOKEN", "TWSCAN_GITHUB_API_URL",
                                                  "TWSCAN_AUDIT_SALT")})  # fmt: skip
        assert one.returncode == 1, one.stderr

    def doc(db: Path) -> Any:
        proc = run_twscan("report", "--db", str(db), "--format", "json", cwd=tmp_path,
                          env={"TWSCAN_AUDIT_SALT": salt})
        return json.loads(proc.stdout)

    merged, single = doc(artifacts / "org.sqlite"), doc(whole)
    assert _essence(merged) == _essence(single)
    (incident,) = merged["incidents"]
    assert sorted(incident["repos"]) == ["acme/svc1", "acme/svc4"]
    assert tok not in (artifacts / "org-audit.html").read_text()


def test_the_gitlab_example_uses_parallel_shards() -> None:
    doc = yaml.safe_load((REPO / "examples" / "ci" / "org-audit.gitlab-ci.yml").read_text())
    shard, merge = doc["org-audit-shard"], doc["org-audit-report"]
    assert isinstance(shard["parallel"], int) and shard["parallel"] > 1
    script = "\n".join(shard["script"])
    assert '--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in script
    assert merge["needs"] == ["org-audit-shard"]
    assert assert_commands_exist(script + "\n" + "\n".join(merge["script"])) == 5
