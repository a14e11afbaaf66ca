"""Merge the datastores of a sharded audit into one.

A CI matrix audits an organisation in N shards with no coordination (``--shard I/N``); each
job uploads its datastore and one job merges them. Merging is keyed by what the data is, never
by row ids: a repository by its name, an object by (repository, oid), a finding by (repository,
secret key), a check by (secret key, kind), a run by (start time, shard). So merging the same
shard twice changes nothing, and the order of the shards does not matter. Secrets match across
shards only when their salts agree: the shards share ``TWSCAN_AUDIT_SALT`` (a CI secret), and a
datastore with another salt is refused, not merged wrongly.
"""

from __future__ import annotations

from twscan.core.errors import TwscanError
from twscan.store.db import Store

#: A repository's own columns (all but its id), in the order both datastores are read and written.
_COLUMNS = (
    "name", "url", "source", "status", "error", "last_scanned", "last_run", "head", "objects",
    "bytes", "commits", "engine",
)  # fmt: skip


def merge(source: Store, target: Store) -> None:
    target.adopt_salt(source)
    if source.salt_id != target.salt_id:
        raise TwscanError(
            f"{source.path}: made with another salt than {target.path}: its secrets cannot be "
            "matched. Run every shard, and the merge, with the same TWSCAN_AUDIT_SALT"
        )
    s, t = source.db, target.db
    with target.transaction():
        runs: dict[int, int] = {}
        for rid, started, finished, shard, repos, failed, scanned, new in s.execute(
            "SELECT id, started, finished, shard, repositories, failed, scanned_objects, "
            "new_findings FROM runs"
        ):
            row = t.execute(
                "SELECT id FROM runs WHERE started = ? AND shard IS ?", (started, shard)
            ).fetchone()
            if row is None:
                cur = t.execute(
                    "INSERT INTO runs(started, finished, shard, repositories, failed, "
                    "scanned_objects, new_findings) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (started, finished, shard, repos, failed, scanned, new),
                )
                assert cur.lastrowid is not None
                runs[rid] = cur.lastrowid
            else:
                runs[rid] = int(row[0])
        for row in s.execute(
            f"SELECT id, {', '.join(_COLUMNS)} FROM repositories"  # noqa: S608 (fixed names)
        ).fetchall():
            _repository(source, target, row, runs)
        for key, kind, result, at in s.execute(
            "SELECT secret_key, kind, result, checked_at FROM checks"
        ):
            t.execute(
                "INSERT INTO checks(secret_key, kind, result, checked_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(secret_key, kind) DO UPDATE SET result = excluded.result, "
                "checked_at = excluded.checked_at WHERE excluded.checked_at > checked_at",
                (key, kind, result, at),
            )


def _repository(
    source: Store, target: Store, row: tuple[object, ...], runs: dict[int, int]
) -> None:
    """One repository: the newer audit of it wins, whole (its tips, objects, findings)."""
    s, t = source.db, target.db
    sid, name, scanned_at, last_run = row[0], row[1], row[6], row[7]
    mine = t.execute("SELECT id, last_scanned FROM repositories WHERE name = ?", (name,)).fetchone()
    if mine is not None and (mine[1] or "") > str(scanned_at or ""):
        return  # the target's audit of it is newer
    values = list(row[1:])
    values[_COLUMNS.index("last_run")] = runs.get(last_run) if isinstance(last_run, int) else None
    t.execute(
        f"INSERT INTO repositories({', '.join(_COLUMNS)}) "  # noqa: S608 (fixed names)
        f"VALUES ({', '.join('?' * len(_COLUMNS))}) ON CONFLICT(name) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "name"),
        values,
    )
    tid = int(t.execute("SELECT id FROM repositories WHERE name = ?", (name,)).fetchone()[0])
    if mine is not None:  # its older audit in the target goes, whole
        for table in ("tips", "scanned", "hits", "findings"):
            t.execute(f"DELETE FROM {table} WHERE repo_id = ?", (tid,))  # noqa: S608 (fixed names)
    t.executemany(
        "INSERT INTO tips(repo_id, ref, sha) VALUES (?, ?, ?)",
        ((tid, ref, sha) for ref, sha in s.execute("SELECT ref, sha FROM tips WHERE repo_id = ?",
                                                   (sid,))),
    )  # fmt: skip
    t.executemany(
        "INSERT INTO scanned(repo_id, oid) VALUES (?, ?)",
        ((tid, oid) for (oid,) in s.execute("SELECT oid FROM scanned WHERE repo_id = ?", (sid,))),
    )
    t.executemany(
        "INSERT INTO hits(repo_id, oid, findings) VALUES (?, ?, ?)",
        ((tid, oid, f) for oid, f in s.execute("SELECT oid, findings FROM hits WHERE repo_id = ?",
                                               (sid,))),
    )  # fmt: skip
    for f in s.execute(
        "SELECT id, secret_key, kind, severity, shown, raw, commit_sha, author, date, path, "
        "in_head, gone, first_run, last_run, data FROM findings WHERE repo_id = ?",
        (sid,),
    ).fetchall():
        fid, *fields = f
        first_run, last_run_f = fields[11], fields[12]
        fields[11] = runs.get(int(first_run), first_run)
        fields[12] = runs.get(int(last_run_f), last_run_f)
        cur = t.execute(
            "INSERT INTO findings(repo_id, secret_key, kind, severity, shown, raw, commit_sha, "
            "author, date, path, in_head, gone, first_run, last_run, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (tid, *fields),
        )
        assert cur.lastrowid is not None
        t.executemany(
            "INSERT INTO places(finding_id, path, commit_sha, author, date, in_head) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((cur.lastrowid, *p) for p in s.execute(
                "SELECT path, commit_sha, author, date, in_head FROM places WHERE finding_id = ?",
                (fid,))),
        )  # fmt: skip
