"""Patterns the user wrote, and paths a repository chose, cannot hang a scan.

``re`` backtracks: ``(a+)+$`` against thirty ``a`` and one other character takes minutes,
``(a|aa)+$`` against forty never ends, and so did twscan on meeting one in a ``--rules``
file, a rule's key names or the configuration's allowlist. Now a user's pattern runs on
``regex`` with a time limit: it either finishes (``regex`` sees through ``(a+)+$``) or stops
the run with exit 2 and one line naming where it was written. Exclude globs are translated
into atomic patterns that cannot backtrack at all. Each case runs the real CLI in a child
with a timeout, so a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests import creds
from tests.conftest import REPO
from twscan.triage.pathglob import PathGlobs

HANG = 30  # seconds: today's code does not finish these in minutes


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "twscan", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=HANG,
    )


def rules_file(root: Path, pattern: str, extra: str = "") -> Path:
    p = root / "evil.toml"
    p.write_text(textwrap.dedent(f"""\
        [[rules]]
        id = "evil-rule"
        title = "a rule with a bad pattern"
        kind = "acme-key"
        severity = "high"
        pattern = '{pattern}'
        """) + textwrap.dedent(extra))
    return p


def assert_stopped(r: subprocess.CompletedProcess[str], *names: str) -> None:
    """Exit 2, one line on stderr naming where the pattern was written, no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "catastrophic backtracking" in lines[0]
    for n in names:
        assert n in lines[0], (n, lines[0])


# --- a --rules pattern --------------------------------------------------------------------


