"""Accuracy of ``twscan scan`` against the adversarial ground-truth corpus (tests/corpus.py).

The corpus is written from what real files look like, independently of the engine.  A planted
value counts as found when any finding *in that file* reports it as ``secret`` or ``pair.secret``;
a reported value is a true positive when it was planted in that file.  Both sides are compared as
unique (file, value) pairs.

Failure output never shows a full secret: values are cut to their first and last four characters.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.corpus import (
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    KINDS,
    SECRET_KINDS,
    SENDGRID_API_KEY,
    Corpus,
    Planted,
    generate,
    redact,
)

SEEDS = (0, 1, 2)
RECALL_MIN = 0.97
TOKEN_RECALL_MIN = 0.97
PRECISION_MIN = 0.97


def _cli_missing() -> bool:
    try:
        return importlib.util.find_spec("twscan.cli") is None
    except ModuleNotFoundError:
        return True


needs_cli = pytest.mark.skipif(_cli_missing(), reason="twscan.cli is not implemented yet")


# --------------------------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------------------------


def _scrub(text: str, secrets: set[str]) -> str:
    """Redact every known secret from CLI output before it can reach a test report."""
    for s in sorted(secrets, key=len, reverse=True):
        if s in text:
            text = text.replace(s, redact(s))
    return text


def run_scan(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "twscan", "scan", str(root), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=root.parent,
        env=env,
        timeout=900,
        check=False,
    )


class _Corpora:
    """Builds each seed's corpus once per test session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.cache: dict[int, Corpus] = {}

    def get(self, seed: int) -> Corpus:
        if seed not in self.cache:
            root = self.factory.mktemp(f"corpus-seed{seed}") / "repo"
            self.cache[seed] = generate(root, seed)
        return self.cache[seed]


@pytest.fixture(scope="session")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> _Corpora:
    return _Corpora(tmp_path_factory)


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    path: str
    value: str
    kind: str
    rule: str
    line: int | None


@dataclass
class Evaluation:
    corpus: Corpus
    planted: dict[tuple[str, str], Planted]
    reported: dict[tuple[str, str], Reported]
    found: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.found = self.planted.keys() & self.reported.keys()

    @property
    def missed(self) -> list[Planted]:
        return sorted(
            (self.planted[k] for k in self.planted.keys() - self.found),
            key=lambda p: (p.fmt, p.path, p.kind),
        )

    @property
    def false_positives(self) -> list[Reported]:
        return sorted(
            (self.reported[k] for k in self.reported.keys() - self.planted.keys()),
            key=lambda r: (r.path, r.line or 0),
        )

    def recall(self, kinds: frozenset[str] | None = None) -> float:
        keys = [k for k, p in self.planted.items() if kinds is None or p.kind in kinds]
        return sum(k in self.found for k in keys) / max(len(keys), 1)

    def precision(self) -> float:
        if not self.reported:
            return 1.0
        return len(self.reported.keys() & self.planted.keys()) / len(self.reported)


def _relpath(file: str, root: Path, cwd: Path) -> str:
    p = Path(file)
    if not p.is_absolute():
        p = cwd / p
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return f"<outside corpus>/{file}"


def _reported_values(finding: dict[str, Any]) -> Iterator[tuple[str, str, int | None]]:
    if finding.get("secret"):
        yield str(finding["secret"]), str(finding.get("kind")), finding.get("line")
    pair = finding.get("pair")
    if isinstance(pair, dict) and pair.get("secret"):
        yield str(pair["secret"]), str(pair.get("kind")), pair.get("line")


def evaluate(corpus: Corpus, report: dict[str, Any]) -> Evaluation:
    cwd = corpus.root.parent
    planted = {(p.path, p.secret): p for p in corpus.planted}
    reported: dict[tuple[str, str], Reported] = {}
    for finding in report["findings"]:
        rel = _relpath(str(finding["file"]), corpus.root, cwd)
        for value, kind, line in _reported_values(finding):
            reported.setdefault(
                (rel, value), Reported(rel, value, kind, str(finding.get("rule")), line)
            )
    return Evaluation(corpus, planted, reported)


