"""``twscan rules``: list the active rules; ``--check FILE``: run a rules file's own examples.

A rule's examples are its contract: every example must be found by that rule (or by the pair
it forms) and no counter-example may be. Checking them on every custom rules file is what lets
users extend twscan without guessing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from twscan.core.errors import TwscanError
from twscan.core.safeio import clean
from twscan.detect.engine import Detector
from twscan.detect.rules import Rule, expand_example, load_file, load_ruleset


@dataclass
class ExampleFailure:
    rule: str
    example: str  # the template, never the expanded value
    problem: str


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("rules", help="list rules, or check a rules file's examples")
    p.add_argument("--rules", metavar="FILE", action="append", default=[], type=Path,
                   help="add the rules of this TOML file (repeatable)")
    p.add_argument("--check", metavar="FILE", action="append", type=Path, default=None,
                   help="check the examples of the rules in FILE (repeatable)")
    p.add_argument("--check-builtin", action="store_true", help="check the built-in rules")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--config", metavar="FILE", type=Path,
                   help="list the rules this configuration adds (default: the nearest "
                   ".twscan.toml or [tool.twscan] in pyproject.toml)")
    p.set_defaults(func=run)


def check_rules(detector: Detector, rules: list[Rule]) -> list[ExampleFailure]:
    failures: list[ExampleFailure] = []
    for rule in rules:
        if not rule.examples:
            failures.append(ExampleFailure(rule.id, "", "the rule has no examples"))
        for template in rule.examples:
            text, _ = expand_example(template)
            hits = [f for f in detector.scan_text(text, "<example>") if _belongs(f, rule)]
            if not hits:
                failures.append(ExampleFailure(rule.id, template, "example not found"))
        for template in rule.counter_examples:
            text, _ = expand_example(template)
            hits = [f for f in detector.scan_text(text, "<example>") if _belongs(f, rule)]
            if hits:
                failures.append(ExampleFailure(rule.id, template, "counter-example reported"))
    return failures


def _belongs(finding: object, rule: Rule) -> bool:
    from twscan.core.model import Finding

    assert isinstance(finding, Finding)
    if finding.rule == rule.id:
        return True
    # A token found with its SID is reported as the pair: it still counts for both halves.
    return finding.pair is not None and (
        finding.extra.get("secret_kind") == rule.kind or finding.pair.rule == rule.id
    )


def run(args: argparse.Namespace) -> int:
    if args.check or args.check_builtin:
        checked: list[Rule] = []
        extra = list(args.rules)
        if args.check:
            for f in args.check:
                checked.extend(load_file(f).rules)
            extra += [f for f in args.check if f not in extra]
        detector = Detector.load(tuple(extra))
        if args.check_builtin:
            checked.extend(load_ruleset().rules)
        failures = check_rules(detector, checked)
        n_examples = sum(len(r.examples) + len(r.counter_examples) for r in checked)
        if args.format == "json":
            json.dump({"rules": len(checked), "examples": n_examples,
                       "failures": [f.__dict__ for f in failures]}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            for f in failures:
                print(f"FAIL {clean(f.rule)}: {clean(f.problem)}: {clean(repr(f.example))}")
            print(f"{len(checked)} rule(s), {n_examples} example(s), {len(failures)} failure(s)")
        return 1 if failures else 0
    rs = load_ruleset(_active_rule_files(args))
    if args.format == "json":
        doc = {
            "rules": [{"id": r.id, "title": r.title, "kind": r.kind, "severity": r.severity.value,
                       "source": r.source, "contextual": r.context is not None} for r in rs.rules],
            "pairs": [{"id": p.id, "title": p.title, "severity": p.severity.value,
                       "secret_kind": p.secret_kind, "id_kind": p.id_kind} for p in rs.pairs],
        }
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    # Ids, kinds and titles of a user's rules file: shown escaped, like every untrusted string.
    width = max([len(clean(r.id)) for r in rs.rules] + [len(clean(p.id)) for p in rs.pairs] + [10])
    for r in rs.rules:
        print(
            f"{clean(r.id):<{width}}  {clean(r.kind):<18} {r.severity.value:<9} {clean(r.title)}"
        )
    for pr in rs.pairs:
        print(
            f"{clean(pr.id):<{width}}  {'credential-pair':<18} {pr.severity.value:<9} "
            f"{clean(pr.title)}"
        )
    if not rs.rules:
        raise TwscanError("no rules loaded")
    return 0


def _active_rule_files(args: argparse.Namespace) -> tuple[Path, ...]:
    """The configured rules files, then ``--rules``: the same set a scan from here loads."""
    from twscan.triage.config import discover

    files: dict[str, Path] = {}
    for f in (*discover(Path.cwd(), args.config).rules, *args.rules):
        files.setdefault(os.path.realpath(f), f)
    return tuple(files.values())