def test_rules_pattern_nested_quantifier_finishes(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, "(a+)+$")
    (tmp_path / "f.txt").write_text("x = '" + "a" * 30 + "!'\n")  # 31 bytes of a-run and a stop
    r = run("scan", "f.txt", "--rules", str(rules), cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_rules_pattern_that_runs_out_of_time_stops_the_run_naming_it(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, "(a|aa)+$")
    (tmp_path / "f.txt").write_text("x = '" + "a" * 40 + "!'\n")
    r = run("scan", "f.txt", "--rules", str(rules), cwd=tmp_path)
    assert_stopped(r, "evil.toml", "'evil-rule'")


def test_a_sane_user_rule_still_finds_its_keys(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, "acme_[0-9a-f]{24}", "keywords = ['acme']\n")
    key = "acme_" + secrets.token_hex(12)
    (tmp_path / "f.env").write_text(f"ACME_KEY={key}\nother={key[:-1]}\n")
    r = run("scan", ".", "--rules", str(rules), "-f", "json", "--show-secrets", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert [f["secret"] for f in json.loads(r.stdout)["findings"]] == [key]


# --- a rule's key names ---------------------------------------------------------------------

CONTEXT_RULE = """\
    keywords = ['acme']
    [rules.context]
    key-names = ['{names}']
    """


def _key_name_case(tmp_path: Path, names: str) -> subprocess.CompletedProcess[str]:
    rules = rules_file(tmp_path, "acme_[0-9a-f]{24}", CONTEXT_RULE.format(names=names))
    # The key normalises to "twilio" + forty "a" + "1": what key-names are searched in.
    key = "TWILIO_" + "A" * 40 + "_1"
    (tmp_path / "f.env").write_text(f"{key} = acme_{secrets.token_hex(12)}\n")
    return run("scan", "f.env", "--rules", str(rules), cwd=tmp_path)


def test_key_names_nested_quantifier_finishes(tmp_path: Path) -> None:
    assert _key_name_case(tmp_path, "(a+)+$").returncode == 0


def test_key_names_that_run_out_of_time_stop_the_run_naming_them(tmp_path: Path) -> None:
    assert_stopped(_key_name_case(tmp_path, "(a|aa)+$"), "'evil-rule'", "key-names[0]")


# --- the configuration's allowlist ----------------------------------------------------------

# A user rule whose value is forty "a" and a "b": what the allowlist entry is tried on.
RUN_RULE = "secret-group = 1\nplaceholder-check = false\n"


def _allowlist_case(tmp_path: Path, entry: str) -> subprocess.CompletedProcess[str]:
    rules = rules_file(tmp_path, "k_(a{40}b)", RUN_RULE)
    (tmp_path / ".twscan.toml").write_text(f"allowlist = ['ok', '{entry}']\n")
    (tmp_path / "f.txt").write_text("v = k_" + "a" * 40 + "b\n")
    return run("scan", "f.txt", "--rules", str(rules), "-f", "json", cwd=tmp_path)


def test_allowlist_nested_quantifier_finishes(tmp_path: Path) -> None:
    r = _allowlist_case(tmp_path, "(a+)+$")
    assert r.returncode == 1, r.stderr  # the entry does not match: the finding stands
    assert json.loads(r.stdout)["summary"]["counts"]["allowlisted"] == 0


def test_allowlist_entry_that_runs_out_of_time_stops_the_run_naming_it(tmp_path: Path) -> None:
    assert_stopped(_allowlist_case(tmp_path, "(a|aa)+$"), ".twscan.toml", "allowlist[1]")


# --- exclude globs --------------------------------------------------------------------------


def _deep_tree(tmp_path: Path) -> tuple[Path, str]:
    """A secret at the bottom of 40 directories named "a" under one named 200 "a"."""
    d = tmp_path / ("a" * 200)
    for _ in range(40):
        d = d / "a"
    d.mkdir(parents=True)
    tok = creds.auth_token()
    (d / ("a" * 200)).write_text(f"TWILIO_AUTH_TOKEN={tok}\n")
    return d, tok


def test_exclude_globs_with_many_wildcards_finish(tmp_path: Path) -> None:
    d, tok = _deep_tree(tmp_path)
    (d / "x").write_text(f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")  # excluded by the first
    globs = ["**/" * 15 + "x", "*a" * 10 + "*b", "a*" * 12 + "c"]
    (tmp_path / ".twscan.toml").write_text(f"exclude = {json.dumps(globs)}\n")
    r = run("scan", ".", "-f", "json", "--show-secrets", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert [f["secret"] for f in doc["findings"]] == [tok]
    assert "1 file(s) excluded by the configuration's exclude globs" in doc["summary"]["notes"]


def test_glob_matching_is_linear_on_long_paths() -> None:
    globs = PathGlobs.compile(["**/" * 15 + "x", "*a" * 10 + "*b", "a*" * 12 + "c"])
    deep = "/".join(["a" * 200] + ["a"] * 2000)
    assert not globs.match(deep + "/y")
    assert globs.match(deep + "/x")
    assert globs.match(deep + "/" + "a" * 300 + "b")


# --- glob semantics: the translation means what the naive one meant -------------------------


def _ref_component(glob: str, name: str) -> bool:
    """``*`` any run, ``?`` one character; by plain recursion (tiny inputs only)."""
    if not glob:
        return not name
    if glob[0] == "*":
        return any(_ref_component(glob[1:], name[i:]) for i in range(len(name) + 1))
    return bool(name) and glob[0] in ("?", name[0]) and _ref_component(glob[1:], name[1:])


def _ref_path(globs: list[str], comps: list[str]) -> bool:
    if not globs:
        return not comps
    if globs[0] == "**":
        rest = globs[1:]
        least = 1 if not rest else 0  # a trailing ** is what lies below: one or more
        return any(_ref_path(rest, comps[i:]) for i in range(least, len(comps) + 1))
    return bool(comps) and _ref_component(globs[0], comps[0]) and _ref_path(globs[1:], comps[1:])


def reference(glob: str, path: str) -> bool:
    """gitignore-style: anchored with a slash, at any depth without; a directory covers
    everything under it."""
    g = glob.rstrip("/")
    parts = g.lstrip("/").split("/")
    if "/" not in g:
        parts = ["**", *parts]
    parts = [p for i, p in enumerate(parts) if not (p == "**" and i and parts[i - 1] == "**")]
    parts = [p if p == "**" else re.sub(r"\*+", "*", p) for p in parts]  # "***" is a "*"
    comps = path.split("/")
    return any(_ref_path(parts, comps[:n]) for n in range(1, len(comps) + 1))


_component = st.text("ab*?", min_size=1, max_size=4) | st.just("**")


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_component, min_size=1, max_size=4),
    st.sampled_from(["", "/"]),
    st.lists(st.text("ab", min_size=1, max_size=3), min_size=1, max_size=5),
)
def test_glob_translation_matches_the_reference(
    comps: list[str], lead: str, path: list[str]
) -> None:
    glob = lead + "/".join(comps)
    p = "/".join(path)
    assert PathGlobs.compile([glob]).match(p) == reference(glob, p), (glob, p)


# --- the bounded stand-in answers as re does ------------------------------------------------

_PATTERNS = [
    "acme_[0-9a-f]{4}", "[ab]{2,3}", "(?<![a-z])b+", "a(?=b)", r"(a)\1", r"\bab\b",
    "(?P<v>a+)b", "a|ab", "b*a", r"a\Z", "^a", "a$",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_PATTERNS),
    st.text("ab_cme0f \n", max_size=30),
    st.integers(0, 5),
    st.integers(0, 40),
)
def test_bounded_pattern_finds_what_re_finds(pattern: str, text: str, pos: int, end: int) -> None:
    from twscan.detect.userpattern import bounded

    b, r = bounded(pattern, "test"), re.compile(pattern)
    assert [m.span() for m in b.finditer(text, pos, end)] == [
        m.span() for m in r.finditer(text, pos, end)
    ]
    for op in ("search", "match", "fullmatch"):
        got, want = getattr(b, op)(text, pos, end), getattr(r, op)(text, pos, end)
        assert (got and got.span()) == (want and want.span()), op
    assert (b.pattern, b.groups, b.groupindex) == (r.pattern, r.groups, r.groupindex)
