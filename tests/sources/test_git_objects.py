"""Reading objects out of ``git cat-file --batch``: every byte of every object, whatever its
size and wherever it falls in the reader's buffer, over a socket or a pipe."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from tests.gitutil import Repo
from twscan import git


def _objects(tmp_path: Path) -> tuple[Repo, dict[bytes, bytes]]:
    """Blobs of many sizes (empty, a few bytes, around the small test buffer, much larger),
    with newlines and NUL bytes in them, so a parser that trusts the wrong byte breaks."""
    r = Repo(tmp_path / "r")
    rnd = random.Random(5)
    blobs: dict[bytes, bytes] = {}
    sizes = [0, 1, 2, 40, 63, 64, 65, 100, 127, 128, 129, 200, 255, 256, 257, 1000, 5000, 70000]
    for i, size in enumerate(sizes * 2):
        data = bytes(rnd.choice(b"ab\n\0 x") for _ in range(size))
        path = r.write(f"f{i}.bin", data)
        oid = r.git("hash-object", "-w", str(path)).strip().encode()
        blobs[oid] = data
    return r, blobs


@pytest.fixture(params=["socket", "pipe"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pipe":  # what platforms without Unix sockets use
        monkeypatch.setattr(git, "_socket_pair", lambda: (None, None))
    return str(request.param)


@pytest.mark.parametrize("buffer", [128, 4 << 20])
def test_batch_reader_returns_every_byte(
    tmp_path: Path, transport: str, buffer: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 128-byte buffer puts headers and contents across its end and most objects beyond it.
    monkeypatch.setattr(git, "_READ_BUFFER", buffer)
    r, blobs = _objects(tmp_path)
    oids = list(blobs)
    with git.BatchReader(oids, cwd=r.path) as reader:
        got = [(o.oid, o.type, o.data) for o in reader]
    assert got == [(oid, b"blob", blobs[oid]) for oid in oids]


@pytest.mark.parametrize("buffer", [128, 4 << 20])
def test_object_stream_reads_batch_after_batch(
    tmp_path: Path, transport: str, buffer: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(git, "_READ_BUFFER", buffer)
    monkeypatch.setattr(git, "_AHEAD", 4)  # ids written a few at a time, as with long batches
    r, blobs = _objects(tmp_path)
    oids = list(blobs)
    with git.ObjectStream(cwd=r.path) as stream:
        for batch in (oids[:7], oids[7:8], oids[8:], oids[::-1]):
            got = [(o.oid, o.data.tobytes()) for o in stream.views(batch)]
            assert got == [(oid, blobs[oid]) for oid in batch]
        proc = stream._cat.proc
    assert proc.poll() is not None, "closing the stream stops git"


def test_object_stream_names_a_missing_object(tmp_path: Path, transport: str) -> None:
    r, blobs = _objects(tmp_path)
    absent = b"0123456789abcdef0123456789abcdef01234567"
    with git.ObjectStream(cwd=r.path) as stream, pytest.raises(git.CorruptObjectError) as err:
        list(stream.views([next(iter(blobs)), absent]))
    assert absent.decode() in str(err.value)


def test_corrupt_pack_object_is_an_error_not_a_short_read(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.commit_file("a.txt", "".join(f"line {i}\n" for i in range(2000)))
    r.git("gc", "-q")
    oid = r.git("rev-parse", "HEAD:a.txt").strip().encode()
    pack = next((r.path / ".git" / "objects" / "pack").glob("*.pack"))
    os.chmod(pack, 0o644)
    raw = bytearray(pack.read_bytes())
    mid = len(raw) // 2
    raw[mid : mid + 64] = bytes(64)  # zeros in the middle of the compressed data
    pack.write_bytes(bytes(raw))
    with pytest.raises(git.CorruptObjectError), git.BatchReader([oid], cwd=r.path) as reader:
        for _ in reader:
            pass
    assert subprocess.run(["git", "-C", str(r.path), "fsck"], capture_output=True).returncode
