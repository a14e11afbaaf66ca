"""Rules are data with their own examples; the examples are the rules' contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_twscan
from twscan.commands.rules_cmd import check_rules
from twscan.core.messages import EN, JA
from twscan.detect.engine import Detector
from twscan.detect.rules import builtin_rules_dir, load_ruleset

RULES = load_ruleset().rules


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_builtin_rule_examples(detector: Detector, rule: object) -> None:
    failures = check_rules(detector, [rule])  # type: ignore[list-item]
    assert not failures, [f.__dict__ for f in failures]


def _shipped_patterns() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for r in RULES:
        out += [(r.id, r.pattern), (r.id, r.bpattern)]
        if r.context is not None:
            out += [(r.id, p) for p in (*r.context.key_names, *r.context.deny_names)]
    return [(rid, p) for rid, p in out if p is not None]


def test_shipped_patterns_compile_and_name_their_secret_group() -> None:
    """The shipped rules compile on first use, so the checks a user's file gets when it is
    loaded run here for them: every pattern compiles, and the secret group exists."""
    import re

    from twscan.detect.rules import LazyPattern

    patterns = _shipped_patterns()
    assert patterns and all(isinstance(p, LazyPattern) for _, p in patterns)
    for _rid, p in patterns:
        re.compile(p.pattern)  # type: ignore[attr-defined]
    for r in RULES:
        g = r.secret_group
        assert g in r.pattern.groupindex if isinstance(g, str) else g <= r.pattern.groups, r.id


def test_a_lazy_pattern_is_its_pattern() -> None:
    import copy
    import pickle
    import re

    from twscan.detect.rules import LazyPattern

    lazy = LazyPattern(r"AC(?P<x>[0-9a-f]{4})")
    assert lazy == re.compile(r"AC(?P<x>[0-9a-f]{4})") and hash(lazy) == hash(lazy.pattern)
    again = pickle.loads(pickle.dumps(lazy))
    assert again == lazy and copy.deepcopy(lazy) == lazy
    m = lazy.search("id AC12ab.")  # type: ignore[attr-defined]
    assert m is not None and m.group("x") == "12ab" and lazy.groups == 1  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(lazy)).fullmatch("AC0000")  # type: ignore[attr-defined]


def test_builtin_rules_hold_no_credential_literal() -> None:
    import re

    for path in builtin_rules_dir().glob("*.toml"):
        for m in re.finditer(r"(AC|SK)[0-9a-f]{32}", path.read_text()):
            body = m.group(0)[2:]
            assert len(set(body)) <= 16 and (len(set(body)) == 1 or "0123456789abcdef" in body)


def test_check_builtin_cli() -> None:
    r = run_twscan("rules", "--check-builtin")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 failure(s)" in r.stdout


CUSTOM = """
[[rules]]
id = "acme-internal-key"
title = "ACME internal API key"
kind = "acme-key"
severity = "high"
pattern = 'acme_[0-9a-f]{{24}}'
examples = ['ACME_KEY=acme_{hex}']
counter-examples = ['ACME_KEY=acme_{short}']
"""


def test_custom_rule_file_checked_and_used(tmp_path: Path) -> None:
    rules = tmp_path / "acme.toml"
    rules.write_text(CUSTOM.format(hex="0f" * 12, short="123"))
    r = run_twscan("rules", "--check", str(rules))
    assert r.returncode == 0, r.stdout + r.stderr
    (tmp_path / "cfg").write_text("ACME_KEY=acme_" + "a1b2c3d4e5f6" * 2 + "\n")
    r = run_twscan("scan", str(tmp_path / "cfg"), "--rules", str(rules), "-f", "json")
    assert r.returncode == 1 and '"rule": "acme-internal-key"' in r.stdout
    listing = run_twscan("rules", "--rules", str(rules))
    assert "acme-internal-key" in listing.stdout and "twilio-auth-token" in listing.stdout


def test_failing_example_is_reported(tmp_path: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text(CUSTOM.format(hex="zz", short="0f" * 12))
    r = run_twscan("rules", "--check", str(rules))
    assert r.returncode == 1
    assert "example not found" in r.stdout and "counter-example reported" in r.stdout


@pytest.mark.parametrize(
    "content, message",
    [
        ("[[rules]]\nid='x'\ntitle='t'\nkind='k'\nseverity='high'\npattern='('\n", "invalid pattern"),
        ("[[rules]]\nid='x'\ntitle='t'\nkind='k'\nseverity='bad'\npattern='a'\n", "severity"),
        ("[[rules]]\nid='x'\ntitle='t'\nkind='k'\nseverity='high'\npattern='a'\nfoo=1\n", "unknown key(s): foo"),
        ("[[rules]]\nid='twilio-auth-token'\ntitle='t'\nkind='k'\nseverity='high'\npattern='a'\n", "defined twice"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_rules_file_exit_2(tmp_path: Path, content: str, message: str) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text(content)
    r = run_twscan("scan", str(tmp_path), "--rules", str(rules))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_catalogue_languages_match() -> None:
    assert set(EN) == set(JA)
    for key, text in EN.items():
        import string

        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        ja_fields = {f for _, f, _, _ in string.Formatter().parse(JA[key]) if f}
        assert ja_fields <= fields, key  # English may need more (plural endings)
