"""The package's layers, guarded: the tree shows the pipeline only as long as imports follow it.

``twscan.core`` is the bottom (plain modules every part may use); ``twscan.detect`` is the
engine, which knows nothing of where texts come from or what happens to its findings;
``twscan.net`` is imported only when a network feature is asked for. The imports are read
with ``ast`` (no import runs, so the check is cheap and sees lazy imports too); the hook's
real start-up is checked once in a subprocess.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.gitutil import Repo, git_env

PACKAGE = REPO / "twscan"

#: The one place the engine reaches into triage: it applies inline ignores while it still
#: has the text's lines (twscan/triage/ignores.py, which imports nothing at run time).
ENGINE_TO_TRIAGE = {("twscan.detect.engine", "twscan.triage.ignores")}

#: What every scan command imports from twscan.net to register --check-github / --verify:
#: argparse definitions and default URLs, no network code.
NET_ON_THE_SCAN_PATH = {"twscan.net", "twscan.net.github", "twscan.net.github.options"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports, as a module name (``from a import b`` gives ``a.b``
    #              when ``b`` is a module, else ``a``)
    top_level: bool  # runs when the module is imported (not in a function, not TYPE_CHECKING)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").is_file() or (
        PACKAGE.parent / rel / "__init__.py"
    ).is_file()


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _imports_of(path: Path) -> list[Import]:
    module = _module_name(path)
    found: list[Import] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(module, a.name, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                assert child.level == 0, f"{module}: twscan imports absolutely"
                base = child.module or ""
                for a in child.names:
                    sub = f"{base}.{a.name}"
                    found.append(Import(module, sub if _is_module(sub) else base, top))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, False)
            elif isinstance(child, ast.If) and _type_checking(child):
                for n in child.body:  # only for the type checker: never runs
                    visit(ast.Module(body=[n], type_ignores=[]), False)
                for n in child.orelse:
                    visit(ast.Module(body=[n], type_ignores=[]), top)
            else:
                visit(child, top)

    visit(ast.parse(path.read_bytes(), str(path)), True)
    return [i for i in found if i.target == "twscan" or i.target.startswith("twscan.")]


@functools.cache
def _all_imports() -> tuple[Import, ...]:
    return tuple(i for p in sorted(PACKAGE.rglob("*.py")) for i in _imports_of(p))


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_packages_are_where_the_layout_says() -> None:
    """The reader's map: a stale module left at an old place would shadow nothing but mislead."""
    # A folder with no module in it is only bytecode left behind by an older checkout.
    top = sorted(
        p.name for p in PACKAGE.iterdir()
        if p.name != "__pycache__" and (p.is_file() or any(p.glob("*.py")))
    )
    assert top == [
        "__init__.py", "__main__.py", "cli.py", "commands", "core", "detect", "git.py", "net",
        "reports", "response", "sources", "store", "triage",
    ]
    for sub in ("core", "detect", "detect/codec", "triage", "net", "net/github", "net/twilio",
                "response", "store"):
        assert (PACKAGE / sub / "__init__.py").is_file(), sub


def test_core_imports_nothing_above_it() -> None:
    bad = [
        i for i in _all_imports()
        if _inside(i.module, "twscan.core") and not _inside(i.target, "twscan.core")
    ]
    assert bad == []


def test_the_engine_knows_nothing_of_sources_triage_reports_commands_or_net() -> None:
    above = ("twscan.sources", "twscan.commands", "twscan.reports", "twscan.net", "twscan.triage",
             "twscan.cli", "twscan.git")
    bad = [
        i for i in _all_imports()
        if _inside(i.module, "twscan.detect")
        and any(_inside(i.target, a) for a in above)
        and (i.module, i.target) not in ENGINE_TO_TRIAGE
    ]
    assert bad == []


def test_the_engines_one_door_into_triage_stays_light() -> None:
    """twscan.triage.ignores is on the engine's import path: it must not pull triage in."""
    runtime = [i for i in _all_imports() if i.module == "twscan.triage.ignores" and i.top_level]
    assert runtime == []


def test_net_is_imported_at_module_level_only_by_commands_and_itself() -> None:
    bad = [
        i for i in _all_imports()
        if i.top_level
        and _inside(i.target, "twscan.net")
        and not (_inside(i.module, "twscan.net") or _inside(i.module, "twscan.commands")
                 or _inside(i.module, "twscan.response"))  # respond's own (test below)
    ]
    assert bad == []


def test_the_commands_import_only_the_options_of_net_at_module_level() -> None:
    bad = [
        i for i in _all_imports()
        if i.top_level
        and _inside(i.module, "twscan.commands")
        and i.module != "twscan.commands.exposure"  # the exposure command is the feature
        and _inside(i.target, "twscan.net")
        and i.target not in NET_ON_THE_SCAN_PATH
    ]
    assert bad == []
    options = [i for i in _all_imports() if i.module == "twscan.net.github.options"]
    assert options == []


def test_the_response_and_its_twilio_client_are_the_respond_command_s_alone() -> None:
    """The code that can change a Twilio account is reachable from one command only."""
    bad = [
        i for i in _all_imports()
        if (_inside(i.target, "twscan.response") or _inside(i.target, "twscan.net.twilio"))
        and not any(_inside(i.module, m) for m in
                    ("twscan.response", "twscan.net.twilio", "twscan.commands.respond"))
    ]
    assert bad == []


def test_a_scan_loads_no_response_code(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    probe = ("import sys; from twscan.cli import main; main(['scan', '-q', '.']); "
             "print(sorted(m for m in sys.modules if m.startswith(('twscan.response', "
             "'twscan.net.twilio', 'twscan.commands.respond'))))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, env=git_env({"PYTHONPATH": str(REPO)}), timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stderr


@pytest.fixture()
def clean_repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "r")
    repo.stage("a.py", "print('hello')\n")
    return repo


def test_the_commit_hook_starts_without_the_network_features(clean_repo: Repo) -> None:
    """What ``twscan staged`` really imports, read from ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "twscan", "staged"],
        cwd=clean_repo.path,
        capture_output=True,
        text=True,
        env=git_env({"PYTHONPATH": str(REPO)}),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "twscan.detect.engine" in loaded  # the parse saw the scan's imports at all
    assert not {m for m in loaded if m.split(".")[0] in ("requests", "urllib3", "ssl", "http")}
    net = {m for m in loaded if _inside(m, "twscan.net")}
    assert net <= NET_ON_THE_SCAN_PATH
