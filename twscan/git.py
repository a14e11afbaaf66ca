"""The only place twscan talks to git: argument lists to ``git``, bytes back, errors explained.

Git is always run as a subprocess with an argument list (never a shell), and machine-readable
output is always requested NUL-separated (``-z``) so that paths with spaces, newlines or bytes
that are not UTF-8 survive unchanged. Nothing here knows about secrets; the sources build on it.

Latency matters: ``twscan staged`` runs on every commit, so this module imports only what the
hook path needs (``subprocess`` is the one unavoidable import).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence

from twscan.core.errors import TwscanError
from twscan.core.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import IO, Any, NamedTuple

#: A pipe this large lets git and the reader run on different cores at the same time instead of
#: taking turns over the kernel's default 64 KiB (measured ~2x on a history scan).
PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, Linux only; not exported by fcntl before Python 3.10

GITLINK_MODE = b"160000"


class GitError(TwscanError):
    """A git command failed; the message names the command and git's own first error line."""


class CorruptObjectError(GitError):
    """An object that history or the index refers to cannot be read."""


def is_zero(oid: bytes | str) -> bool:
    """True for git's all-zero id, which stands for "no object" (sha1 or sha256 alike)."""
    s = oid if isinstance(oid, str) else oid.decode("ascii", "replace")
    return not s.strip("0")


def display_path(path: bytes) -> str:
    """Paths are bytes in git; show them as UTF-8, escaping what is not, so output never fails."""
    return path.decode("utf-8", "backslashreplace")


