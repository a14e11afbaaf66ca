"""What the engine found, sorted into what to report, what fails the run, and what was set aside.

One function for every scan mode — files, the index, a range, the whole history — because a
team's decisions (paths it excludes, values it allowlists, ignores in the code, its baseline,
the severity that should stop a merge) must mean the same in the pre-commit hook, the CI gate
and the audit. Nothing is dropped without a count: what is set aside travels to the reports in
a :class:`~twscan.core.model.Triage`.

The order matters: an excluded path or an allowlisted value is not a finding at all; an inline
ignore is a finding someone marked in the code (it wins over the baseline, being visible where
the secret is); the baseline decides what is new; ``fail-on`` only decides the exit code.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from twscan.core.model import Finding, Severity, Triage
from twscan.core.record import Record
from twscan.core.safeio import display_name
from twscan.triage.config import Config

# twscan.triage.baseline (hashlib, hmac, json) loads only when there is a baseline
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from twscan.triage.baseline import Baseline

#: A finding's ``file`` as an absolute path, or None for what is not a path (``-`` for
#: standard input, ``<commit message>``).
Locate = Callable[[str], "str | None"]


def _nowhere(path: str) -> str | None:
    return None


class Policy(Record):
    """A record, not a dataclass: the commit hook builds one (see :mod:`twscan.core.record`)."""

    __slots__ = ("config", "baseline", "fail_on", "locate")

    def __init__(
        self,
        config: Config | None = None,
        baseline: Baseline | None = None,
        fail_on: Severity = Severity.LOW,
        locate: Locate = _nowhere,
    ) -> None:
        self.config = Config() if config is None else config
        self.baseline = baseline
        self.fail_on = fail_on
        self.locate = locate


def triage(findings: list[Finding], policy: Policy) -> tuple[list[Finding], Triage]:
    """The findings to report (new ones, including those below ``fail-on``) and the rest."""
    cfg, base = policy.config, policy.baseline
    t = Triage(
        fail_on=policy.fail_on,
        baseline_file=shown(base.path) if base is not None and base.path else None,
        config_file=shown(cfg.path) if cfg.path else None,
    )
    report: list[Finding] = []
    for f in findings:
        paths = live_paths(f, policy)
        if not paths:
            t.excluded += 1
            continue
        if cfg.allowlist and cfg.allowed(f.secret):
            t.allowlisted += 1
            continue
        if f.extra.get("ignored"):
            t.ignored.append(f)
            continue
        if base is not None:
            entries = [base.entries.get(k) for k in baseline_keys(base, f, paths, policy)]
            if all(entries):
                f.extra["baseline_reason"] = entries[0].reason if entries[0] else None
                t.baselined.append(f)
                continue
        report.append(f)
    t.failing = sum(1 for f in report if f.severity.rank >= policy.fail_on.rank)
    return report, t


def live_paths(f: Finding, policy: Policy) -> list[str]:
    """The paths holding the finding's secret that the configuration does not exclude.

    Usually just ``file``; the history audit reports each secret once, at the path that
    introduced it, and lists the others in ``extra["paths"]``. Excluding, accepting or
    recording a secret covers all of them, or a baseline written from history would not match
    the same secrets in a scan of the files.
    """
    extra = f.extra.get("paths")
    others = [p for p in extra if isinstance(p, str)] if isinstance(extra, list) else []
    paths = [f.file, *(p for p in others if p != f.file)]
    return [p for p in paths if not excluded(p, policy)] if policy.config.exclude else paths


def excluded(path: str, policy: Policy) -> bool:
    """Whether the configuration's ``exclude`` globs cover this path (never ``-`` or a
    ``<commit message>``: they are not paths)."""
    cfg = policy.config
    where = policy.locate(path)
    if where is None or cfg.base is None:
        return False
    return cfg.exclude.match(relative(where, str(cfg.base)))


def baseline_keys(base: Baseline, f: Finding, paths: list[str], policy: Policy) -> list[str]:
    return [baseline_key(base, f, baseline_path(base, p, policy.locate)) for p in paths]


def baseline_key(base: Baseline, f: Finding, stored_path: str) -> str:
    """A pair is keyed by both halves: an accepted token next to another account's SID is a
    new credential, and a new SID must not hide inside an accepted pair."""
    secret = f.secret if f.pair is None else f"{f.secret}\0{f.pair.secret}"
    return base.fingerprint(f.rule, secret, stored_path)


def baseline_path(base: Baseline, path: str, locate: Locate) -> str:
    """The path as the baseline stores it: relative to the baseline file's directory."""
    where = locate(path)
    return path if where is None else display_name(relative(where, str(base.root)))


def relative(path: str, start: str) -> str:
    rel = os.path.relpath(path, start)
    return rel.replace(os.sep, "/")


def shown(path: os.PathLike[str] | str) -> str:
    """A path as the user would type it from here: relative below the working directory."""
    rel = os.path.relpath(path)
    return display_name(rel if not rel.startswith("..") else os.fspath(path))
