"""``twscan staged``: the pre-commit gate — block a commit that would add a credential.

Everything beyond argument parsing is imported inside :func:`run`, so registering this command
costs the CLI nothing and the hook path pulls in only git, the detector and the report. Named
files (the pre-commit framework's way of calling a hook) are one more branch of :func:`run`;
what only they need (the files source, the range source) loads on that branch alone.
"""

from __future__ import annotations

from twscan.core.errors import TwscanError

#: ``typing.TYPE_CHECKING`` without importing typing (~3 ms of the hook): mypy treats any name
#: ``TYPE_CHECKING`` as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from twscan.detect.engine import Detector

HELP = "scan what the next commit would add (the index against HEAD)"
DESCRIPTION = """\
Scan the staged changes - the blobs in git's index, which is exactly what `git commit` will
record - and report only credentials the commit newly introduces: a secret counts as new when
the staged file holds it and the file's version in HEAD (or the source of a rename) does not.
Work-tree changes that are not staged are ignored.

With FILEs (what the pre-commit framework passes, its files/exclude/types filters applied;
paths relative to the current directory): when every FILE is staged, only their staged changes
are scanned, as above. When some FILE is not staged there is no commit to judge them by
(`pre-commit run --all-files` or `--files`): the FILEs' work-tree content is scanned as
`twscan scan` would, and everything it holds is reported. When PRE_COMMIT_FROM_REF and
PRE_COMMIT_TO_REF are set (`pre-commit run --from-ref A --to-ref B`), what the commits A..B
introduce in the FILEs is reported, as `twscan range A..B` would. Put `--` before FILEs that
may begin with `-`. Exit status: 0 nothing new, 1 new credentials found (the commit should be
refused), 2 error.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from twscan.commands.options import add_output_args

    p = subparsers.add_parser("staged", help=HELP, description=DESCRIPTION)
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="scan only these paths (default: every staged change); see above for when they "
        "are not staged",
    )
    p.add_argument("--repo", default=".", metavar="PATH", help="repository (default: here)")
    add_output_args(p)
    p.set_defaults(func=run)


#: The options the fast path reads; each sets its attribute to True.
_FAST_FLAGS = {"-q": "quiet", "--quiet": "quiet", "--no-color": "no_color"}


def fast_args(argv: list[str]) -> argparse.Namespace | None:
    """The commit hook's usual command lines, read without a parser: ``staged [-q]
    [--no-color] [-- FILE...]``, and FILEs that do not begin with ``-`` without the ``--``.
    None for any other (an option with a value, ``--help``, an abbreviation, a second ``--``):
    the real parser reads those, as before.

    Building the parser imports argparse, gettext, locale and shutil and registers ~25
    options: ~8 ms of a hook that should cost little more than Python's start-up. The
    attributes are what the parser would give; ``tests/commands/test_fast_args.py`` compares
    them with argparse's, so an option added to the parser and not here fails a test.
    """
    if not argv or argv[0] != "staged":
        return None
    flags: dict[str, bool] = {}
    files: list[str] = []
    rest = argv[1:]
    for i, token in enumerate(rest):
        if token == "--":
            if files or "--" in rest[i + 1 :]:
                return None  # argparse's handling of these is its own: leave it to argparse
            files = rest[i + 1 :]
            break
        if token in _FAST_FLAGS and not files:
            flags[_FAST_FLAGS[token]] = True
        elif token and not token.startswith("-"):
            files.append(token)
        else:
            return None
    if any(not f for f in files):
        return None
    from types import SimpleNamespace

    from twscan.net.github.options import defaults as network_defaults
    from twscan.triage.config import DEFAULT_MAX_FILE_SIZE

    values: dict[str, object] = {
        "command": "staged",
        "files": files,
        "repo": ".",
        "format": "text",
        "output": None,
        "show_secrets": False,
        "lang": None,
        "no_color": False,
        "quiet": False,
        "rules": [],
        "max_file_size": DEFAULT_MAX_FILE_SIZE,
        "max_decode_depth": None,
        **network_defaults(),
        "config": None,
        "baseline": None,
        "no_baseline": False,
        "fail_on": None,
        "func": run,
    }
    values.update(flags)
    # The same attributes as the parser's Namespace, which is all the commands look at.
    args: argparse.Namespace = SimpleNamespace(**values)  # type: ignore[assignment]
    return args


def run(args: argparse.Namespace) -> int:
    from twscan.commands.common import emit, load_detector

    _refuse_names_read_as_options(args)
    if args.files:
        return _run_files(args)
    from twscan.sources.staged import scan_staged

    detector = load_detector(args)
    findings, summary = scan_staged(detector, args.repo, args.max_file_size)
    return emit(findings, summary, args, detector)


def _refuse_names_read_as_options(args: argparse.Namespace) -> None:
    """Stop when a file name before ``--`` was taken for an option.

    pre-commit appends the names after the hook's ``args``; a user's ``args`` without a final
    ``--`` leave a file called ``--config=x.toml``, ``--fail-on=critical`` or
    ``--show-secrets`` to be read as that option, which would talk the gate out of failing.
    Such a name is an existing file, an option almost never is: exit 2 rather than guess.
    """
    import os

    from twscan.cli import ARGV

    argv: list[str] | None = getattr(args, ARGV, None)
    if not argv or "staged" not in argv:
        return
    for token in argv[argv.index("staged") + 1 :]:
        if token == "--":
            return
        if token.startswith("-") and token != "-" and os.path.lexists(token):
            raise TwscanError(
                f"{token!r} is a file, but stands where options go: put `--` before file "
                'names (in .pre-commit-config.yaml, end the hook\'s args with "--")'
            )


def _run_files(args: argparse.Namespace) -> int:
    """The framework's call: the named files' staged changes, their range, or their content."""
    import os

    from twscan.commands.common import emit, load_detector
    from twscan.sources.staged import scan_staged_files

    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        return _run_range(args, from_ref, to_ref)
    detector = load_detector(args)
    staged = scan_staged_files(detector, args.files, args.repo, args.max_file_size)
    if staged.result is not None:
        findings, summary = staged.result
        return emit(findings, summary, args, detector)
    return _run_work_tree(args, staged.top, detector)


def _run_range(args: argparse.Namespace, from_ref: str, to_ref: str) -> int:
    """``pre-commit run --from-ref A --to-ref B``: what A..B introduces in the named files.

    pre-commit named the files that ``A...B`` changes; the commits of the range are scanned
    as ``twscan range A..B`` scans them (each change against its parent), and findings in
    other files are dropped, so that ``exclude:`` holds. Secrets in the range's commit
    messages are kept: they are not in any file a filter could have excluded.
    """
    from twscan.commands.common import POLICY_NOTES, emit, load_detector, settings_from_commit
    from twscan.sources.commits import MESSAGE_PATH, resolve_range, scan_commits
    from twscan.sources.staged import report_name, toplevel

    top = toplevel(args.repo)
    named = {report_name(name, top) for name in args.files}
    revs = resolve_range(args.repo, [f"{from_ref}..{to_ref}"])
    revs.may_be_empty = True  # pre-commit named files, so the range changed something
    # As in `twscan range`: the settings of the range's base, not of the commits under review.
    settings_from_commit(args, args.repo, revs.base)
    detector = load_detector(args)
    findings, summary = scan_commits(detector, args.repo, revs, args.max_file_size)
    findings = [f for f in findings if f.file in named or f.file == MESSAGE_PATH]
    summary.notes.extend(getattr(args, POLICY_NOTES, []))
    summary.notes.append(
        f"pre-commit --from-ref/--to-ref: reported what {from_ref}..{to_ref} introduces in "
        f"the {len(args.files)} file(s) named"
    )
    return emit(findings, summary, args, detector)


def _run_work_tree(args: argparse.Namespace, top: str, detector: Detector) -> int:
    """No commit to judge the files by: scan what they hold now, as ``twscan scan`` does.

    Findings are named by their path in the repository (what excludes and baselines match).
    A named symbolic link is not followed (out of the repository, or into a device): what git
    records for it, the target's name, is scanned instead.
    """
    import os
    import time

    from twscan.commands.common import emit, load_detector, policy
    from twscan.commands.scan import FAST_GATE_MIN_BYTES, scan_items
    from twscan.core.model import Finding, ScanSummary
    from twscan.sources import files
    from twscan.sources.staged import report_name

    started = time.perf_counter()
    policy(args)  # first: the configuration may set the size limit
    links = {name for name in args.files if os.path.islink(name)}
    walk = files.walk([n for n in args.files if n not in links], max_size=args.max_file_size)
    items = [files.FileItem(report_name(i.path, top), i.fs_path, i.size) for i in walk.items]
    if sum(i.size for i in items) >= FAST_GATE_MIN_BYTES:  # as `twscan scan` decides it
        detector = load_detector(args, fast_gate=True)
    summary = ScanSummary(skipped=[(report_name(p, top), why) for p, why in walk.skipped])
    findings: list[Finding] = []
    for name in sorted(links):
        target = os.fsencode(os.readlink(name))
        findings.extend(detector.scan_bytes(target, report_name(name, top)))
        summary.files_scanned += 1
        summary.bytes_scanned += len(target)
    for found, nbytes, err in scan_items(detector, items, 0):
        if err is not None:
            summary.skipped.append(err)
            continue
        findings.extend(found)
        summary.files_scanned += 1
        summary.bytes_scanned += nbytes
    summary.notes.append(
        "not a commit (the files named are not all staged): scanned their work-tree content "
        "and reported everything it holds, not only what is new"
    )
    summary.duration_s = time.perf_counter() - started
    return emit(findings, summary, args, detector)
