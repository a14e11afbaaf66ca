"""Records (twscan.core.record): what the dataclasses they replace gave, kept for every one of them."""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import pkgutil
import re

import pytest

import twscan
from tests import creds
from twscan.core.model import CommitInfo, Finding, Half, ScanSummary, Severity, Triage
from twscan.core.record import FrozenInstanceError, FrozenRecord, Record
from twscan.detect.rules import load_ruleset
from twscan.triage.config import Config


def _all_records() -> list[type[Record]]:
    for mod in pkgutil.walk_packages(twscan.__path__, "twscan."):
        if mod.name != "twscan.__main__":
            importlib.import_module(mod.name)
    found: list[type[Record]] = []
    todo = [Record]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub is not FrozenRecord:
                found.append(sub)
    return found


def finding(**changes: object) -> Finding:
    f = Finding(
        rule="twilio-account-sid",
        kind="account-sid",
        severity=Severity.MEDIUM,
        title="Twilio Account SID",
        file="a.txt",
        line=1,
        column=1,
        secret=creds.account_sid(),
        reason="pattern",
    )
    return f.replace(**changes) if changes else f


@pytest.mark.parametrize("cls", _all_records(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_record_declares_its_fields_in_init_order(cls: type[Record]) -> None:
    """``replace``, ``repr``, equality and pickling all go by the slots: a class without its own
    ``__slots__`` would grow a ``__dict__`` they never see, and ``__init__`` must take exactly
    the fields, in order, for ``replace`` to rebuild one."""
    assert "__slots__" in cls.__dict__
    params = list(inspect.signature(cls.__init__).parameters)[1:]
    assert tuple(params) == cls._fields


def test_equality_repr_and_hashing_follow_the_fields() -> None:
    a = finding()
    b = finding(secret=a.secret)
    assert a == b and a is not b
    assert a != finding(line=2)
    assert a != Half(a.rule, a.kind, a.secret, 1, 1, 0)  # another class is never equal
    assert repr(a).startswith("Finding(rule='twilio-account-sid', kind='account-sid', ")
    with pytest.raises(TypeError):
        hash(a)  # mutable, like a dataclass with eq=True
    info = CommitInfo("a" * 40, "Ann", "ann@example.com", "2024-01-01T00:00:00+00:00")
    assert hash(info) == hash(CommitInfo(*(getattr(info, n) for n in info._fields)))
    assert len({info, info.replace(author="Ann")}) == 1


def test_defaults_are_fresh_per_instance() -> None:
    one, two = finding(), finding()
    one.extra["k"] = 1
    assert two.extra == {}
    s, t = ScanSummary(), ScanSummary()
    s.skipped.append(("x", "y"))
    s.notes.append("n")
    assert t.skipped == [] and t.notes == []
    assert Triage().ignored is not Triage().ignored
    assert not Config().exclude and Config() == Config()


def test_replace_builds_a_new_record_and_names_unknown_fields() -> None:
    f = finding(extra={"x": 1})
    g = f.replace(file="b.txt", commit=None)
    assert (g.file, f.file) == ("b.txt", "a.txt")
    assert g.extra is f.extra  # shallow, as dataclasses.replace
    with pytest.raises(TypeError, match="no field"):
        f.replace(colour="red")


def test_frozen_records_refuse_assignment() -> None:
    info = CommitInfo("a" * 40, "Ann", "ann@example.com", "2024-01-01T00:00:00+00:00")
    with pytest.raises(FrozenInstanceError):
        info.author = "Bob"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del info.sha  # type: ignore[misc]
    rule = load_ruleset().rules[0]
    with pytest.raises(AttributeError):
        rule.id = "other"  # type: ignore[misc]


def test_records_survive_pickling_and_copying() -> None:
    """Scan workers send findings back to the parent by pickle."""
    f = finding(
        pair=Half("twilio-account-sid", "account-sid", creds.account_sid(), 1, 5, 4),
        commit=CommitInfo("b" * 40, "Ann", "ann@example.com", "2024-01-01T00:00:00+00:00"),
        extra={"occurrences": 2},
    )
    assert pickle.loads(pickle.dumps(f)) == f
    rules = load_ruleset().rules
    assert pickle.loads(pickle.dumps(rules)) == rules
    assert copy.copy(rules[0]) == rules[0] and copy.deepcopy(f) == f
    cfg = Config(allowlist=(re.compile("x"),))
    assert pickle.loads(pickle.dumps(cfg)) == cfg
