"""The audit datastore itself: a real SQLite file, its schema, privacy and salt."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from twscan.core.errors import TwscanError
from twscan.store import db as dbmod
from twscan.store.db import Store


def test_a_new_datastore_is_private_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    with Store(str(path)) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._get("schema_version") == str(dbmod.SCHEMA_VERSION)
        store.repository("org/a", "file:///a", "argument")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with Store(str(path), create=False) as again:  # opened again: same salt, same rows
        assert [r.name for r in again.repositories()] == ["org/a"]


def test_a_datastore_of_a_newer_twscan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    with Store(str(path)) as store:
        store.db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(TwscanError, match="newer twscan"):
        Store(str(path))


def test_an_older_schema_is_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.sqlite"
    with Store(str(path)) as store:
        store.db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    monkeypatch.setitem(dbmod.MIGRATIONS, 0, "CREATE TABLE migrated_marker (x INTEGER);")
    with Store(str(path)) as store:
        assert store._get("schema_version") == str(dbmod.SCHEMA_VERSION)
        assert store.db.execute("SELECT COUNT(*) FROM migrated_marker").fetchone()[0] == 0


def test_a_file_that_is_not_a_datastore_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(TwscanError, match="not a twscan datastore"):
        Store(str(junk))
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(TwscanError, match="not a twscan datastore"):
        Store(str(other))
    with pytest.raises(TwscanError, match="not found"):
        Store(str(tmp_path / "missing.sqlite"), create=False)
    with pytest.raises(TwscanError, match="does not exist"):
        Store(str(tmp_path / "no" / "dir.sqlite"))


def test_keys_are_salted_and_the_shared_salt_must_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(dbmod.SALT_ENV, raising=False)
    with Store(str(tmp_path / "a.sqlite")) as a, Store(str(tmp_path / "b.sqlite")) as b:
        assert a.key("x") != b.key("x") and len(a.key("x")) == 64
    monkeypatch.setenv(dbmod.SALT_ENV, "one shared secret")
    with Store(str(tmp_path / "c.sqlite")) as c, Store(str(tmp_path / "d.sqlite")) as d:
        assert c.key("x") == d.key("x") and c.salt_id == d.salt_id
    monkeypatch.setenv(dbmod.SALT_ENV, "another one")
    with pytest.raises(TwscanError, match="another salt"):
        Store(str(tmp_path / "c.sqlite"))
