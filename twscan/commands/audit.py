"""``twscan audit``: every repository of an organisation, into one datastore, incrementally.

Each repository is mirrored (``git clone --mirror`` once, ``git fetch --prune`` after) and
audited as ``twscan history`` would, reading only the objects the datastore has not seen for it.
A repository that cannot be cloned or read is recorded with its reason and the audit goes on;
the run ends with exit 2 naming each one, after writing every result it has. Otherwise 1 when
the datastore holds findings, 0 when it holds none. ``twscan audit merge A B --db C`` merges the
datastores of a sharded audit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from twscan.commands.options import add_network_args, add_report_args, add_rule_args
from twscan.core.errors import TwscanError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from twscan.detect.engine import Detector
    from twscan.sources.history import ScannerFactory
    from twscan.sources.repos import RepoSpec
    from twscan.store.db import Store

HELP = "audit many repositories (an organisation) into a datastore, incrementally"
DESCRIPTION = """\
Mirror and audit every repository given (positional URLs or paths, --repos FILE, --dir DIR,
--github-org ORG, --github-user USER) with the engine and attribution of `twscan history`,
keeping what was found and which objects were read in a SQLite datastore (--db). A second run
reads only what is new. The same secret in several repositories is one incident. `twscan audit
merge A.sqlite B.sqlite --db org.sqlite` merges the datastores of --shard runs. Exit status: 0
nothing found, 1 findings, 2 error (a repository that could not be audited is named, after every
result is written).
"""
DEFAULT_DB = "twscan-audit.sqlite"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("audit", help=HELP, description=DESCRIPTION)
    p.add_argument("targets", nargs="*", metavar="URL|PATH",
                   help="repositories to audit (clone URLs or local paths); 'merge' followed by "
                   "datastores merges them into --db")  # fmt: skip
    src = p.add_argument_group("repositories")
    src.add_argument(
        "--repos",
        metavar="FILE",
        action="append",
        default=[],
        help="one clone URL or path per line ('#' comments)",
    )
    src.add_argument(
        "--dir",
        metavar="DIR",
        action="append",
        default=[],
        help="every git repository found under DIR",
    )
    src.add_argument(
        "--github-org", metavar="ORG", help="every repository of a GitHub organisation"
    )
    src.add_argument("--github-user", metavar="USER", help="every repository of a GitHub user")
    src.add_argument("--include-forks", action="store_true", help="with --github-*: forks too")
    src.add_argument(
        "--include-archived", action="store_true", help="with --github-*: archived repositories too"
    )
    src.add_argument(
        "--shard",
        metavar="I/N",
        help="only the repositories whose stable hash falls in shard I of N",
    )
    st = p.add_argument_group("datastore")
    st.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="FILE",
        help=f"the datastore (default: {DEFAULT_DB} here; created 0600)",
    )
    st.add_argument(
        "--mirror-dir",
        metavar="DIR",
        help="where the mirrors are kept (default: in the user cache)",
    )
    st.add_argument(
        "--store-secrets",
        action="store_true",
        help="keep raw secrets in the datastore (off: only salted keys and redacted forms)",
    )
    st.add_argument(
        "--clone-timeout",
        type=float,
        default=600.0,
        metavar="S",
        help="give up on one clone or fetch after S seconds (default: 600)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="worker processes per repository (default: one per core)",
    )
    from twscan.commands.report import FORMATS

    add_report_args(p, FORMATS)
    add_rule_args(p)
    add_network_args(p)
    p.add_argument("--config", metavar="FILE", type=Path,
                   help="read rules and limits from FILE instead of the nearest .twscan.toml "
                   "or pyproject.toml here (an audited repository's own settings are never read)")
    # a baseline and fail-on are one repository's decisions: an audit reports everything
    p.set_defaults(func=run, no_baseline=True)


def run(args: argparse.Namespace) -> int:
    if args.targets[:1] == ["merge"]:
        return _merge(args, args.targets[1:])
    from twscan.commands.common import load_detector

    github = _github_token(args)
    specs, given = _specs(args, github)
    if not given:
        raise TwscanError("no repositories to audit: give URLs or paths, --repos, --dir, "
                          "--github-org or --github-user")  # fmt: skip
    if not specs and not args.quiet:  # a matrix job whose shard got none: not an error
        sys.stderr.write(f"twscan: shard {args.shard} holds none of the {given} repositories\n")
    detector = load_detector(args, fast_gate=True)
    from twscan.store.db import Store

    with Store(args.db) as store:
        outcome = _audit(args, store, specs, detector, github[0] if github else None)
        return _finish(args, store, outcome)


def _specs(
    args: argparse.Namespace, github: tuple[str, str] | None
) -> tuple[list[RepoSpec], int]:
    """The repositories to audit (this shard's), and how many were given in all."""
    from twscan.sources import repos

    specs: list[RepoSpec] = []
    for path in args.repos:
        specs.extend(repos.from_repos_file(path))
    for root in args.dir:
        specs.extend(repos.from_dir(root))
    if github is not None:
        specs.extend(_github(args, *github))
    specs.extend(repos.from_arguments(args.targets))
    specs = repos.dedupe(_distinct_names(specs))
    given = len(specs)
    if args.shard:
        index, count = repos.parse_shard(args.shard)
        specs = repos.select_shard(specs, index, count)
    return specs, given


def _distinct_names(specs: list[RepoSpec]) -> list[RepoSpec]:
    """Two different repositories that would get one name (``/a/x/repo``, ``/b/x/repo``) keep
    both: the later one's name gets a short hash of its URL, and the user hears of it. The same
    repository named twice is left for ``dedupe``."""
    import dataclasses
    import hashlib

    from twscan.core.safeio import clean

    first: dict[str, str] = {}
    out = []
    for spec in specs:
        url = first.setdefault(spec.name, spec.url)
        if url != spec.url:
            renamed = f"{spec.name}@{hashlib.sha256(spec.url.encode()).hexdigest()[:8]}"
            sys.stderr.write(
                f"twscan: warning: {clean(spec.url)} would also be named {clean(spec.name)}; "
                f"audited as {clean(renamed)}\n"
            )
            spec = dataclasses.replace(spec, name=renamed)
        out.append(spec)
    return out


def _github_token(args: argparse.Namespace) -> tuple[str, str] | None:
    """With --github-org/--github-user: the GitHub token and where it came from, read once. It
    lists the repositories and clones the private ones (and is sent nowhere else: a token never
    goes to a host the user did not name through GitHub)."""
    if not (args.github_org or args.github_user):
        return None
    from twscan.net.github.exposure import resolve_token

    token, source = resolve_token(args.github_token_file)
    if not token:
        raise TwscanError("--github-org and --github-user need a GitHub token: set GITHUB_TOKEN "
                          "or GH_TOKEN, or pass --github-token-file FILE")  # fmt: skip
    return token, source


def _github(args: argparse.Namespace, token: str, source: str) -> list[RepoSpec]:
    from twscan.net.github.client import GitHubClient
    from twscan.net.github.repos import list_repos

    client = GitHubClient(token, args.github_api_url, token_source=source,
                          max_wait=args.max_wait, budget=args.github_timeout)  # fmt: skip
    try:
        return list(list_repos(client, org=args.github_org, user=args.github_user,
                               include_forks=args.include_forks,
                               include_archived=args.include_archived))  # fmt: skip
    finally:
        client.close()


class _Outcome:
    def __init__(self) -> None:
        self.failed: list[tuple[str, str]] = []
        self.audited = 0
        self.unchanged = 0
        self.scanned = 0
        self.new = 0
        self.errors: list[str] = []
        self.run = 0
        self.mirrors: dict[int, str] = {}


def _audit(
    args: argparse.Namespace,
    store: Store,
    specs: list[RepoSpec],
    detector: Detector,
    token: str | None,
) -> _Outcome:
    import functools

    from twscan.core.progress import Progress
    from twscan.core.safeio import clean
    from twscan.detect.engine import Detector
    from twscan.sources import mirror as mirrors
    from twscan.sources.audit import audit_repository

    factory = functools.partial(
        Detector.load, detector.rule_paths, fast_gate=True,
        max_decode_depth=detector.max_decode_depth,
    )  # fmt: skip
    engine = _engine_id(detector, args.max_file_size)
    root = args.mirror_dir or mirrors.mirror_dir_default()
    out = _Outcome()
    out.run = store.begin_run(args.shard)
    total = len(specs)
    quiet = bool(getattr(args, "quiet", False))
    for n, spec in enumerate(specs, 1):
        rid = store.repository(spec.name, spec.url, spec.source)
        bar = Progress(0, 0, enabled=False if quiet else None,
                       label=f"[{n}/{total}] {clean(spec.name)[:40]}")  # fmt: skip

        def report(
            objects: int, nbytes: int, listed_objects: int, listed_bytes: int, bar: Progress = bar
        ) -> None:
            bar.total_objects, bar.total_bytes = listed_objects, listed_bytes
            bar.update(objects, nbytes)

        got = mirrors.mirror(spec, root, timeout=args.clone_timeout, token=token)
        if not got.ok or got.path is None:
            store.mark_failed(rid, out.run, got.reason)
            out.failed.append((spec.name, got.reason))
            bar.finish()
            continue
        try:
            done = audit_repository(
                store, rid, out.run, got.path, factory, jobs=args.jobs or 0,
                max_size=args.max_file_size, keep_raw=args.store_secrets, engine=engine,
                report=report,
            )  # fmt: skip
        except TwscanError as exc:
            reason = f"could not be read: {clean(exc)}"
            store.mark_failed(rid, out.run, reason)
            out.failed.append((spec.name, reason))
            bar.finish()
            continue
        finally:
            bar.finish()
        out.audited += 1
        out.mirrors[rid] = got.path
        out.unchanged += 0 if done.changed else 1
        out.scanned += done.scanned_objects
        out.new += done.new
        out.errors.extend(f"{spec.name}: {e}" for e in done.errors)
        if not quiet and sys.stderr.isatty():
            sys.stderr.write(f"[{n}/{total}] {clean(spec.name)}: "
                             + ("unchanged\n" if not done.changed else
                                f"{done.scanned_objects} new object(s), {done.findings} "
                                f"finding(s), {done.new} new\n"))  # fmt: skip
    store.end_run(out.run, repositories=total, failed=len(out.failed), scanned=out.scanned,
                  new=out.new)  # fmt: skip
    _network_checks(args, store, out.mirrors, factory)
    return out


def _network_checks(
    args: argparse.Namespace, store: Store, mirrors: dict[int, str], factory: ScannerFactory
) -> None:
    """``--verify`` and ``--check-github`` on the audit's secrets, results kept in the
    datastore: a secret checked within ``--cache-ttl`` is not asked about again (GitHub's rate
    limit is spent once a day, not once a run)."""
    import time

    from twscan.sources.audit import raw_findings
    verify, github = (
        bool(getattr(args, "verify", False)),
        bool(getattr(args, "check_github", False)),
    )
    if not (verify or github):
        return
    at, ttl = time.time(), float(getattr(args, "cache_ttl", 86400.0))
    keys = store.live_keys()
    to_verify = {k for k, kind, paired in keys if verify and paired and kind != "account-sid"
                 and store.check(k, "verify", ttl, at) is None}  # fmt: skip
    to_expose = {k for k, kind, paired in keys if github and (paired or kind.endswith("-sid"))
                 and store.check(k, "exposure", ttl, at) is None}  # fmt: skip
    if not (to_verify or to_expose):
        return
    raw = raw_findings(store, mirrors, to_verify | to_expose, factory())
    if to_verify:
        from twscan.net.verify import verify_findings

        pairs = [raw[k] for k in sorted(to_verify) if k in raw]
        verify_findings(pairs, base_url=args.verify_url)
        for f in pairs:
            store.save_check(store.key(f.secret), "verify",
                             {"state": f.extra.get("live"), "reason": f.extra.get("live_reason")},
                             at)  # fmt: skip
    if to_expose:
        from twscan.net.github.exposure import NOT_CHECKED, SID_KINDS, check_args, sids_of

        found = [raw[k] for k in sorted(to_expose) if k in raw]
        results = {r.sid.lower(): r for r in check_args(sids_of(found), args)}
        for f in found:
            sid = f.secret if f.kind in SID_KINDS else (f.pair.secret if f.pair else "")
            r = results.get(sid.lower())
            if r is not None and r.status != NOT_CHECKED:
                store.save_check(store.key(f.secret), "exposure",
                                 {"exposed": r.exposed, "status": r.status,
                                  "total_count": r.total_count, "search_url": r.search_url},
                                 at)  # fmt: skip


def _engine_id(detector: Detector, max_size: int | None) -> str:
    """What a repository's objects were scanned with: twscan's version, every rules file's
    bytes, the decoding depth and the size limit. When it changes, the next audit reads every
    object again instead of trusting what an older engine found."""
    import hashlib

    from twscan import __version__
    from twscan.detect.rules import RulesText, builtin_rules_dir

    h = hashlib.sha256(f"{__version__}\0{detector.max_decode_depth}\0{max_size}".encode())
    for path in sorted(builtin_rules_dir().glob("*.toml")):
        h.update(b"\0" + path.read_bytes())
    for source in detector.rule_paths:
        data = source.data if isinstance(source, RulesText) else Path(source).read_bytes()
        h.update(b"\0" + data)
    return h.hexdigest()[:32]


def _finish(args: argparse.Namespace, store: Store, out: _Outcome) -> int:
    from twscan.commands.report import write_report
    from twscan.core.safeio import clean

    doc = write_report(args, store)
    summary = doc["summary"]
    sys.stderr.write(
        f"twscan: audited {out.audited} repositor{'y' if out.audited == 1 else 'ies'} "
        f"({out.unchanged} unchanged, {out.scanned} new object(s) read); "
        f"{summary['incidents']} incident(s), {out.new} new finding(s); datastore {args.db}\n"
    )
    if out.failed or out.errors:
        names = "; ".join(f"{clean(n)} ({clean(r)})" for n, r in out.failed)
        problems = [f"{len(out.failed)} repositor{'y' if len(out.failed) == 1 else 'ies'} "
                    f"could not be audited: {names}"] if out.failed else []  # fmt: skip
        problems.extend(clean(e) for e in out.errors)
        sys.stderr.write("twscan: error: " + "; ".join(problems) + "\n")
        return 2
    return 1 if summary["findings"] else 0


def _merge(args: argparse.Namespace, sources: list[str]) -> int:
    from twscan.store.db import Store
    from twscan.store.merge import merge

    if not sources:
        raise TwscanError("audit merge: name the datastores to merge, and the result with --db")
    with Store(args.db) as target:
        for path in sources:
            with Store(path, create=False) as source:
                merge(source, target)
        from twscan.commands.report import write_report

        doc = write_report(args, target)
    return 1 if doc["summary"]["findings"] else 0
