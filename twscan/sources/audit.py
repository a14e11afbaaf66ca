"""One repository of an organisation audit, incrementally: only what the datastore has not seen.

The first audit of a repository is ``twscan history`` (every object once, attribution from
``git log --raw``); what it learns is kept: every object it scanned, and for the few that held
something, their findings, *keyed*: each secret replaced by its salted key from the datastore,
its redacted form and one-way hash kept beside it. A later audit

* compares the repository's refs with the ones recorded: unchanged refs mean nothing new to read,
  and the repository costs one ``for-each-ref``;
* otherwise lists the object store (cheap: no contents), scans only the objects not recorded,
  and attributes again over the whole log with the old hits and the new ones together, which is
  what keeps ``in_head``, removal and the per-path commits right after any push, force-push or
  branch deletion.

Attribution works on keys, never on raw values, so no secret needs storing for it; a secret a
later check needs in the clear (``--verify``) is read again from the few blobs that hold it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from twscan import git
from twscan.core.model import CommitInfo, Finding
from twscan.sources import BlobScanner, history
from twscan.store.db import Place, RepoResults, Store, StoredFinding
from twscan.store.keyed import decode, encode, keyed


@dataclass
class RepoAudit:
    """What one repository's audit did."""

    changed: bool
    scanned_objects: int
    scanned_bytes: int
    findings: int
    new: int
    errors: list[str]
    seconds: float


def tips(repo: str) -> dict[str, str]:
    """Every ref of the mirror and the object it points at."""
    out = git.run(["for-each-ref", "--format=%(refname)%00%(objectname)"], cwd=repo)
    found: dict[str, str] = {}
    for line in out.splitlines():
        name, _, sha = line.partition(b"\0")
        found[git.display_path(name)] = sha.decode("ascii", "replace")
    return found


def audit_repository(
    store: Store,
    repo_id: int,
    run: int,
    path: str,
    factory: history.ScannerFactory,
    *,
    jobs: int,
    max_size: int | None,
    keep_raw: bool,
    engine: str = "",
    report: Callable[[int, int, int, int], None] | None = None,
) -> RepoAudit:
    """Audit the mirror at ``path`` into ``store`` as repository ``repo_id`` of ``run``.

    ``engine`` names what scans (twscan's version, its rules and limits): objects another
    engine read are read again, since new rules may find what the old ones could not.
    """
    started = time.perf_counter()
    now_tips = tips(path)
    same_engine = store.engine(repo_id) == engine
    if same_engine and store.tips(repo_id) == now_tips and now_tips:
        store.touch(repo_id, run)
        return RepoAudit(False, 0, 0, 0, 0, [], time.perf_counter() - started)
    skip = store.scanned(repo_id) if same_engine else set()
    old_hits = (
        {oid: [decode(d) for d in found] for oid, found in store.hits(repo_id).items()}
        if same_engine
        else {}
    )
    objs = history.ObjectList()
    log: list[history.LogJob] = []

    def progress(objects: int, nbytes: int, listed: history.ObjectList) -> None:
        if report is not None:
            report(objects, nbytes, listed.objects, listed.size)

    try:
        raw_hits = history.scan_objects(
            factory, path, objs, jobs=jobs, limit=max_size, skip=skip,
            on_progress=progress, while_waiting=lambda: log.append(
                history.LogJob.start(path, ["--all"])),
        )  # fmt: skip
    except BaseException:
        for job in log:
            job.abandon()
        raise
    new_hits = {
        oid: [keyed(f, store.key, keep_raw=keep_raw) for f in found]
        for oid, found in raw_hits.items()
    }
    hits = {**old_hits, **new_hits}
    missing = history.Missing()
    with log[0].wait() as out:
        events, commits, _gitlinks, _big = history.read_log(
            out, hits, objs.big, objs.present, missing
        )
    errors = [missing.message()] if missing.count else []
    order = {sha: i for i, sha in enumerate(commits)}
    history.add_message_events(path, hits, objs, order, events)
    held = history.head_values(path, hits)  # one ls-tree of HEAD for both
    findings = history.report_findings(path, hits, events, held)
    stored = _stored(path, findings, events, held)
    head = now_tips.get("HEAD") or _head(path)
    new = store.repository_results(
        RepoResults(
            repo=repo_id,
            run=run,
            tips=now_tips,
            head=head,
            scanned=objs.scanned,
            nbytes=objs.size,
            commits=len(commits),
            hits={oid: [encode(f) for f in found] for oid, found in new_hits.items()},
            findings=stored,
            engine=engine,
            rescanned=not same_engine,
        )
    )
    return RepoAudit(
        True, len(objs.scanned), objs.size, len(stored), new, errors,
        time.perf_counter() - started,
    )  # fmt: skip


def _head(path: str) -> str | None:
    rc, out, _ = git.run_rc(["rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=path)
    return out.strip().decode() if rc == 0 else None


def _stored(
    path: str,
    findings: list[Finding],
    events: dict[str, list[history.Event]],
    head: dict[str, list[str]],
) -> list[StoredFinding]:
    """The datastore's rows for the findings: each path with the commit that brought the
    secret into it (the first event there, in parent-first order)."""
    firsts: dict[str, dict[str, history.Event]] = {}
    for value, evs in events.items():
        per_path = firsts.setdefault(value, {})
        for e in sorted(evs, key=lambda e: e.order):
            per_path.setdefault(e.path, e)
    shas = sorted({e.sha for per in firsts.values() for e in per.values()})
    infos = history.commit_infos(path, shas)
    out: list[StoredFinding] = []
    for f in findings:
        held = set(head.get(f.secret, ()))
        places = []
        for p, e in sorted(firsts.get(f.secret, {}).items()):
            info = infos.get(e.sha) or CommitInfo(e.sha.decode(), "", "", "")
            places.append(Place(p, info.sha, info.author, info.date, p in held))
        commit = f.commit or CommitInfo("", "", "", "")
        data = encode(f)
        data["commit"] = None
        out.append(
            StoredFinding(
                key=f.secret,
                kind=f.kind,
                severity=str(f.severity),
                shown=str(f.extra.get("_shown", "")),
                raw=str(f.extra["_raw"]) if "_raw" in f.extra else None,
                commit=commit.sha,
                author=commit.author,
                date=commit.date,
                path=f.file,
                in_head=bool(held),
                places=places,
                data=data,
            )
        )
    return out


def raw_findings(
    store: Store,
    mirrors: dict[int, str],
    wanted: set[str],
    scanner: BlobScanner,
) -> dict[str, Finding]:
    """The raw findings behind ``wanted`` keys, read again from the few objects that hold them
    (the datastore has only keys): what ``--verify`` and ``--check-github`` need in the clear,
    for as long as the check takes."""
    from twscan.sources.commits import MESSAGE_PATH, commit_message

    found: dict[str, Finding] = {}
    for repo_id, path in mirrors.items():
        oids = [
            oid for oid, items in store.hits(repo_id).items()
            if wanted & {str(d.get("secret")) for d in items}
        ]  # fmt: skip
        if not oids:
            continue
        stream = git.ObjectStream(cwd=path)
        try:
            for obj in stream.views(oids):
                data: bytes | memoryview = obj.data
                where = ""
                if obj.type != b"blob":
                    data, where = commit_message(obj.data.tobytes()), MESSAGE_PATH
                for f in scanner.scan_bytes(data, where):
                    key = store.key(f.secret)
                    if key in wanted:
                        found.setdefault(key, f)
        finally:
            stream.close()
    return found