def _table(title: str, rows: dict[str, list[int]]) -> list[str]:
    """rows: name -> [planted, found, false positives]"""
    out = [title, f"  {'':26} {'planted':>7} {'found':>6} {'recall':>7} {'false+':>6}"]
    for name, (n, found, fps) in rows.items():
        rec = f"{100 * found / n:6.1f}%" if n else "     - "
        flag = "  <--" if found < n or fps else ""
        out.append(f"  {name:26} {n:7} {found:6} {rec:>7} {fps:6}{flag}")
    return out


def failure_report(ev: Evaluation) -> str:
    corpus = ev.corpus
    decoy_cat = {(d.path, d.value): d.category for d in corpus.decoys}
    fmt_of = corpus.fmt_of
    fps = ev.false_positives

    by_fmt: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, p in ev.planted.items():
        by_fmt[p.fmt][0] += 1
        by_fmt[p.fmt][1] += key in ev.found
    for r in fps:
        by_fmt[fmt_of.get(r.path, "<unknown file>")][2] += 1
    by_kind: dict[str, list[int]] = {k: [0, 0, 0] for k in KINDS}
    for key, p in ev.planted.items():
        by_kind[p.kind][0] += 1
        by_kind[p.kind][1] += key in ev.found
    fp_kinds = Counter(r.kind for r in fps)

    lines = [
        f"seed {corpus.seed}: recall {ev.recall():.3f}, token/secret recall "
        f"{ev.recall(SECRET_KINDS):.3f}, precision {ev.precision():.3f} "
        f"({len(ev.found)}/{len(ev.planted)} found, {len(fps)} false of {len(ev.reported)} reported)",
        "",
    ]
    lines += _table("per format:", {f: by_fmt[f] for f in sorted(by_fmt)})
    lines.append("")
    lines += _table("per kind (planted kind):", by_kind)
    if fp_kinds:
        lines.append(
            "  false positives by reported kind: "
            + ", ".join(f"{k}={n}" for k, n in fp_kinds.most_common())
        )
    lines += ["", f"missed ({len(ev.missed)}):"]
    for p in ev.missed[:80]:
        lines.append(f"  {p.fmt:18} {p.kind:17} {redact(p.secret):12} {p.path}")
    if len(ev.missed) > 80:
        lines.append(f"  ... {len(ev.missed) - 80} more")
    lines += ["", f"false positives ({len(fps)}):"]
    for r in fps[:80]:
        cat = decoy_cat.get((r.path, r.value), "not a registered decoy")
        lines.append(
            f"  {fmt_of.get(r.path, '?'):18} {r.kind:17} {redact(r.value):12} "
            f"{r.path}:{r.line}  [{cat}; rule {r.rule}]"
        )
    if len(fps) > 80:
        lines.append(f"  ... {len(fps) - 80} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Ground-truth sanity (no engine needed)
# --------------------------------------------------------------------------------------------

_SHAPE_CHECKS = {
    "twilio sid": re.compile(r"(?<![A-Za-z0-9])(?:AC|SK)[0-9a-f]{32}(?![A-Za-z0-9])"),
    "sendgrid key": re.compile(r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    "32 hex": re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])"),
    "32 mixed alnum": re.compile(
        r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Z])(?=[A-Za-z0-9]*[a-z])(?=[A-Za-z0-9]*[0-9])"
        r"[A-Za-z0-9]{32}(?![A-Za-z0-9])"
    ),
}