def describe_failure(args: Sequence[str], stderr: bytes) -> str:
    """What went wrong, in git's own words: its first fatal or error line."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    detail = (fatal or lines or ["no error message"])[0]
    for prefix in ("fatal: ", "error: "):
        detail = detail.removeprefix(prefix)
    if "not a git repository" in detail:
        return "not a git repository (or any parent up to the mount point)"
    if "dubious ownership" in detail:
        return _not_trusted(detail)
    shown = " ".join(a for a in args[:2] if not a.startswith("-")) or args[0]
    return f"git {shown} failed: {detail}"


def run(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    stdin: bytes | None = None,
    ok: Sequence[int] = (0,),
    own_hooks: bool = False,
) -> bytes:
    """Run ``git ARGS`` and return its stdout; any other exit status raises :class:`GitError`."""
    rc, out, err = run_rc(args, cwd=cwd, stdin=stdin, own_hooks=own_hooks)
    if rc not in ok:
        raise GitError(describe_failure(args, err))
    return out


def run_rc(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    stdin: bytes | None = None,
    own_hooks: bool = False,
) -> tuple[int, bytes, bytes]:
    """Run ``git ARGS`` and hand back (status, stdout, stderr) for callers that expect failure."""
    try:
        proc = subprocess.run(
            argv(args, own_hooks=own_hooks),
            cwd=cwd,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            check=False,
            env=environment(),
        )
    except FileNotFoundError:
        if cwd is not None and not os.path.isdir(cwd):
            raise TwscanError(f"no such directory: {os.fspath(cwd)}") from None
        raise TwscanError("git is not installed or not on PATH") from None
    return proc.returncode, proc.stdout, proc.stderr


# --- a repository's own configuration is untrusted ---------------------------------------------

#: Settings through which a repository's ``.git/config`` makes git start a program, each set
#: on the command line, which wins over every configuration file. A repository downloaded
#: from elsewhere, or a pull request's checkout, is the attacker's: auditing it must not run
#: their ``core.fsmonitor`` (started by ``diff --cached`` and ``ls-files``), their
#: ``gpg.program`` (``log.showSignature`` verifies each commit), a pager, an external diff,
#: hooks, or the transport and credential programs a fetch would start (a partial clone
#: fetches on its own: no protocol is allowed at all). Filters and textconv
#: drivers run only when git converts work-tree files or prints patches, which twscan never
#: asks for (no ``status``, no ``-p``; ``--no-ext-diff --no-textconv`` where a diff is read).
#: Hooks are pointed at nowhere too (see :func:`argv`), and no optional index lock is taken.
NEUTRAL_CONFIG = (
    "core.fsmonitor=false",
    "core.pager=cat",
    "log.showSignature=false",
    "core.sshCommand=ssh",
    "core.askPass=",
    "credential.helper=",
    # No transport at all: twscan only reads what is here. A partial clone fetches a missing
    # object on first read, and a local or ssh fetch starts `remote.<name>.uploadpack`, a
    # program the repository names; with every protocol refused, the object is missing.
    "protocol.allow=never",
    *(f"protocol.{name}.allow=never" for name in ("file", "git", "http", "https", "ssh", "ext")),
    "advice.graftFileDeprecated=false",
)
_GLOBAL_ARGS = ["--no-pager", "--no-replace-objects"] + [
    arg for item in NEUTRAL_CONFIG for arg in ("-c", item)
]
_HOOKS_PATH = ["-c", "core.hooksPath=" + os.devnull]


def argv(args: Sequence[str], *, own_hooks: bool = False) -> list[str]:
    """The full command line of ``git ARGS``: every git twscan starts begins this way.

    ``own_hooks`` keeps the repository's hooks directory: only for asking git where it is,
    to install a hook there.
    """
    return ["git", *_GLOBAL_ARGS, *([] if own_hooks else _HOOKS_PATH), *args]


def environment() -> dict[str, str]:
    """Git's environment: the user's (which is trusted), with history read as it really is.

    Replace refs (``refs/replace/*``) and a grafts file swap one object or parent list for
    another at read time, so a repository could show an audit an innocent commit in place of
    the one that added a secret: both are turned off, and the sources say when a repository
    has them. No prompt ever waits for a terminal.
    """
    env = dict(os.environ)
    env.update(
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_GRAFT_FILE=os.devnull,
        GIT_PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_LAZY_FETCH="1",  # git 2.44 and later: a partial clone fetches nothing
    )
    return env


def require_repo(cwd: str | os.PathLike[str] | None = None) -> None:
    """Raise the plain "not a git repository" error git's own messages do not always give.

    Outside a repository ``git diff --cached`` complains about an unknown option, since it
    falls back to comparing files; callers check this only once a command has failed.
    """
    rc, _, err = run_rc(["rev-parse", "--git-dir"], cwd=cwd)
    if rc != 0:
        if b"dubious ownership" in err:
            raise TwscanError(describe_failure(["rev-parse"], err))
        where = os.path.abspath(os.fspath(cwd)) if cwd is not None else os.getcwd()
        raise TwscanError(f"not a git repository: {where}")


def empty_tree(cwd: str | os.PathLike[str] | None) -> str:
    """The id of the empty tree in this repository's hash (sha1 or sha256): what a range
    without a base is compared with."""
    return run(["hash-object", "-t", "tree", "--stdin"], cwd=cwd, stdin=b"").decode().strip()


def rewrite_notes(cwd: str | os.PathLike[str] | None) -> list[str]:
    """What the report should say about replace refs and grafts, which twscan ignores.

    Both make git show other objects than the ones stored; twscan reads the stored ones (see
    :func:`environment`), and says so, since a repository that has them may be hiding
    something, or its owners may wonder why the audit disagrees with ``git log``.
    """
    notes: list[str] = []
    out = run(["for-each-ref", "--format=%(refname)", "refs/replace/"], cwd=cwd)
    if out.strip():
        count = len(out.splitlines())
        notes.append(
            f"the repository has {count} replace ref(s) (refs/replace/*): ignored, the objects "
            "actually stored were scanned"
        )
    # not --git-path: it answers with GIT_GRAFT_FILE, which environment() points at nothing
    common = run(["rev-parse", "--git-common-dir"], cwd=cwd).strip()
    grafts = os.path.join(os.fsencode(os.fspath(cwd or ".")), common, b"info", b"grafts")
    with contextlib.suppress(OSError):
        if os.path.getsize(grafts) > 0:
            notes.append(
                "the repository has a grafts file (info/grafts): ignored, the parents actually "
                "recorded in each commit were used"
            )
    return notes


def _not_trusted(detail: str) -> str:
    """Git's ``safe.directory`` refusal, said as what it is, with the way out.

    Git will not read a repository another user owns unless told that it is safe; twscan
    leaves that decision to the user (it is made in their global configuration) rather than
    overriding it for every repository.
    """
    where = detail.split(" at ", 1)[-1].strip().strip("'")
    return (
        f"git refuses to read the repository at {where}: it is owned by another user "
        f"(git's safe.directory protection); if you trust it, run "
        f"`git config --global --add safe.directory {where}`"
    )


def popen(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    stdin: IO[bytes] | int | None = subprocess.DEVNULL,
    stdout: IO[bytes] | int = subprocess.PIPE,
    stderr: IO[bytes] | int | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``git ARGS``; a stdout pipe gets a large buffer, for streams too big to hold."""
    try:
        proc = subprocess.Popen(
            argv(args),
            cwd=cwd,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            bufsize=PIPE_SIZE,
            env=environment(),
        )
    except FileNotFoundError:
        raise TwscanError("git is not installed or not on PATH") from None
    if proc.stdout is not None:
        grow_pipe(proc.stdout.fileno())
    return proc


def grow_pipe(fd: int, size: int = PIPE_SIZE) -> None:
    """Ask Linux for a bigger pipe buffer; elsewhere, or when refused, the default still works."""
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, size)
    except (ImportError, OSError):
        pass


# --- NUL-separated output ------------------------------------------------------------------


def zsplit(data: bytes) -> list[bytes]:
    """Split ``-z`` output into its fields (a trailing NUL does not make an empty last field)."""
    if not data:
        return []
    parts = data.split(b"\0")
    if not parts[-1]:
        parts.pop()
    return parts


def iter_z(stream: IO[bytes], chunk: int = PIPE_SIZE) -> Iterator[bytes]:
    """Yield the NUL-separated fields of a stream without holding all of it in memory."""
    rest = b""
    while True:
        block = stream.read(chunk)
        if not block:
            break
        parts = (rest + block).split(b"\0") if rest else block.split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


class RawEntry(Record):
    """One line of ``--raw`` output: a path whose blob changed, with one old side per parent.

    A plain diff has one parent; a merge shown with ``-c`` has one old side per parent and lists
    only paths that differ from every parent, which is what a conflict resolution introduces.
    (A record, not a dataclass: the commit hook imports this, see :mod:`twscan.core.record`.)
    """

    __slots__ = ("status", "new_mode", "new_oid", "old_modes", "old_oids", "path", "old_path")

    def __init__(
        self,
        status: bytes,  # A M D R C T U, or one letter per parent for a merge
        new_mode: bytes,
        new_oid: bytes,
        old_modes: tuple[bytes, ...],
        old_oids: tuple[bytes, ...],
        path: bytes,
        old_path: bytes | None = None,  # the source of a rename or copy
    ) -> None:
        self.status = status
        self.new_mode = new_mode
        self.new_oid = new_oid
        self.old_modes = old_modes
        self.old_oids = old_oids
        self.path = path
        self.old_path = old_path

    @property
    def is_gitlink(self) -> bool:
        return self.new_mode == GITLINK_MODE

    @property
    def is_deletion(self) -> bool:
        return is_zero(self.new_oid)


def parse_meta(meta: bytes) -> tuple[bytes, bytes, tuple[bytes, ...], tuple[bytes, ...], bytes]:
    """Split ``:old new oldoid newoid S`` (or the ``::`` form of a merge) into its parts."""
    colons = len(meta) - len(meta.lstrip(b":"))
    fields = meta[colons:].split(b" ")
    n = colons  # number of parents
    modes = fields[: n + 1]
    oids = fields[n + 1 : 2 * n + 2]
    status = fields[2 * n + 2] if len(fields) > 2 * n + 2 else b""
    return status, modes[-1], tuple(modes[:-1]), tuple(oids[:-1]), oids[-1]


def iter_raw(fields: Iterator[bytes]) -> Iterator[RawEntry | bytes]:
    """Turn the fields of ``--raw -z`` output into entries; other fields are passed through.

    ``git log`` interleaves its ``--format`` text (commit headers) with the entries, so anything
    that is not a ``:`` record is yielded as-is for the caller to interpret.
    """
    for field in fields:
        if field[:1] == b"\n":
            field = field[1:]
        if field[:1] != b":":
            if field:
                yield field
            continue
        status, new_mode, old_modes, old_oids, new_oid = parse_meta(field)
        path = next(fields)
        old_path = None
        if status[:1] in (b"R", b"C") and len(old_oids) == 1:
            old_path, path = path, next(fields)
        yield RawEntry(status, new_mode, new_oid, old_modes, old_oids, path, old_path)


# --- object access -------------------------------------------------------------------------


_CAT_FILE = ["cat-file", "--batch"]


if TYPE_CHECKING:

    class GitObject(NamedTuple):
        oid: bytes
        type: bytes
        data: bytes

else:  # the same class typing.NamedTuple makes, without importing typing
    from collections import namedtuple

    GitObject = namedtuple("GitObject", "oid type data")


def read_objects(
    names: Sequence[bytes], *, cwd: str | os.PathLike[str] | None = None
) -> dict[bytes, GitObject | None]:
    """Read a handful of objects in one ``git cat-file --batch``; absent ones map to None.

    ``names`` may be object ids or ``rev:path`` expressions; results are keyed by the name asked.
    For the small sets of a commit hook this beats a streaming reader: one process, one read.
    """
    if not names:
        return {}
    out = run(_CAT_FILE, cwd=cwd, stdin=b"\n".join(names) + b"\n")
    result: dict[bytes, GitObject | None] = {}
    pos = 0
    for name in names:
        eol = out.index(b"\n", pos)
        header = out[pos:eol].split(b" ")
        pos = eol + 1
        if len(header) != 3 or header[1] in (b"missing", b"ambiguous"):
            result[name] = None
            continue
        size = int(header[2])
        result[name] = GitObject(header[0], header[1], out[pos : pos + size])
        pos += size + 1
    return result


class ObjectReader:
    """One ``git cat-file --batch`` that answers name after name for as long as it is open.

    Made for the handful of objects of a commit hook: started beside ``git diff``, its git gets
    through its start-up (most of the cost of a small read, ~1 ms here) while the diff runs;
    then it reads the staged blobs and, when something was found, the blobs they replace, all
    in one process. Each name is written and its object read back before the next name (git
    flushes after every object), so neither side ever waits on a full pipe. Use it as a
    context manager: the process is stopped on the way out.
    """

    def __init__(self, *, cwd: str | os.PathLike[str] | None = None) -> None:
        self._cwd = cwd
        proc: subprocess.Popen[bytes] | None
        try:
            proc = subprocess.Popen(
                argv(_CAT_FILE),
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment(),
            )
        except OSError:  # no git or no such directory: read() runs git again and says which
            proc = None
        self._proc = proc

    def read(self, names: Sequence[bytes]) -> dict[bytes, GitObject | None]:
        """As :func:`read_objects`: each name's object, None for one that is absent."""
        proc = self._proc
        if proc is None:
            return read_objects(names, cwd=self._cwd)
        assert proc.stdin is not None and proc.stdout is not None
        result: dict[bytes, GitObject | None] = {}
        for name in names:
            try:
                proc.stdin.write(name + b"\n")
                proc.stdin.flush()
            except BrokenPipeError:
                raise self._failure() from None
            header = proc.stdout.readline().rstrip(b"\n")
            if header in (name + b" missing", name + b" ambiguous"):
                result[name] = None
                continue
            parts = header.split(b" ")
            if len(parts) != 3 or not parts[2].isdigit():
                raise self._failure()
            size = int(parts[2])
            data = proc.stdout.read(size)
            if len(data) != size or proc.stdout.read(1) != b"\n":
                raise self._failure()
            result[name] = GitObject(parts[0], parts[1], data)
        return result

    def _failure(self) -> GitError:
        """What git said when it stopped answering (a corrupt object, not a repository)."""
        proc = self._proc
        assert proc is not None
        self._proc = None
        proc.kill()
        _, err = proc.communicate()
        return GitError(describe_failure(_CAT_FILE, err))

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()  # it only ever waits for the next name: nothing is lost
            proc.communicate()  # reaps it and closes its pipes


if TYPE_CHECKING:

    class ObjectView(NamedTuple):
        """An object whose content is a view into the reader's buffer, valid until the next."""

        oid: bytes
        type: bytes
        data: memoryview

else:
    ObjectView = namedtuple("ObjectView", "oid type data")


class _CatFile:
    """``git cat-file --batch`` with its output read into one reused buffer.

    The output comes over a Unix socket pair where there is one. On twilio-python's 4 GB of
    objects, reading everything through a pipe took 8.1 s and cost git 2.3 s of system time
    (writer and reader contend for the pipe's lock on each of git's 16 KiB writes); through a
    socket, 7.3 s and 1.6 s. A fresh ``bytes`` per object would also cost a page fault per
    4 KiB of every large object, which the reused buffer does not.
    """

    def __init__(
        self,
        cwd: str | os.PathLike[str] | None,
        stdin: IO[bytes] | int,
        config: Sequence[str] = (),
    ) -> None:
        import tempfile  # not on the commit hook's path

        self._err = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
        self._sock, theirs = _socket_pair()
        try:
            self.proc = popen(
                [arg for item in config for arg in ("-c", item)] + _CAT_FILE,
                cwd=cwd,
                stdin=stdin,
                stdout=subprocess.PIPE if theirs is None else theirs.fileno(),
                stderr=self._err,
            )
        except BaseException:
            self._err.close()
            if self._sock is not None:
                self._sock.close()
            raise
        finally:
            if theirs is not None:
                theirs.close()  # git has its own copy; ours would hide the end of its output
        if self._sock is not None:
            self._recv: Callable[[memoryview], int | None] = self._sock.recv_into
        else:
            assert self.proc.stdout is not None
            # One read of whatever is there: readinto() would wait for a full buffer while
            # git waits for the next id.
            self._recv = self.proc.stdout.readinto1  # type: ignore[attr-defined]
        self._buf = bytearray(_READ_BUFFER)
        self._view = memoryview(self._buf)
        self._start = self._end = 0
        self._large = memoryview(b"")

    def next_object(self) -> ObjectView | None:
        """The next object (its content valid until the next call), None at the end."""
        buf, view, recv = self._buf, self._view, self._recv
        start, end = self._start, self._end
        while True:
            eol = buf.find(b"\n", start, end)
            if eol >= 0:
                break
            # no whole header in the buffer: read more
            if end - start > _MAX_HEADER:
                raise CorruptObjectError(self.failure(bytes(buf[start : start + 40])))
            if start:  # what is left is part of a header: cheap to move to the front
                buf[: end - start] = buf[start:end]
                start, end = 0, end - start
            n = recv(view[end:])
            if not n:
                if end > start:
                    raise CorruptObjectError(self.failure(bytes(buf[start : start + 40])))
                self._start = self._end = 0
                return None  # git is done
            end += n
        parts = bytes(view[start:eol]).split()
        if len(parts) != 3 or not parts[2].isdigit():
            raise CorruptObjectError(self.failure(parts[0] if parts else b"?"))
        oid, typ, size = parts[0], parts[1], int(parts[2])
        body = eol + 1
        stop = body + size  # where git's newline after the content must be
        if stop >= len(buf):
            if size >= len(buf):  # larger than the buffer: read into its own
                self._start = self._end = 0
                return ObjectView(oid, typ, self._read_large(oid, view[body:end], size))
            buf[: end - body] = buf[body:end]
            body, stop, end = 0, size, end - body
        while end <= stop:
            n = recv(view[end:])
            if not n:
                raise CorruptObjectError(self.failure(oid))
            end += n
        if buf[stop] != 0x0A:
            raise CorruptObjectError(self.failure(oid))
        self._start, self._end = stop + 1, end
        return ObjectView(oid, typ, view[body:stop])

    def _read_large(self, oid: bytes, have: memoryview, size: int) -> memoryview:
        """An object larger than the buffer, into a second buffer kept for the next one (up to
        :data:`_KEEP_LARGE`): a fresh one costs a page fault per 4 KiB of it."""
        if len(self._large) > size:
            data = self._large
        else:
            data = memoryview(bytearray(size + 1))
            if size < _KEEP_LARGE:
                self._large = data
        got = len(have)
        data[:got] = have
        while got <= size:
            n = self._recv(data[got : size + 1])  # not a byte of the next object
            if not n:
                raise CorruptObjectError(self.failure(oid))
            got += n
        if data[size] != 0x0A:
            raise CorruptObjectError(self.failure(oid))
        return data[:size]

    def failure(self, oid: bytes) -> str:
        """Stop git and say which object it could not give, in git's own words if it left any."""
        self.proc.kill()
        self.proc.wait()
        self._err.seek(0)
        err = self._err.read().decode("utf-8", "replace").strip().splitlines()
        detail = f": {err[-1]}" if err else ""
        return f"object {oid.decode('ascii', 'replace')} is missing or corrupt{detail}"

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):  # git is gone already: nothing more to tell it
                self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._sock is not None:
            self._sock.close()
        self._err.close()


class BatchReader:
    """Stream many objects out of one ``git cat-file --batch`` without holding them all.

    The object ids go to git through a temporary file rather than a pipe, so no writer thread is
    needed and git never blocks on its input while we block on its output. :meth:`views` hands
    out the objects without copying them; iterating hands out copies.
    """

    def __init__(
        self,
        oids: Iterable[bytes],
        *,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        import tempfile  # not on the commit hook's path

        # Lives as long as the reader and is closed by close().
        self._ids = tempfile.TemporaryFile()  # noqa: SIM115
        self._wanted: list[bytes] = []
        for oid in oids:
            self._ids.write(oid + b"\n")
            self._wanted.append(oid)
        self._ids.seek(0)
        try:
            self._cat = _CatFile(cwd, self._ids)
        except BaseException:
            self._ids.close()
            raise

    def __iter__(self) -> Iterator[GitObject]:
        for obj in self.views():
            yield GitObject(obj.oid, obj.type, obj.data.tobytes())

    def views(self) -> Iterator[ObjectView]:
        """Each object in turn; its content is overwritten once the next one is asked for.

        Git may stop early (an object it cannot read, or a partial clone's missing object it
        is not allowed to fetch): that is an error naming the first object not read, never a
        shorter stream that looks complete.
        """
        done = 0
        while (obj := self._cat.next_object()) is not None:
            done += 1
            yield obj
        if done < len(self._wanted):
            raise CorruptObjectError(self._cat.failure(self._wanted[done]))
        self.close()

    def close(self) -> None:
        self._cat.close()
        self._ids.close()

    def __enter__(self) -> BatchReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ObjectStream:
    """One ``git cat-file --batch`` that reads batch after batch of objects for as long as it is
    open: a history worker's whole life, so that git opens the pack once and keeps its cache of
    delta bases warm from one batch to the next (a process per batch of ~30 MB cost twice the
    system time of one process for everything).

    Ids are written at most :data:`_AHEAD` ahead of the object being read, so the ids git has
    not read yet always fit in the pipe: neither side can block the other for good.
    """

    def __init__(self, *, cwd: str | os.PathLike[str] | None = None) -> None:
        self._cat = _CatFile(cwd, subprocess.PIPE, [f"core.deltaBaseCacheLimit={_DELTA_CACHE}"])

    def views(self, oids: Sequence[bytes]) -> Iterator[ObjectView]:
        """The objects named, in order; each one's content is overwritten by the next."""
        stdin = self._cat.proc.stdin
        assert stdin is not None
        written = 0
        for i, oid in enumerate(oids):
            if written < len(oids) and written - i < _AHEAD // 2:
                upto = min(len(oids), i + _AHEAD)
                try:
                    stdin.write(b"\n".join(oids[written:upto]) + b"\n")
                    stdin.flush()
                except BrokenPipeError:
                    raise CorruptObjectError(self._cat.failure(oid)) from None
                written = upto
            obj = self._cat.next_object()
            if obj is None or obj.oid != oid:
                raise CorruptObjectError(self._cat.failure(oid))
            yield obj

    def close(self) -> None:
        self._cat.close()

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: git's cache of inflated delta bases, per stream (git's default: 96m). A stream lives for a
#: worker's whole share of the history, in pack order, so bases are used again and again. The
#: cache fills up: at 192m each worker's git held ~240 MB of its own, and the audit of
#: twilio-python ~660 MB (PSS, whole process tree) against a 400 MB budget; at 64m it stays
#: ~380 MB and costs the audit ~6 % more CPU time (15.2 against 14.3 CPU-s); 32m cost git ~25 %.
_DELTA_CACHE = "64m"
#: Ids written ahead of the object being read: 41 bytes each, well inside a 64 KiB pipe.
_AHEAD = 1024
#: The reader's buffer: objects up to this size are read in place, larger ones on their own.
_READ_BUFFER = 4 << 20
_KEEP_LARGE = 64 << 20
_MAX_HEADER = 4096  # "<name> <type> <size>": a header longer than this is not git's


def _socket_pair() -> tuple[Any, Any]:
    """Our end and git's end of a Unix stream socket pair, or (None, None) without one."""
    import socket

    if os.name != "posix" or not hasattr(socket, "AF_UNIX"):
        return None, None  # Windows hands a child handles, not socket descriptors
    try:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError:
        return None, None
    for end in (ours, theirs):
        try:  # the kernel caps these at net.core.[rw]mem_max; its default works too
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, PIPE_SIZE)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, PIPE_SIZE)
        except OSError:
            pass
    return ours, theirs


# --- clone and fetch: the one place git talks to another repository --------------------------

#: What a clone or fetch of an untrusted repository adds to :data:`NEUTRAL_CONFIG`: every
#: object checked as it arrives (a corrupt or malicious pack is refused, not stored), no
#: submodule followed, no LFS download, no background maintenance left running after the
#: audit's deadline, ssh never waiting for a password. A mirror is bare, so nothing is ever
#: checked out: no checkout hook, no smudge filter, no attribute of the repository is read.
TRANSFER_CONFIG = (
    "transfer.fsckObjects=true",
    "fetch.fsckObjects=true",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "filter.lfs.smudge=",
    "filter.lfs.process=",
    "filter.lfs.required=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "fetch.writeCommitGraph=false",
    "core.sshCommand=ssh -oBatchMode=yes",
)

#: The transport each kind of source needs; everything else stays ``never`` (``ext::`` above
#: all, which runs a program the URL names).
_TRANSPORTS = ("file", "git", "http", "https", "ssh")
#: What of git's error output is kept: a hostile server may send endless ``remote:`` lines.
_MAX_ERR = 64 * 1024

_SCRUBBED_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "SSH_ASKPASS",
)


def transfer_argv(args: Sequence[str], transport: str) -> list[str]:
    """``git ARGS`` for a clone or fetch over ``transport`` alone."""
    if transport not in _TRANSPORTS:
        raise ValueError(f"no such git transport: {transport}")
    config = [*TRANSFER_CONFIG, f"protocol.{transport}.allow=always"]
    return argv([arg for item in config for arg in ("-c", item)] + list(args))


def transfer_environment(
    transport: str, secret_config: Sequence[tuple[str, str]] = ()
) -> dict[str, str]:
    """:func:`environment`, for a transfer: no prompt, only ``transport`` allowed even if the
    user's environment allows more, and ``secret_config`` (a token header) handed to git
    through ``GIT_CONFIG_*`` variables: like ``-c``, never written to a repository's config,
    and unlike ``-c`` not on a command line that every local user can read in ``ps``."""
    env = environment()
    for name in _SCRUBBED_ENV:
        env.pop(name, None)
    env.update(
        GIT_ALLOW_PROTOCOL=transport,  # this variable, when set, overrides protocol.*.allow
        GIT_ASKPASS="",  # set and empty: git neither runs a helper nor falls back to another
        GIT_TERMINAL_PROMPT="0",
        GIT_LFS_SKIP_SMUDGE="1",
    )
    if secret_config:
        # after the user's own GIT_CONFIG_* entries, if there are any: theirs stay as they are
        try:
            first = max(0, int(env.get("GIT_CONFIG_COUNT", "0")))
        except ValueError:
            first = 0
        env["GIT_CONFIG_COUNT"] = str(first + len(secret_config))
        for i, (key, value) in enumerate(secret_config, first):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def run_transfer(
    args: Sequence[str],
    *,
    transport: str,
    timeout: float,
    cwd: str | os.PathLike[str] | None = None,
    secret_config: Sequence[tuple[str, str]] = (),
) -> tuple[int | None, bytes]:
    """Run a clone or fetch for at most ``timeout`` seconds: (status, start of stderr).

    The status is None when time ran out; git and everything it started (``git-remote-http``,
    ``upload-pack``, ssh) are then killed as one process group, so nothing goes on fetching
    behind the audit's back.
    """
    import signal
    import tempfile

    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                transfer_argv(args, transport),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=transfer_environment(transport, secret_config),
                start_new_session=True,
            )
        except FileNotFoundError:
            raise TwscanError("git is not installed or not on PATH") from None
        try:
            rc: int | None = proc.wait(timeout=max(0.001, timeout))
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            if proc.poll() is None or rc is None:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if rc is not None:
            # git is done, but a child it left behind (a stuck helper) goes with it
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        err.seek(0)
        return rc, err.read(_MAX_ERR)
