"""Project configuration: ``.twscan.toml`` or ``[tool.twscan]`` in ``pyproject.toml``.

The file is looked for from the scan root upward and the search stops at the repository root
(the directory holding ``.git``), so a checkout never picks up settings from whatever happens
to sit above it. Every key is checked: a misspelt key is an error naming it, because a
silently ignored ``exclude`` or ``fail-on`` makes a gate that does not do what its owners
believe. Paths inside the file (rules files, the baseline) are relative to the file, so the
configuration means the same from any working directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from twscan.core.errors import TwscanError
from twscan.core.model import Severity
from twscan.core.record import FrozenRecord, set_field
from twscan.core.safeio import read_capped
from twscan.triage.pathglob import PathGlobs

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import Any

CONFIG_NAME = ".twscan.toml"
BASELINE_NAME = ".twscan-baseline.json"
MAX_DECODE_DEPTH = 16
#: Files larger than this are skipped, and listed as skipped, unless --max-file-size says more.
DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024

KEYS = {
    "exclude": "path globs never scanned or reported (gitignore style)",
    "allowlist": "regular expressions; a value one of them matches in full is never reported",
    "rules": "extra rules files, relative to the configuration file",
    "fail-on": "the least severity that fails the run: critical, high, medium or low",
    "max-file-size": "skip (and report) files larger than this: bytes, or 10K, 5M, 1G",
    "max-decode-depth": f"how many encoding layers to look through (0 to {MAX_DECODE_DEPTH})",
    "baseline": "the baseline file, relative to the configuration file",
}


class Config(FrozenRecord):
    """The settings of one configuration file (every default without one).

    A record, not a dataclass: the commit hook builds one on every commit (see
    :mod:`twscan.core.record`).
    """

    __slots__ = (
        "path", "exclude", "allowlist", "rules", "fail_on", "max_file_size", "max_decode_depth",
        "baseline",
    )
    path: Path | None  # None: no configuration file, every default
    exclude: PathGlobs
    allowlist: tuple[re.Pattern[str], ...]
    rules: tuple[Path, ...]
    fail_on: Severity | None
    max_file_size: int | None
    max_decode_depth: int | None
    baseline: Path | None

    def __init__(
        self,
        path: Path | None = None,
        exclude: PathGlobs | None = None,
        allowlist: tuple[re.Pattern[str], ...] = (),
        rules: tuple[Path, ...] = (),
        fail_on: Severity | None = None,
        max_file_size: int | None = None,
        max_decode_depth: int | None = None,
        baseline: Path | None = None,
    ) -> None:
        set_field(self, "path", path)
        set_field(self, "exclude", PathGlobs.compile(()) if exclude is None else exclude)
        set_field(self, "allowlist", allowlist)
        set_field(self, "rules", rules)
        set_field(self, "fail_on", fail_on)
        set_field(self, "max_file_size", max_file_size)
        set_field(self, "max_decode_depth", max_decode_depth)
        set_field(self, "baseline", baseline)

    @property
    def base(self) -> Path | None:
        """The directory the configuration's relative paths and globs are anchored at."""
        return self.path.parent if self.path is not None else None

    def allowed(self, value: str) -> bool:
        return any(p.fullmatch(value) for p in self.allowlist)


def upward(start: Path) -> Iterator[Path]:
    """``start`` and its parents, up to and including the repository root holding it."""
    d = Path(os.path.realpath(start))
    while True:
        yield d
        if (d / ".git").exists() or d.parent == d:
            return
        d = d.parent


def find_config(start: Path) -> Path | None:
    """The nearest ``.twscan.toml``, or ``pyproject.toml`` with a ``[tool.twscan]`` table.

    In one directory ``.twscan.toml`` wins: it exists only to configure twscan. A pyproject
    without the table is passed over, as every Python tool does.
    """
    for d in upward(start):
        own = d / CONFIG_NAME
        if own.is_file():
            return own
        pyproject = d / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def find_file(start: Path, name: str) -> Path | None:
    return next((d / name for d in upward(start) if (d / name).is_file()), None)


# Where a pyproject can name a twscan table: ``[tool.twscan]``, ``[tool.twscan.x]``,
# ``[ tool . "twscan" ]``, ``twscan = {…}`` or ``twscan.key = …`` under ``[tool]``. A project
# that only depends on twscan (``"twscan>=0.1"``, ``"twscan==0.1"``) writes none of these.
_TWSCAN_KEY = rb"""twscan["']?[ \t]*(?:[.\]]|=(?!=))"""


def _has_tool_table(path: Path) -> bool:
    try:
        raw = read_capped(path, "config file")
    except OSError:
        return False
    return names_twscan_table(raw)


def names_twscan_table(raw: bytes) -> bool:
    """Whether a pyproject's bytes configure twscan."""
    # Most pyprojects do not configure twscan: a look at the bytes spares them the TOML parser
    # (~5 ms of the commit hook's time, import included). Every way TOML has to spell the table
    # writes the word (a quoted key with escapes aside).
    if b"twscan" not in raw or not re.search(_TWSCAN_KEY, raw):
        return False
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        # Not ours to judge unless it says it is: a broken pyproject of a project that does not
        # configure twscan must not stop a scan. A named --config still reports the error.
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "twscan" in tool