def test_sources_hold_no_credential_literals() -> None:
    """Credentials are generated at run time; no credential-shaped literal is committed."""
    sources = [
        REPO / "tests" / "corpus.py",
        Path(__file__),
        REPO / "bench" / "gen_tree.py",
        REPO / "bench" / "bench_scan.py",
    ]
    hits = []
    for src in sources:
        if not src.exists():
            continue
        for lineno, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
            for name, rx in _SHAPE_CHECKS.items():
                for m in rx.finditer(line):
                    hits.append(f"{src.relative_to(REPO)}:{lineno}: {name} {redact(m.group(0))}")
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("seed", SEEDS)
def test_corpus_ground_truth_is_consistent(corpora: _Corpora, seed: int) -> None:
    corpus = corpora.get(seed)
    problems = corpus.check()
    assert not problems, "\n".join(problems[:50])

    kinds = Counter(p.kind for p in corpus.planted)
    total = sum(kinds.values())
    assert total >= 300
    assert len(corpus.decoys) >= total, "at least as many decoys as credentials"
    shaped = [
        d
        for d in corpus.decoys
        if any(rx.search(d.value) for rx in _SHAPE_CHECKS.values())
        or d.value.startswith(("AC", "SK"))
    ]
    assert len(shaped) >= total, "credential-shaped decoys alone outnumber credentials"

    share = {k: kinds[k] / total for k in KINDS}
    assert 0.28 <= share[ACCOUNT_SID] <= 0.45
    assert 0.25 <= share[AUTH_TOKEN] <= 0.45
    assert 0.15 <= share[API_KEY_SID] + share[API_KEY_SECRET] <= 0.30
    assert 0.05 <= share[SENDGRID_API_KEY] <= 0.15

    files_per_fmt = Counter(corpus.fmt_of.values())
    cred_fmts = {p.fmt for p in corpus.planted}
    assert len(cred_fmts) >= 45, sorted(cred_fmts)
    assert all(files_per_fmt[f] >= 2 for f in cred_fmts), files_per_fmt
    assert not cred_fmts & {f for f in files_per_fmt if f.startswith("decoy-")}

    decoy_paths = {d.path for d in corpus.decoys}
    bare = sorted({p.path for p in corpus.planted} - decoy_paths)
    assert not bare, f"credential files without any decoy nearby: {bare}"


def test_corpus_is_deterministic_and_seeded(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 7)
    b = generate(tmp_path / "b", 7)
    c = generate(tmp_path / "c", 8)
    assert a.planted == b.planted
    assert a.files == b.files
    for rel in a.files:
        assert (a.root / rel).read_bytes() == (b.root / rel).read_bytes(), rel
    assert not {p.secret for p in a.planted} & {p.secret for p in c.planted}


# --------------------------------------------------------------------------------------------
# The engine against the corpus
# --------------------------------------------------------------------------------------------


@needs_cli
@pytest.mark.parametrize("seed", SEEDS)
def test_scan_accuracy(corpora: _Corpora, seed: int) -> None:
    corpus = corpora.get(seed)
    secrets = {p.secret for p in corpus.planted}
    proc = run_scan(corpus.root, "--format", "json", "--show-secrets")
    if proc.returncode not in (0, 1):
        pytest.fail(
            f"twscan exited {proc.returncode}\n--- stderr ---\n{_scrub(proc.stderr, secrets)[-4000:]}",
            pytrace=False,
        )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(
            f"twscan printed invalid JSON ({exc}):\n{_scrub(proc.stdout, secrets)[:2000]}",
            pytrace=False,
        )
    assert isinstance(report.get("findings"), list), "report has no findings list"
    assert proc.returncode == (1 if report["findings"] else 0), (
        "exit code must be 1 when there are findings"
    )

    ev = evaluate(corpus, report)
    recall, token_recall, precision = ev.recall(), ev.recall(SECRET_KINDS), ev.precision()
    print(
        f"seed {seed}: recall={recall:.3f} token_recall={token_recall:.3f} precision={precision:.3f} "
        f"planted={len(ev.planted)} reported={len(ev.reported)}"
    )
    if recall < RECALL_MIN or token_recall < TOKEN_RECALL_MIN or precision < PRECISION_MIN:
        pytest.fail(
            f"accuracy below target (recall >= {RECALL_MIN}, token recall >= {TOKEN_RECALL_MIN}, "
            f"precision >= {PRECISION_MIN})\n\n{failure_report(ev)}",
            pytrace=False,
        )


@needs_cli
@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_scan_output_redacts_by_default(corpora: _Corpora, fmt: str) -> None:
    corpus = corpora.get(SEEDS[0])
    proc = run_scan(corpus.root, "--format", fmt)
    secrets = {p.secret for p in corpus.planted}
    assert proc.returncode == 1, (
        f"expected findings (exit 1), got {proc.returncode}: {_scrub(proc.stderr, secrets)[-2000:]}"
    )
    out = proc.stdout + "\n" + proc.stderr
    assert out.strip(), "no output at all"
    leaked = sorted({(p.kind, p.path, p.secret) for p in corpus.planted if p.secret in out})
    if leaked:
        lines = [f"{len(leaked)} planted values appear in full in the {fmt} output:"]
        lines += [f"  {kind:17} {redact(s):12} {path}" for kind, path, s in leaked[:60]]
        pytest.fail("\n".join(lines), pytrace=False)
