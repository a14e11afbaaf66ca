"""The parsed rules kept in the user cache: used when the file is unchanged, never when it is not."""

from __future__ import annotations

import marshal
import os
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ACME_RULES as RULES
from twscan.core.errors import TwscanError
from twscan.detect import rules
from twscan.detect.rules import builtin_rules_dir, load_file


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("TWSCAN_CACHE_DIR", str(d))
    return d


def rules_file(tmp_path: Path, text: str = RULES) -> Path:
    p = tmp_path / "acme.toml"
    p.write_text(textwrap.dedent(text))
    return p


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(path: Path) -> dict[str, object]:
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(rules, "_read_toml", fail)


def test_second_load_reads_the_cache(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = rules_file(tmp_path)
    first = load_file(p)
    assert len(list(cache.glob("rules-*.marshal"))) == 1
    no_parsing(monkeypatch)
    second = load_file(p)
    assert second == first and second.rules[0].id == "acme-internal-key"


def test_builtin_rules_come_from_the_cache(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = rules.load_ruleset()
    no_parsing(monkeypatch)
    assert rules.load_ruleset() == first
    assert {r.id for r in first.rules} >= {"twilio-account-sid", "twilio-auth-token"}
    assert len(list(cache.glob("rules-*.marshal"))) == len(list(builtin_rules_dir().glob("*.toml")))


def test_a_changed_file_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    p = rules_file(tmp_path)
    load_file(p)
    p.write_text(RULES.replace("ACME internal API key", "ACME key"))  # another size
    assert load_file(p).rules[0].title == "ACME key"
    # Same size, new modification time: parsed again too.
    p.write_text(RULES.replace("ACME internal API key", "ACME INTERNAL API KEY"))
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert load_file(p).rules[0].title == "ACME INTERNAL API KEY"


def test_a_broken_cache_is_ignored_and_replaced(tmp_path: Path, cache: Path) -> None:
    p = rules_file(tmp_path)
    load_file(p)
    [stored] = cache.glob("rules-*.marshal")
    for junk in (b"", b"\x00not marshal", marshal.dumps(["a", "list"]), marshal.dumps(("k", 1))):
        stored.write_bytes(junk)
        assert load_file(p).rules[0].id == "acme-internal-key"
    key, data = marshal.loads(stored.read_bytes())
    assert data["rules"][0]["id"] == "acme-internal-key"


def test_an_unusable_cache_directory_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("TWSCAN_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    p = rules_file(tmp_path)
    assert load_file(p).rules[0].id == load_file(p).rules[0].id == "acme-internal-key"


def test_invalid_rules_are_never_cached(tmp_path: Path, cache: Path) -> None:
    p = rules_file(tmp_path, RULES.replace('severity = "high"', 'severity = "severe"'))
    for _ in range(2):
        with pytest.raises(TwscanError, match="severity 'severe'"):
            load_file(p)
    assert not list(cache.glob("rules-*.marshal"))
    missing = tmp_path / "missing.toml"
    with pytest.raises(TwscanError, match="rules file not found"):
        load_file(missing)


def test_cached_data_goes_through_validation_too(tmp_path: Path, cache: Path) -> None:
    """A cache edited by hand cannot bring in a rule the file would not give."""
    p = rules_file(tmp_path)
    load_file(p)
    [stored] = cache.glob("rules-*.marshal")
    key, data = marshal.loads(stored.read_bytes())
    data["rules"][0]["pattern"] = "acme_[0-9a-f"
    stored.write_bytes(marshal.dumps((key, data)))
    with pytest.raises(TwscanError, match="invalid pattern"):
        load_file(p)
