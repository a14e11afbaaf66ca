"""The audit datastore: one SQLite file (standard library), versioned, WAL, private.

What an organisation audit knows between runs lives here: the repositories and their state, the
runs, which objects of each repository were already scanned (so a re-audit reads only new
ones), the blobs that held something (so attribution needs no rescan), the findings with the
commit that brought each secret into each path, and the GitHub exposure and liveness checks
with their time.

No raw secret is stored unless the user asks (``--store-secrets``): a secret is known by a
salted key (HMAC-SHA256 with this file's salt, or with ``TWSCAN_AUDIT_SALT`` so that the shards
of one audit agree), and shown by its redacted form. The file is created ``0600`` and every
repository's results are written in one transaction, so a killed audit loses at most the
repository in flight.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twscan.core.errors import TwscanError
from twscan.core.stamp import utc_stamp

#: Version of the schema below; :data:`MIGRATIONS` brings older files up to it.
SCHEMA_VERSION = 1
SALT_ENV = "TWSCAN_AUDIT_SALT"

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE repositories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'new',      -- ok, failed, new
    error TEXT,
    last_scanned TEXT,
    last_run INTEGER,
    head TEXT,
    objects INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    commits INTEGER NOT NULL DEFAULT 0,
    engine TEXT                              -- what scanned it: version, rules, limits
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    shard TEXT,
    repositories INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    scanned_objects INTEGER NOT NULL DEFAULT 0,
    new_findings INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tips (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    sha TEXT NOT NULL,
    PRIMARY KEY (repo_id, ref)
) WITHOUT ROWID;
CREATE TABLE scanned (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    oid BLOB NOT NULL,
    PRIMARY KEY (repo_id, oid)
) WITHOUT ROWID;
CREATE TABLE hits (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    oid TEXT NOT NULL,
    findings TEXT NOT NULL,                  -- JSON: the keyed findings of that object
    PRIMARY KEY (repo_id, oid)
) WITHOUT ROWID;
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    secret_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    shown TEXT NOT NULL,                     -- the redacted value
    raw TEXT,                                -- only with --store-secrets
    commit_sha TEXT,
    author TEXT,
    date TEXT,
    path TEXT,
    in_head INTEGER NOT NULL,
    gone INTEGER NOT NULL DEFAULT 0,         -- no longer reachable from any ref
    first_run INTEGER NOT NULL,
    last_run INTEGER NOT NULL,
    data TEXT NOT NULL,                      -- JSON: the report's finding object
    UNIQUE (repo_id, secret_key)
);
CREATE INDEX findings_by_key ON findings(secret_key);
CREATE TABLE places (
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    author TEXT,
    date TEXT,
    in_head INTEGER NOT NULL,
    PRIMARY KEY (finding_id, path)
) WITHOUT ROWID;
CREATE TABLE checks (
    secret_key TEXT NOT NULL,
    kind TEXT NOT NULL,                      -- exposure, verify
    result TEXT NOT NULL,                    -- JSON
    checked_at REAL NOT NULL,
    PRIMARY KEY (secret_key, kind)
) WITHOUT ROWID;
"""

#: version -> SQL that brings a file at that version to the next one.
MIGRATIONS: dict[int, str] = {}


@dataclass
class RepoRow:
    id: int
    name: str
    url: str
    status: str
    error: str | None
    last_scanned: str | None
    head: str | None


