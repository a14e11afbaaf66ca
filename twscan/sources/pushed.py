"""Which refs a ``git push`` run through pre-commit pushes, beyond the one pre-commit names.

pre-commit reads the lines git gives a pre-push hook and hands its hooks the first ref that
has something to push (``PRE_COMMIT_FROM_REF``/``TO_REF``); the others are gone. So that
``git push origin clean leaky`` cannot slip ``leaky`` through, the push command itself is read
from the process that started the hook (Linux's ``/proc``), and every local ref it names is
checked. Where that cannot be done exactly (no ``/proc``, ``--all``, ``--mirror``, tags, glob
refspecs, ``push.default=matching``, an option this reader does not know), the caller checks
every local branch and tag the remote lacks: too much, never too little.
"""

from __future__ import annotations

import os

from twscan import git

#: Options of ``git push`` that take the next word as their value.
_WITH_VALUE = {"-o", "--push-option", "--receive-pack", "--exec", "--repo"}
#: Options that change nothing about which refs are pushed.
_HARMLESS = {
    "-f", "--force", "-u", "--set-upstream", "-q", "--quiet", "-v", "--verbose", "-n",
    "--dry-run", "--porcelain", "--progress", "--no-progress", "--atomic", "--no-atomic",
    "--force-with-lease", "--no-force-with-lease", "--force-if-includes",
    "--no-force-if-includes", "-4", "--ipv4", "-6", "--ipv6", "--thin", "--no-thin",
    "--signed", "--no-signed", "--no-recurse-submodules", "--recurse-submodules",
    "--verify", "--no-verify",
}  # fmt: skip
_SHORT = set("fuqvn46")  # bundled short flags among the harmless ones (-fu)
_ANCESTORS = 8


def push_command() -> list[str] | None:
    """The words after ``push`` of the ``git push`` this process descends from, if found."""
    pid = os.getppid()
    for _ in range(_ANCESTORS):
        if pid <= 1:
            return None
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [os.fsdecode(a) for a in f.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            return None
        if argv and os.path.basename(argv[0]) in ("git", "git.exe") and "push" in argv[1:]:
            return argv[argv.index("push", 1) + 1 :]
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last
        try:
            pid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except (ValueError, IndexError):
            return None
    return None


def pushed_sources(repo: str | os.PathLike[str], words: list[str]) -> list[str] | None:
    """The local revisions ``git push WORDS`` pushes (deletions aside), or None when that
    cannot be told exactly. An empty list: only the current branch, the ref pre-commit names.
    """
    positional: list[str] = []
    it = iter(words)
    for word in it:
        if word == "--":
            positional += list(it)
            break
        if word.startswith("-") and word != "-":
            name = word.split("=", 1)[0]
            if name == "--repo":
                return None  # the remote is then not the first positional word
            if word in _WITH_VALUE:
                next(it, None)  # the value is the next word
                continue
            if name in _WITH_VALUE or (word.startswith("-o") and not word.startswith("--")):
                continue  # the value is glued on: --push-option=x, -ox
            if name in _HARMLESS or (not word.startswith("--") and set(word[1:]) <= _SHORT):
                continue
            return None  # --all, --mirror, --tags, --follow-tags, --delete, or unknown
        positional.append(word)
    refspecs = positional[1:]
    if not refspecs:
        rc, out, _ = git.run_rc(["config", "--get", "push.default"], cwd=repo)
        mode = out.decode("utf-8", "replace").strip() if rc == 0 else "simple"
        configured = git.run_rc(["config", "--get-regexp", r"^remote\..*\.push$"], cwd=repo)[0]
        if mode in ("simple", "current", "upstream", "tracking") and configured != 0:
            return []
        return None
    sources: list[str] = []
    for spec in refspecs:
        src = spec.removeprefix("+").split(":", 1)[0]
        if "*" in src or src.startswith("^"):
            return None
        if src:
            sources.append(src)
    return sources
