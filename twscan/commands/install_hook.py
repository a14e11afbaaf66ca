"""``twscan install-hook``: the commit gate for people who do not use the pre-commit framework.

It writes a plain ``pre-commit`` hook (and, on request, a ``pre-push`` one) into the directory
git really reads hooks from (``core.hooksPath`` or the worktree's common ``hooks``), and never
replaces a hook it did not write unless told to with ``--force``: a hook someone else installed
is code that guards their repository, and silently dropping it would be worse than refusing.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

HELP = "install a plain git pre-commit hook that runs `twscan staged`"
DESCRIPTION = """\
Write .git/hooks/pre-commit (or into core.hooksPath) so that every `git commit` runs
`twscan staged` and is refused when it would add a Twilio credential. A hook that twscan did
not write is left alone unless --force is given; it is then kept as <hook>.twscan-backup.
Users of the pre-commit framework should use the `twscan` hook from .pre-commit-hooks.yaml.
"""

MARKER = "twscan-managed hook"

_TEMPLATE = """\
#!/bin/sh
# {marker}: written by `twscan install-hook`; re-run it to update, delete this file to remove.
# It refuses {what}. Bypass once, knowingly: git {verb} --no-verify
PYTHON={python}
if [ -x "$PYTHON" ]; then exec "$PYTHON" -m twscan {command}; fi
if command -v twscan >/dev/null 2>&1; then exec twscan {command}; fi
echo "twscan: not installed any more ($PYTHON is gone); {verb} refused." >&2
echo "Reinstall twscan, or run: git {verb} --no-verify" >&2
exit 1
"""

_HOOKS = {
    # --quiet: a hook that passes says nothing; one that refuses still prints its report.
    "pre-commit": ("staged --quiet", "commits that add a Twilio credential", "commit"),
    "pre-push": (
        "range --pre-push --quiet",
        "pushes whose commits add a Twilio credential",
        "push",
    ),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("install-hook", help=HELP, description=DESCRIPTION)
    p.add_argument(
        "--repo", default=".", metavar="PATH", help="repository to install into (default: here)"
    )
    p.add_argument("--force", action="store_true", help="replace a hook twscan did not write")
    p.add_argument(
        "--pre-push",
        action="store_true",
        help="also install a pre-push hook that scans the pushed commits",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)


def hook_script(hook: str, python: str = sys.executable) -> str:
    command, what, verb = _HOOKS[hook]
    return _TEMPLATE.format(
        marker=MARKER, what=what, verb=verb, python=shlex.quote(python), command=command
    )


def install(repo: str, hook: str, *, force: bool = False) -> tuple[str, str | None]:
    """Write one hook; returns its path and where a replaced foreign hook was kept, if any."""
    from twscan import git
    from twscan.core.errors import TwscanError

    git.require_repo(repo)
    where = ["rev-parse", "--git-path", f"hooks/{hook}"]
    rel = git.run(where, cwd=repo, own_hooks=True).decode().strip()
    path = os.path.normpath(os.path.join(repo, rel))
    backup = None
    if os.path.lexists(path):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                ours = MARKER in f.read()
        except OSError:
            ours = False
        if not ours:
            if not force:
                raise TwscanError(
                    f"{path} already exists and was not written by twscan; "
                    "use --force to replace it (it is kept as a .twscan-backup)"
                )
            backup = path + ".twscan-backup"
            n = 1
            while os.path.lexists(backup):
                n += 1
                backup = f"{path}.twscan-backup{n}"
            os.replace(path, backup)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".twscan-tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(hook_script(hook))
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)
    return path, backup


def run(args: argparse.Namespace) -> int:
    hooks = ["pre-commit", *(["pre-push"] if args.pre_push else [])]
    for hook in hooks:
        path, backup = install(args.repo, hook, force=args.force)
        if not args.quiet:
            from twscan.core.safeio import clean

            kept = f" (the previous hook is kept as {clean(backup)})" if backup else ""
            print(f"twscan: installed {hook} hook at {clean(path)}{kept}")
    return 0