class Store:
    """One open datastore. Use as a context manager; :meth:`repository_results` commits."""

    def __init__(self, path: str, *, create: bool = True) -> None:
        self.path = path
        fresh = not os.path.exists(path)
        if fresh and not create:
            raise TwscanError(f"datastore not found: {path}")
        if fresh:
            _create_private(path)
        try:
            self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()
            if not mode or str(mode[0]).lower() != "wal":
                raise TwscanError(f"{path}: the datastore needs WAL mode (a local file system)")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise TwscanError(f"{path}: not a twscan datastore ({exc})") from None
        self.salt = self._salt()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA optimize")
        self.db.close()

    # -- schema -----------------------------------------------------------------------------

    def _migrate(self) -> None:
        listed = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {r[0] for r in listed}
        if "meta" not in tables:
            if tables:
                raise TwscanError(f"{self.path}: not a twscan datastore")
            with self.transaction():
                for statement in _statements(_SCHEMA_V1):
                    self.db.execute(statement)
                self._set("schema_version", str(SCHEMA_VERSION))
                self._set("created", utc_stamp())
            return
        version = int(self._get("schema_version") or 0)
        if version > SCHEMA_VERSION:
            raise TwscanError(
                f"{self.path}: made by a newer twscan (schema {version}; this one knows "
                f"{SCHEMA_VERSION}): upgrade twscan"
            )
        while version < SCHEMA_VERSION:
            step = MIGRATIONS.get(version)
            if step is None:
                raise TwscanError(f"{self.path}: no migration from schema {version}")
            with self.transaction():
                for statement in _statements(step):
                    self.db.execute(statement)
                version += 1
                self._set("schema_version", str(version))

    def _salt(self) -> bytes:
        """This file's salt; with TWSCAN_AUDIT_SALT, the one every shard shares."""
        env = os.environ.get(SALT_ENV, "")
        stored = self._get("salt")
        wanted = hashlib.sha256(b"twscan-audit-salt\0" + env.encode()).hexdigest() if env else None
        if stored is None:
            value = wanted or secrets.token_hex(32)
            with self.transaction():
                self._set("salt", value)
                self._set("salt_from_env", "1" if wanted else "0")
            return bytes.fromhex(value)
        if wanted is not None and wanted != stored:
            raise TwscanError(
                f"{self.path}: this datastore was made with another salt than "
                f"{SALT_ENV} gives: its secrets could not be matched; use the same "
                f"{SALT_ENV} as when it was made, or another --db"
            )
        return bytes.fromhex(stored)

    def adopt_salt(self, other: Store) -> bool:
        """Take ``other``'s salt if this datastore is still empty and its salt is its own
        (not TWSCAN_AUDIT_SALT's): merging into a new file needs no shared secret then."""
        empty = self.db.execute("SELECT COUNT(*) FROM repositories").fetchone()[0] == 0
        if not empty or self._get("salt_from_env") == "1" or other.salt == self.salt:
            return other.salt == self.salt
        with self.transaction():
            self._set("salt", other.salt.hex())
            self._set("salt_from_env", other._get("salt_from_env") or "0")
        self.salt = other.salt
        return True

    def _get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- keys -------------------------------------------------------------------------------

    def key(self, secret: str) -> str:
        """The salted key a secret is stored under (never the secret)."""
        # all 64 digits: a 32-digit key would look like an Auth Token to a scan of this file
        return hmac.new(self.salt, secret.encode(), hashlib.sha256).hexdigest()

    @property
    def salt_id(self) -> str:
        """Names the salt without giving it away: two files with the same one agree."""
        return hashlib.sha256(b"twscan-salt-id\0" + self.salt).hexdigest()[:16]

    # -- runs and repositories --------------------------------------------------------------

    def begin_run(self, shard: str | None) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO runs(started, shard) VALUES (?, ?)", (utc_stamp(), shard)
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def end_run(self, run: int, *, repositories: int, failed: int, scanned: int, new: int) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET finished = ?, repositories = ?, failed = ?, scanned_objects = ?, "
                "new_findings = ? WHERE id = ?",
                (utc_stamp(), repositories, failed, scanned, new, run),
            )

    def repository(self, name: str, url: str, source: str) -> int:
        with self.transaction():
            self.db.execute(
                "INSERT INTO repositories(name, url, source) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET url = excluded.url, source = excluded.source",
                (name, url, source),
            )
        row = self.db.execute("SELECT id FROM repositories WHERE name = ?", (name,)).fetchone()
        return int(row[0])

    def repositories(self) -> list[RepoRow]:
        rows = self.db.execute(
            "SELECT id, name, url, status, error, last_scanned, head FROM repositories "
            "ORDER BY name"
        )
        return [RepoRow(*r) for r in rows]

    def mark_failed(self, repo: int, run: int, reason: str) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE repositories SET status = 'failed', error = ?, last_run = ? WHERE id = ?",
                (reason, run, repo),
            )

    def tips(self, repo: int) -> dict[str, str]:
        rows = self.db.execute("SELECT ref, sha FROM tips WHERE repo_id = ?", (repo,))
        return {str(r): str(s) for r, s in rows}

    def scanned(self, repo: int) -> set[bytes]:
        rows = self.db.execute("SELECT oid FROM scanned WHERE repo_id = ?", (repo,))
        return {bytes(r[0]) for r in rows}

    def hits(self, repo: int) -> dict[bytes, list[dict[str, Any]]]:
        rows = self.db.execute("SELECT oid, findings FROM hits WHERE repo_id = ?", (repo,))
        return {str(o).encode(): json.loads(f) for o, f in rows}

    def engine(self, repo: int) -> str | None:
        """What last scanned the repository (twscan's version, its rules and limits)."""
        row = self.db.execute("SELECT engine FROM repositories WHERE id = ?", (repo,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def findings_of(self, repo: int) -> dict[str, tuple[int, int]]:
        """secret key -> (finding id, first run) of the repository's findings so far."""
        rows = self.db.execute(
            "SELECT secret_key, id, first_run FROM findings WHERE repo_id = ?", (repo,)
        )
        return {str(k): (int(i), int(f)) for k, i, f in rows}

    def touch(self, repo: int, run: int) -> None:
        """An unchanged repository: seen in this run, nothing else to write."""
        with self.transaction():
            self.db.execute(
                "UPDATE repositories SET status = 'ok', error = NULL, last_run = ?, "
                "last_scanned = ? WHERE id = ?",
                (run, utc_stamp(), repo),
            )

    def repository_results(self, result: RepoResults) -> int:
        """Everything one repository's audit learnt, in one transaction; how many of its
        findings are new to the datastore."""
        r = result
        with self.transaction():
            if r.rescanned:  # another engine read these objects: what it found is replaced
                self.db.execute("DELETE FROM scanned WHERE repo_id = ?", (r.repo,))
                self.db.execute("DELETE FROM hits WHERE repo_id = ?", (r.repo,))
            self.db.executemany(
                "INSERT OR IGNORE INTO scanned(repo_id, oid) VALUES (?, ?)",
                ((r.repo, oid) for oid in r.scanned),
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO hits(repo_id, oid, findings) VALUES (?, ?, ?)",
                ((r.repo, oid.decode(), json.dumps(found)) for oid, found in r.hits.items()),
            )
            self.db.execute("DELETE FROM tips WHERE repo_id = ?", (r.repo,))
            self.db.executemany(
                "INSERT INTO tips(repo_id, ref, sha) VALUES (?, ?, ?)",
                ((r.repo, ref, sha) for ref, sha in sorted(r.tips.items())),
            )
            known = self.findings_of(r.repo)
            new = sum(1 for f in r.findings if f.key not in known)
            seen: set[str] = set()
            for f in r.findings:
                seen.add(f.key)
                data = json.dumps(f.data, sort_keys=True)
                if f.key in known:
                    fid, _ = known[f.key]
                    self.db.execute(
                        "UPDATE findings SET kind = ?, severity = ?, shown = ?, "
                        "raw = COALESCE(?, raw), commit_sha = ?, author = ?, date = ?, path = ?, "
                        "in_head = ?, gone = 0, last_run = ?, data = ? WHERE id = ?",
                        (f.kind, f.severity, f.shown, f.raw, f.commit, f.author, f.date, f.path,
                         int(f.in_head), r.run, data, fid),
                    )  # fmt: skip
                else:
                    cur = self.db.execute(
                        "INSERT INTO findings(repo_id, secret_key, kind, severity, shown, raw, "
                        "commit_sha, author, date, path, in_head, first_run, last_run, data) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (r.repo, f.key, f.kind, f.severity, f.shown, f.raw, f.commit, f.author,
                         f.date, f.path, int(f.in_head), r.run, r.run, data),
                    )  # fmt: skip
                    assert cur.lastrowid is not None
                    fid = cur.lastrowid
                self.db.execute("DELETE FROM places WHERE finding_id = ?", (fid,))
                self.db.executemany(
                    "INSERT INTO places(finding_id, path, commit_sha, author, date, in_head) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    ((fid, p.path, p.commit, p.author, p.date, int(p.in_head)) for p in f.places),
                )
            for key, (fid, _) in known.items():
                if key not in seen:
                    self.db.execute(
                        "UPDATE findings SET gone = 1, in_head = 0 WHERE id = ?", (fid,)
                    )
            self.db.execute(
                "UPDATE repositories SET status = 'ok', error = NULL, last_run = ?, "
                "last_scanned = ?, head = ?, objects = objects + ?, bytes = bytes + ?, "
                "commits = ?, engine = ? WHERE id = ?",
                (r.run, utc_stamp(), r.head, len(r.scanned), r.nbytes, r.commits, r.engine, r.repo),
            )
        return new

    # -- checks -----------------------------------------------------------------------------

    def live_keys(self) -> list[tuple[str, str, bool]]:
        """(secret key, kind, has a SID beside it) of every finding still reachable."""
        rows = self.db.execute(
            "SELECT DISTINCT secret_key, kind, data FROM findings WHERE gone = 0"
        )
        out = []
        for key, kind, data in rows:
            pair = json.loads(data).get("pair")
            out.append((str(key), str(kind), bool(pair)))
        return out

    def check(self, key: str, kind: str, ttl: float, at: float) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT result, checked_at FROM checks WHERE secret_key = ? AND kind = ?", (key, kind)
        ).fetchone()
        if row is None or at - float(row[1]) > ttl:
            return None
        result: dict[str, Any] = json.loads(row[0])
        result["checked_at"] = float(row[1])
        return result

    def all_checks(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every check kept, whatever its age: secret key -> kind -> result (with its time)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for key, kind, result, at in self.db.execute(
            "SELECT secret_key, kind, result, checked_at FROM checks"
        ):
            out.setdefault(str(key), {})[str(kind)] = {**json.loads(result), "checked_at": at}
        return out

    def save_check(self, key: str, kind: str, result: dict[str, Any], at: float) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO checks(secret_key, kind, result, checked_at) "
                "VALUES (?, ?, ?, ?)",
                (key, kind, json.dumps(result, sort_keys=True), at),
            )

    # -- reading for reports ----------------------------------------------------------------

    def all_findings(self) -> list[dict[str, Any]]:
        """Every finding still reachable, with its repository and places; ``new`` when the
        run that last audited its repository is the one that first found it."""
        rows = self.db.execute(
            "SELECT f.id, r.name, f.secret_key, f.data, f.in_head, f.first_run, f.raw, "
            "r.last_run FROM findings f JOIN repositories r ON r.id = f.repo_id "
            "WHERE f.gone = 0 ORDER BY r.name, f.date, f.path, f.id"
        ).fetchall()
        out = []
        for fid, repo, key, data, in_head, first_run, raw, latest in rows:
            d: dict[str, Any] = json.loads(data)
            d["repo"] = repo
            d["secret_key"] = key
            d["in_head"] = bool(in_head)
            d["new"] = first_run == latest
            if raw is not None:
                d["raw"] = raw
            d["places"] = [
                {"path": p, "commit": c, "author": a, "date": t, "in_head": bool(h)}
                for p, c, a, t, h in self.db.execute(
                    "SELECT path, commit_sha, author, date, in_head FROM places "
                    "WHERE finding_id = ? ORDER BY path",
                    (fid,),
                )
            ]
            out.append(d)
        return out


@dataclass
class Place:
    path: str
    commit: str
    author: str
    date: str
    in_head: bool


@dataclass
class StoredFinding:
    key: str
    kind: str
    severity: str
    shown: str
    raw: str | None
    commit: str
    author: str
    date: str
    path: str
    in_head: bool
    places: list[Place]
    data: dict[str, Any]


@dataclass
class RepoResults:
    repo: int
    run: int
    tips: dict[str, str]
    head: str | None
    scanned: list[bytes]
    nbytes: int
    commits: int
    hits: dict[bytes, list[dict[str, Any]]]
    findings: list[StoredFinding]
    engine: str = ""
    rescanned: bool = False


def _statements(script: str) -> list[str]:
    """The statements of a schema script (no statement of ours holds a ``;`` inside it)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _create_private(path: str) -> None:
    """Create the file 0600 before SQLite opens it: it will hold the audit's findings."""
    parent = Path(path).parent
    if str(parent) and not parent.is_dir():
        raise TwscanError(f"--db {path}: the directory {parent} does not exist")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise TwscanError(f"--db {path}: cannot create ({exc.strerror})") from None
    os.close(fd)
