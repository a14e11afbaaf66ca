"""Every ``twscan`` command the README and docs/*.md show is run, and every relative link resolves.

A user copies a command from the docs before reading any other part of them; one that fails
(an option renamed, a subcommand that moved, a file name that no longer exists) is the first
thing twscan teaches them. So each ``twscan …`` line of a fenced shell block runs here, through
the real command line, in a scratch project that has what the examples name: a git repository
with a tag ``v2.3.0``, an ``origin/main`` behind ``HEAD``, a ``feature`` branch, a staged
credential, a sibling repository ``../other``. The README's command summary uses synopsis
notation (``[PATH ...]``, ``create|update``, ``FILE``); it is expanded into concrete command
lines, every alternative once. The network features go to local fakes (``tests/fake_github.py``);
nothing leaves the machine.

Each line must end with a documented exit code (0 or 1; 2 only where the line says it is an
error), without a traceback, and exactly with the code its comment states (``# exit 1: …``).

Only the command line and the conftest helpers are used, never twscan's modules: the package
layout changes underneath the docs, the commands they show must not.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import creds
from tests.conftest import ACME_RULES, REPO, run_twscan
from tests.fake_github import FakeGitHub, FakeTwilio, RealClock, new_github_token
from tests.fake_twilio import FakeTwilio as TwilioStandIn
from tests.gitutil import Repo, git_env

DOCS = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
SHELL = {"sh", "shell", "bash", "console"}
FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)

# Commands of a shell block that this module does not run, and who runs them instead.
NOT_HERE = {
    "pip install . && python examples/demo.py": "test_quick_start_demo (the demo, from the tree)",
    "pip install -e '.[test]' && python -m pytest": ".ci/run runs exactly this line in CI",
}

# Narrative steps between the commands of a block ("# ... later, someone adds a token ..."):
# what the scratch project must undergo for the next line's documented exit code to hold.
def _add_token(root: Path) -> None:
    (root / "later.env").write_text(f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")


NARRATIVE: dict[str, Callable[[Path], None]] = {"someone adds a token": _add_token}

# The README's synopsis placeholders, per subcommand where they differ.
PLACEHOLDERS = {
    ("rules", "FILE"): "acme-rules.toml",
    ("staged", "FILE"): "app.env",
    ("report", "FILE"): "../audit.sqlite",  # the template's audit datastore
    ("audit", "URL"): "../other",
    (None, "PATH"): ".",
    (None, "SID"): "<sid>",
}

BASELINE = ".twscan-baseline.json"

SUBCOMMANDS = {"scan", "staged", "range", "history", "install-hook", "baseline", "exposure",
               "rules", "respond", "audit", "report"}


@dataclass
class Line:
    doc: str
    lineno: int
    text: str  # the command, comment removed
    comment: str


@dataclass
class Block:
    doc: str
    lineno: int
    lines: list[Line] = field(default_factory=list)
    narrative: list[tuple[int, str]] = field(default_factory=list)  # (index before, text)

    @property
    def session(self) -> bool:
        """A block that sets something up (``git add``, ``export``, a narrative step) is one
        shell session, in one project; otherwise its lines are alternatives, each run apart."""
        return bool(self.narrative) or any(
            not ln.text.startswith("twscan ") for ln in self.lines
        )


def _split_comment(line: str) -> tuple[str, str]:
    """A line's command and its trailing ``#`` comment, respecting quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def shell_blocks() -> list[Block]:
    blocks = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        name = str(doc.relative_to(REPO))
        for m in FENCE.finditer(text):
            if m.group(1) not in SHELL:
                continue
            start = text.count("\n", 0, m.start(2)) + 1
            block = Block(name, start)
            for k, raw in enumerate(m.group(2).splitlines()):
                raw = raw.strip()
                if m.group(1) == "console":
                    if not raw.startswith("$ "):
                        continue  # output, not a command
                    raw = raw[2:]
                cmd, comment = _split_comment(raw)
                if not cmd:
                    if comment:
                        block.narrative.append((len(block.lines), comment))
                    continue
                block.lines.append(Line(name, start + k, cmd, comment))
            blocks.append(block)
    return blocks


def expand_synopsis(cmd: str) -> list[str]:
    """Concrete command lines for one synopsis line: ``[X ...]`` taken, ``a|b`` each once."""
    argv = shlex.split(re.sub(r"\s\.\.\.(?=[\s\]]|$)|[\[\]]", " ", cmd))
    sub = argv[1] if len(argv) > 1 else None
    variants: list[list[str]] = [[]]
    for w in argv:
        if "|" in w and not w.startswith("-"):
            variants = [v + [alt] for v in variants for alt in w.split("|")]
            continue
        w = PLACEHOLDERS.get((sub, w), PLACEHOLDERS.get((None, w), w))
        variants = [v + [w] for v in variants]
    return [shlex.join(v) for v in variants]


