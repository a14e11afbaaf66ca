"""What every scanning command shares when it runs: rule loading, settings, the report and the
exit code. Its options are defined apart (:mod:`twscan.commands.options`), so that a run whose
command line needs no parser (the commit hook's) imports no argparse."""

from __future__ import annotations

import functools
import itertools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from twscan.core.errors import TwscanError
from twscan.core.messages import detect_lang
from twscan.core.model import Finding, ScanSummary, Severity, Triage
from twscan.detect import codec
from twscan.detect.engine import Detector
from twscan.detect.rules import RulesSource
from twscan.reports import ReportOptions, render_chunks
from twscan.triage import config
from twscan.triage.policy import Policy, triage

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:  # loaded only when a baseline is found or named (hashlib, hmac, json)
    import argparse

    from twscan.triage import committed
    from twscan.triage.baseline import Baseline

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def decode_depth(args: argparse.Namespace) -> int:
    """The command line wins over the config file, which wins over the default."""
    given = getattr(args, "max_decode_depth", None)
    if given is not None:
        return int(given)
    configured = policy(args).config.max_decode_depth
    return codec.MAX_DEPTH if configured is None else configured


def load_detector(args: argparse.Namespace, fast_gate: bool = False) -> Detector:
    """The built-in rules plus the configured and ``--rules`` files (each file once)."""
    paths: dict[Path, Path] = {}
    for r in (*policy(args).config.rules, *(getattr(args, "rules", []) or ())):
        paths.setdefault(Path(os.path.realpath(r)), Path(r))
    sources: list[RulesSource] = list(paths.values())
    files = commit_files(args)
    if files is not None:
        from twscan.triage import committed

        sources = committed.rules_sources(files, list(paths.values()))
    return Detector.load(tuple(sources), fast_gate=fast_gate, max_decode_depth=decode_depth(args))


_POLICY = "_twscan_policy"
#: A :class:`twscan.triage.committed.CommitFiles` set under this name makes :func:`policy` and
#: :func:`load_detector` read configuration, baseline and rules files as a commit holds them.
_FILES = "_twscan_commit_files"
#: Notes about the settings read (a baseline the base lacks), for the summary.
POLICY_NOTES = "_twscan_policy_notes"


def commit_files(args: argparse.Namespace) -> committed.CommitFiles | None:
    """The commit this run's settings are read from, if any (see :func:`settings_from_commit`)."""
    files: committed.CommitFiles | None = getattr(args, _FILES, None)
    return files


def settings_from_commit(args: argparse.Namespace, repo: str, commit: str | None) -> None:
    """Make this run's configuration, baseline and rules files those of ``commit`` (none at
    all when it is None: a range that reaches the root has no base to take them from)."""
    from twscan.triage import committed

    setattr(args, _FILES, committed.CommitFiles(repo, commit))
#: A callable set under this name on the namespace receives ``(report, triage, summary,
#: policy)`` instead of a report being rendered: how ``twscan baseline`` runs any scan mode.
COLLECT = "_twscan_collect"


def policy(args: argparse.Namespace) -> Policy:
    """Config, baseline and fail-on for this run, read once and validated before scanning.

    Every scanning command reaches this through :func:`load_detector` or :func:`emit`, so a
    bad configuration or baseline stops the run (exit 2) before a long scan, in every mode.
    The command line wins over the configuration file.
    """
    cached = getattr(args, _POLICY, None)
    if isinstance(cached, Policy):
        return cached
    start = scan_root(args)
    files = commit_files(args)
    notes: list[str] = []
    setattr(args, POLICY_NOTES, notes)
    if files is not None:
        from twscan.triage import committed

        cfg = committed.load_config(files, start, getattr(args, "config", None))
    else:
        cfg = config.discover(start, getattr(args, "config", None))
    if cfg.max_file_size is not None and not getattr(args, "max_file_size_given", False):
        args.max_file_size = cfg.max_file_size
    fail_on = getattr(args, "fail_on", None)
    pol = Policy(
        config=cfg,
        baseline=_baseline(args, cfg, start, notes),
        fail_on=Severity(fail_on) if fail_on else cfg.fail_on or Severity.LOW,
        locate=_locator(args),
    )
    setattr(args, _POLICY, pol)
    return pol


def scan_root(args: argparse.Namespace) -> Path:
    """Where the configuration search starts: the repository, or the first path scanned."""
    repo = getattr(args, "repo", None)
    if repo:
        return Path(repo)
    paths = [p for p in getattr(args, "paths", None) or () if p != "-"]
    if paths:
        first = Path(paths[0])
        return first if first.is_dir() else first.parent
    return Path.cwd()


def _baseline(
    args: argparse.Namespace, cfg: config.Config, start: Path, notes: list[str]
) -> Baseline | None:
    if getattr(args, "no_baseline", False):
        return None
    files = commit_files(args)
    if files is not None:
        from twscan.triage import committed

        found_at, more = committed.load_baseline(files, cfg, start, getattr(args, "baseline", None))
        notes.extend(more)
        return found_at
    given = getattr(args, "baseline", None) or cfg.baseline
    found = Path(given) if given is not None else config.find_file(start, config.BASELINE_NAME)
    if found is None:
        return None
    from twscan.triage import baseline  # most repositories have none: the hook skips its imports

    return baseline.load(found)