def load_config(path: Path) -> Config:
    """Read and validate one configuration file; every problem is an error naming it."""
    try:
        text = read_capped(path, "config file").decode("utf-8")
    except FileNotFoundError:
        raise TwscanError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise TwscanError(f"cannot read config file {path}: {e}") from None
    return config_from_text(text, path)


def config_from_text(
    text: str, path: Path, is_file: Callable[[Path], bool] | None = None
) -> Config:
    """Validate the text of the configuration file at ``path``: read there, or from a commit,
    which ``is_file`` then answers for the rules files it names (their paths are then taken
    as written, never through the work tree's symlinks, which the commits under review may
    have planted)."""
    import tomllib  # only when there is a file: most runs have none

    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TwscanError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise TwscanError(f"{path}: not valid TOML: nested too deeply") from None
    where = str(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        table = tool.get("twscan") if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            raise TwscanError(f"{path}: no [tool.twscan] table")
        data, where = table, f"{path} [tool.twscan]"
    if is_file is not None:
        return parse_config(data, Path(os.path.abspath(path)), where, is_file)
    return parse_config(data, path.resolve(), where)


def parse_config(
    data: dict[str, object],
    path: Path,
    where: str,
    is_file: Callable[[Path], bool] | None = None,
) -> Config:
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise TwscanError(
            f"{where}: unknown key {', '.join(repr(k) for k in unknown)} "
            f"(known keys: {', '.join(KEYS)})"
        )
    base = path.parent
    exclude = _str_list(data, "exclude", where)
    allowlist = tuple(
        _regex(p, f"{where} allowlist[{i}]")
        for i, p in enumerate(_str_list(data, "allowlist", where))
    )
    rules: list[Path] = []
    for r in _str_list(data, "rules", where):
        rp = (base / r).resolve() if is_file is None else Path(os.path.normpath(base / r))
        if not (rp.is_file() if is_file is None else is_file(rp)):
            raise TwscanError(f"{where}: rules file not found: {r} (looked for {rp})")
        rules.append(rp)
    baseline = data.get("baseline")
    if baseline is not None and not (isinstance(baseline, str) and baseline.strip()):
        raise TwscanError(f"{where}: 'baseline' must be a path (a string)")
    return Config(
        path=path,
        exclude=PathGlobs.compile(exclude, f"{where} exclude"),
        allowlist=allowlist,
        rules=tuple(rules),
        fail_on=_severity(data.get("fail-on"), where),
        max_file_size=_file_size(data.get("max-file-size"), where),
        max_decode_depth=_decode_depth(data.get("max-decode-depth"), where),
        baseline=(base / baseline) if isinstance(baseline, str) else None,
    )


def _str_list(data: dict[str, object], key: str, where: str) -> list[str]:
    v = data.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise TwscanError(f"{where}: {key!r} must be a list of strings")
    return list(v)


def _regex(pattern: str, where: str) -> re.Pattern[str]:
    """A user's pattern, run on every finding's value: time-limited (twscan.detect.userpattern), so
    ``(a+)+$`` stops the run with an error naming ``allowlist[i]`` instead of hanging it."""
    from twscan.detect.userpattern import bounded  # only with an allowlist

    try:
        return bounded(pattern, where)
    except re.error as e:
        # The pattern may be a literal secret: name the position, never echo the value.
        raise TwscanError(f"{where}: invalid pattern (at position {e.pos}): {e.msg}") from None


def _severity(v: object, where: str) -> Severity | None:
    if v is None:
        return None
    if isinstance(v, str) and v.lower() in {s.value for s in Severity}:
        return Severity(v.lower())
    choices = ", ".join(s.value for s in Severity)
    raise TwscanError(f"{where}: 'fail-on' must be one of {choices}, not {v!r}")


def parse_size(v: str) -> int:
    """``123``, ``10K``, ``5M``, ``1G`` (powers of 1024); ValueError for anything else."""
    mult = {"k": 1024, "m": 1024**2, "g": 1024**3}
    s = v.strip().lower()
    n = float(s[:-1]) * mult[s[-1]] if s and s[-1] in mult else int(s)
    if n < 0:
        raise ValueError(v)
    return int(n)


def _file_size(v: object, where: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    if isinstance(v, str):
        try:
            return parse_size(v)
        except ValueError:
            pass
    raise TwscanError(f"{where}: 'max-file-size' must be a size like 1048576 or '5M', not {v!r}")


def _decode_depth(v: object, where: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_DECODE_DEPTH:
        return v
    raise TwscanError(
        f"{where}: 'max-decode-depth' must be a whole number from 0 to {MAX_DECODE_DEPTH}, "
        f"not {v!r}"
    )


def discover(start: Path, explicit: Path | None = None) -> Config:
    """``--config`` if given, else the nearest file from ``start`` upward, else the defaults."""
    if explicit is not None:
        return load_config(explicit)
    found = find_config(start)
    return load_config(found) if found is not None else Config()