# --- the scratch project --------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Everything the examples name, built once; each test run works on a copy."""
    top = tmp_path_factory.mktemp("docs-examples")
    other = Repo(top / "other")
    other.commit_file("old.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n", "other: a token")

    repo = Repo(top / "project")
    repo.commit_file("README.md", "# project\n", "initial")
    repo.write("src/app.py", "import os\nTOKEN = os.environ['TWILIO_AUTH_TOKEN']\n")
    repo.write("config/settings.toml", "[app]\nname = 'demo'\n")
    repo.write("docs/a b.txt", "nothing to see\n")
    repo.add()
    repo.commit("clean code")
    repo.git("tag", "v2.3.0")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.commit_file("config/.env", f"TWILIO_ACCOUNT_SID={creds.account_sid()}\n"
                     f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n", "settings")
    repo.git("branch", "feature")
    repo.write("acme-rules.toml", ACME_RULES)
    # docs/workflow.md's team keeps its twscan files under security/ (a rules file, a baseline)
    repo.write("security/acme-rules.toml", ACME_RULES)
    repo.stage("app.env", f"TWILIO_AUTH_TOKEN={creds.auth_token()}\n")
    # an audit datastore beside the project, for the examples that only read one
    made = run_twscan("audit", "-q", "../other", "--db", "../audit.sqlite", "--mirror-dir",
                      "../mirrors", "-o", os.devnull, cwd=repo.path, base_env=git_env())
    assert made.returncode == 1, made.stderr
    return top


@dataclass
class Project:
    root: Path  # the repository the commands run in
    env: dict[str, str]
    github: FakeGitHub
    twilio: FakeTwilio
    #: the account ``twscan respond`` examples act on (two subaccounts, five keys)
    account: TwilioStandIn

    def run(self, line: Line) -> subprocess.CompletedProcess[str]:
        argv = shlex.split(line.text)
        if argv[0] == "export":
            for assignment in argv[1:]:
                key, _, value = assignment.partition("=")
                if key.startswith("TWILIO_") and ("…" in value or value == "..."):
                    # the reader's own account: the stand-in's
                    self.env[key] = self._twilio_env()[key]
                    continue
                # A token's value left to the reader ("...") is the fake GitHub's token.
                self.env[key] = self.github.token if value in ("...", "…", "") else value
            return subprocess.CompletedProcess(argv, 0, "", "")
        if argv[0] == "git":
            return subprocess.run(argv, cwd=self.root, capture_output=True, text=True,
                                  env=git_env(), check=False)
        assert argv[0] == "twscan", f"{line.doc}:{line.lineno}: not a twscan command: {line.text}"
        args = [self._concrete(a) for a in argv[1:]]
        if args[:2] == ["baseline", "update"] and not (self.root / BASELINE).exists():
            # ``update`` presumes a baseline, as the docs' sequence has it: create one first.
            first = run_twscan("baseline", "create", cwd=self.root, input=b"", env=self.env,
                               base_env=git_env())
            assert first.returncode == 0, first.stderr
        if "--verify" in args and "--verify-url" not in args:
            args += ["--verify-url", self.twilio.url]
        env = self.env
        if args[0] == "respond":
            env = {**self._twilio_env(), **self.env}
            if "--twilio-api-base" not in args:
                args += ["--twilio-api-base", self.account.base]
        return run_twscan(*args, cwd=self.root, input=b"", env=env, base_env=git_env())

    def _twilio_env(self) -> dict[str, str]:
        main = self.account.main
        return {"TWILIO_ACCOUNT_SID": main.sid, "TWILIO_AUTH_TOKEN": main.auth_token,
                "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""}

    @staticmethod
    def _concrete(word: str) -> str:
        """An elided or placeholder SID (``AC0123…``, ``SID``) is a fresh one of its kind."""
        m = re.fullmatch(r"(AC|SK)[0-9a-f]*…|<sid>", word)
        if m is None:
            return word
        return creds.api_key_sid() if word.startswith("SK") else creds.account_sid()


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Iterator[Project]:
    top = tmp_path / "w"
    shutil.copytree(template, top, symlinks=True)
    token = new_github_token()
    account = TwilioStandIn.incident()
    with FakeGitHub(token, RealClock()).running() as gh, FakeTwilio().running() as tw, \
            account.running():
        env = {
            "TWSCAN_GITHUB_API_URL": gh.url,
            "TWSCAN_CACHE_DIR": str(tmp_path / "cache"),
            "GITHUB_TOKEN": "", "GH_TOKEN": "",  # none of the developer's
            "HOME": str(tmp_path),
        }
        yield Project(top / "project", env, gh, tw, account)
    assert account.violations == []


def _check(line: Line, shown: str, r: subprocess.CompletedProcess[str]) -> None:
    where = f"{line.doc}:{line.lineno}: `{shown}`"
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, f"{where}\n{r.stderr}"
    documented = re.search(r"\bexit (\d)\b", line.comment)
    if documented:
        assert r.returncode == int(documented.group(1)), f"{where}: exit {r.returncode}\n{r.stderr}"
    elif re.search(r"\berror\b", line.comment):
        assert r.returncode == 2, f"{where}: documented as an error, exit {r.returncode}"
    else:
        assert r.returncode in (0, 1), f"{where}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    if r.returncode == 2:
        assert len(r.stderr.strip().splitlines()) == 1, f"{where}: {r.stderr}"


@functools.cache
def _blocks() -> tuple[Block, ...]:
    return tuple(shell_blocks())


def _cases() -> list[object]:
    cases: list[object] = []
    for b in _blocks():
        lines = [ln for ln in b.lines if ln.text not in NOT_HERE]
        if not lines:
            continue
        if b.session:  # all its lines, so that the narrative steps keep their places
            cases.append(pytest.param(b, b.lines, id=f"{b.doc}:{b.lineno}"))
        else:
            for ln in lines:
                for concrete in expand_synopsis(ln.text):
                    one = Line(ln.doc, ln.lineno, concrete, ln.comment)
                    cases.append(pytest.param(b, [one], id=f"{ln.doc}:{ln.lineno}:{concrete}"))
    return cases


@pytest.mark.parametrize(("block", "lines"), _cases())
def test_documented_command_runs(block: Block, lines: list[Line], project: Project) -> None:
    steps = dict(block.narrative)
    for i, line in enumerate(lines):
        if line.text in NOT_HERE:
            continue
        for phrase, act in NARRATIVE.items():
            if i in steps and phrase in steps[i]:
                act(project.root)
        r = project.run(line)
        _check(line, line.text, r)
    if project.env.get("GITHUB_TOKEN") and any(
        "exposure" in ln.text or "--check-github" in ln.text for ln in lines
    ):  # the exposure examples really asked (the fake) GitHub
        assert project.github.search_requests()


def test_every_shell_command_is_run_or_exempt() -> None:
    """A new kind of shell line (``npm …``, a typo'd ``twscn``) must be run or named here."""
    run = 0
    covered: set[str] = set()
    for b in _blocks():
        for ln in b.lines:
            if ln.text in NOT_HERE:
                continue
            word = ln.text.split()[0]
            assert word in ("twscan", "git", "export"), f"{ln.doc}:{ln.lineno}: {ln.text}"
            if word == "twscan":
                run += 1
                covered.add(ln.text.split()[1])
    assert run >= 20
    assert covered >= SUBCOMMANDS, SUBCOMMANDS - covered
    quick = [ln.text for b in _blocks() if b.doc == "README.md" for ln in b.lines][:2]
    assert quick == list(NOT_HERE), "the README's Quick start changed: update NOT_HERE and .ci/run"
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && python3 -m pytest" in ci


def test_synopsis_is_expanded() -> None:
    assert expand_synopsis("twscan baseline create|update") == [
        "twscan baseline create", "twscan baseline update"]
    assert expand_synopsis("twscan scan [PATH ...]") == ["twscan scan ."]
    assert expand_synopsis("twscan staged [-- FILE ...]") == ["twscan staged -- app.env"]
    assert expand_synopsis("twscan rules --check FILE") == ["twscan rules --check acme-rules.toml"]


def test_quick_start_demo() -> None:
    """The first Quick-start line, minus the install: the demo scans its fake project and
    finds what it planted (it exits 0 exactly when twscan exited 1)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "LANG": "C.UTF-8"}
    r = subprocess.run([sys.executable, "examples/demo.py"], cwd=REPO, capture_output=True,
                       text=True, env=env, timeout=120, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "twscan exited with 1" in r.stdout


# --- links ----------------------------------------------------------------------------------

LINK = re.compile(r"(?<!\!)\[[^\]\n]*\]\(([^)\s]+)\)")


def _anchors(doc: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    for m in re.finditer(r"^#{1,6}\s+(.*?)\s*$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
        out.add(slug)
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(doc: Path) -> None:
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans are not links
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z+.-]*:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        dest = (doc.parent / path).resolve() if path else doc
        assert dest.exists(), f"{doc.name}: link to {target}: no such file"
        assert dest.is_relative_to(REPO), f"{doc.name}: link to {target} leaves the repository"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest), f"{doc.name}: link to {target}: no such heading"


def test_architecture_is_linked_and_names_the_layout() -> None:
    """The README points contributors at docs/architecture.md, which keeps the figures in
    one "Measured" section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    arch = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "(docs/architecture.md)" in readme
    assert "## How it is built" not in readme and "#### Measured" not in readme
    assert not re.search(r"\d\.\d\d×|\d+ ms against", readme), "measured figures belong in docs"
    assert arch.count("#### Measured") == 1
    for part in ("twscan/sources/", "twscan/detect/", "twscan/triage/", "twscan/reports/",
                 "twscan/net/", "twscan/core/", "rules/*.toml"):
        assert part in arch, part


def test_what_is_detected_is_one_table() -> None:
    """Every kind is a row of the one table under "What is detected", none stray below it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What is detected", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### ", 1)[0]
    tables = re.findall(r"(?:^\|.*\|\n)+", section, re.M)
    assert len(tables) == 1, tables
    rows = [r for r in tables[0].splitlines()[2:]]
    kinds = [re.match(r"\| `([a-z-]+)` \|", r).group(1) for r in rows]  # type: ignore[union-attr]
    assert "access-token" in kinds
    assert all(len(r.split(" | ")) == 3 for r in rows), rows