def _locator(args: argparse.Namespace) -> Callable[[str], str | None]:
    """Turn finding paths into absolute ones, to match them against excludes and baselines.

    Git sources give paths relative to the work tree's top, the files source relative to the
    working directory (or absolute, as the user typed them).
    """

    @functools.cache
    def root() -> str:
        repo = getattr(args, "repo", None)
        if repo is None:
            return os.getcwd()
        from twscan import git

        rc, out, _ = git.run_rc(["rev-parse", "--show-toplevel"], cwd=repo)
        top = out.decode("utf-8", "surrogateescape").strip()
        return top if rc == 0 and top else os.path.abspath(repo)

    real = functools.cache(os.path.realpath)  # one lookup per directory, not per file

    def locate(path: str) -> str | None:
        if path == "-" or path.startswith("<"):
            return None
        head, name = os.path.split(os.path.normpath(os.path.join(root(), path)))
        return os.path.join(real(head), name)

    return locate


def report_options(args: argparse.Namespace, detector: Detector | None) -> ReportOptions:
    color = (
        args.format == "text"
        and not args.output
        and not args.no_color
        and "NO_COLOR" not in os.environ
        and sys.stdout is not None  # closed (``>&-``): write_output says so
        and sys.stdout.isatty()
    )
    rules: list[object] = []
    if detector is not None:
        rules = [*detector.rules, *detector.pairs]
    return ReportOptions(
        show_secrets=args.show_secrets, lang=detect_lang(args.lang), color=color, rules=rules
    )


def emit(
    findings: list[Finding],
    summary: ScanSummary,
    args: argparse.Namespace,
    detector: Detector | None = None,
) -> int:
    """Triage, render, write, and turn the result into the documented exit code.

    Every scanning command ends here, which is what makes excludes, the allowlist, inline
    ignores, the baseline and ``fail-on`` work the same in all of them.
    """
    pol = policy(args)
    report, t = triage(findings, pol)
    collect = getattr(args, COLLECT, None)
    if collect is not None:
        return int(collect(report, t, summary, pol))
    summary.triage = t
    opts = report_options(args, detector)
    appendix = _network_checks(report, args, opts)
    pieces = render_chunks(report, summary, args.format, opts)
    # chained, not listed: JSON and SARIF pieces are made only as they are written
    write_output(itertools.chain(pieces, [appendix]), args.output, args.format)
    if not getattr(args, "quiet", False):
        sys.stderr.write(summary_line(report, summary) + "\n")
    if summary.errors:
        from twscan.core.safeio import clean

        sys.stderr.write(f"twscan: error: {clean(summary.errors[0])}\n")  # it names a path
        return EXIT_ERROR
    return EXIT_FINDINGS if t.failing else EXIT_CLEAN


def _network_checks(report: list[Finding], args: argparse.Namespace, opts: ReportOptions) -> str:
    """``--verify`` and ``--check-github``, both opt-in; their modules load only when asked.

    Returns text to append to a text or ``github`` report (JSON and SARIF get sections).
    """
    appendix = ""
    if getattr(args, "verify", False):
        from twscan.net.verify import verify_findings

        verify_findings(report, base_url=args.verify_url)
    if getattr(args, "check_github", False):
        from twscan.net.github import exposure
        from twscan.net.github import render as exposure_render

        results = exposure.check_findings(report, args)
        opts.extra_sections.update(exposure_render.report_sections(results, args.format))
        if args.format == "text":
            appendix = "\n" + exposure_render.to_text(results, opts.lang)
        elif args.format == "github":
            appendix = exposure_render.to_github_annotations(results)
    return appendix


def summary_line(report: list[Finding], summary: ScanSummary) -> str:
    """The one line CI logs keep: a fixed shape, so scripts can parse it and humans can grep."""
    t = summary.triage or Triage()
    total = len(report) + len(t.baselined) + len(t.ignored)
    return (
        f"twscan: {total} findings ({len(report)} new, {len(t.baselined)} baselined, "
        f"{len(t.ignored)} ignored), {summary.files_scanned} files, {summary.duration_s:.2f} s"
    )


def write_output(text: str | Iterable[str], output: str | None, fmt: str = "text") -> None:
    """Write the report (a text, or its pieces one after the other). JSON and SARIF are UTF-8
    whatever the locale says, as JSON must be (RFC 8259): an ASCII or Latin-1 stdout would
    otherwise make its own escapes of them, which are not JSON (``\\U0001f600``)."""
    pieces = [text] if isinstance(text, str) else text
    if output:
        try:
            with open(output, "w", encoding="utf-8", errors="backslashreplace") as f:
                for piece in pieces:
                    f.write(piece)
        except OSError as e:
            raise TwscanError(f"cannot write report to {output}: {e.strerror}") from None
    elif sys.stdout is None:
        raise TwscanError("standard output is closed: write the report with -o FILE")
    elif fmt in ("json", "sarif") and _not_utf8(sys.stdout):
        sys.stdout.flush()
        for piece in pieces:
            sys.stdout.buffer.write(piece.encode("utf-8", "backslashreplace"))
        sys.stdout.buffer.flush()
    else:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()


def _not_utf8(stream: object) -> bool:
    encoding = str(getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
    return encoding not in ("utf-8", "utf8") and hasattr(stream, "buffer")
