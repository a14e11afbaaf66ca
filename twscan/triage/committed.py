"""Configuration, baseline and rules files as the range's base commit holds them.

A pull request can add a ``.twscan.toml`` exclude, an allowlist entry, a baseline entry or a
rules file whose vocabulary silences a rule. A gate that read its settings from the checkout
under review would let the change under review decide how it is reviewed, so ``twscan range``
reads them from the range's base instead: the commit the change is merged into or pushed onto,
which the reviewers have already accepted. A file outside the work tree (``--config
/etc/twscan.toml``) is not under review and is read from disk.

Paths inside the work tree are taken as written and looked up in the commit's tree, never
through the work tree's symlinks: those are the commits under review's too.
"""

from __future__ import annotations

import os
from pathlib import Path

from twscan import git
from twscan.core.errors import TwscanError
from twscan.core.safeio import MAX_SETTINGS_BYTES, read_capped
from twscan.detect.rules import RulesSource, RulesText
from twscan.triage import config
from twscan.triage.baseline import Baseline
from twscan.triage.baseline import parse as parse_baseline
from twscan.triage.config import Config

_NAMES = (config.CONFIG_NAME, "pyproject.toml", config.BASELINE_NAME)


class CommitFiles:
    """Read a path of the work tree as ``commit`` holds it (None: the commit has no file
    there), and a path outside the work tree from disk."""

    def __init__(self, repo: str | os.PathLike[str], commit: str | None) -> None:
        top = git.run(["rev-parse", "--show-toplevel"], cwd=repo).strip()
        self.top = Path(os.fsdecode(top))
        self.commit = commit
        self._repo = repo
        self._read: dict[str, bytes | None] = {}

    @property
    def short(self) -> str:
        return self.commit[:12] if self.commit else "(none)"

    def rel(self, path: Path) -> str | None:
        """The path relative to the work tree's top, None when it lies outside."""
        where = Path(os.path.normpath(os.path.abspath(path)))
        try:
            rel = where.relative_to(self.top)
        except ValueError:
            return None
        return rel.as_posix()

    def read(self, path: Path) -> bytes | None:
        rel = self.rel(path)
        if rel is None:
            try:
                return read_capped(path, "settings file")
            except FileNotFoundError:
                return None
        if rel in ("", ".") or self.commit is None or "\n" in rel:
            return None
        if rel not in self._read:
            self.prefetch([path])
        return self._read[rel]

    def is_file(self, path: Path) -> bool:
        return self.read(path) is not None

    def prefetch(self, paths: list[Path]) -> None:
        """Read these paths of the work tree from the commit in one ``cat-file``."""
        rels = [r for r in (self.rel(p) for p in paths) if r and r != "." and "\n" not in r]
        todo = [r for r in dict.fromkeys(rels) if r not in self._read]
        if self.commit is None or not todo:
            return
        names = {r: f"{self.commit}:{r}".encode("utf-8", "surrogateescape") for r in todo}
        objects = git.read_objects(list(names.values()), cwd=self._repo)
        for rel, name in names.items():
            obj = objects.get(name)
            if obj is not None and len(obj.data) > MAX_SETTINGS_BYTES:
                raise TwscanError(f"{rel} at {self.short} is larger than a settings file may be")
            self._read[rel] = obj.data if obj is not None and obj.type == b"blob" else None


def load_config(files: CommitFiles, start: Path, explicit: Path | None) -> Config:
    """``--config`` if given, else the nearest configuration from ``start`` up to the top,
    as the commit holds them; the defaults when there is none."""
    # Every place a configuration or baseline may be, read at once (most are not there).
    dirs = _upward(files, start)
    files.prefetch([d / n for d in dirs for n in _NAMES] + ([explicit] if explicit else []))
    if explicit is not None:
        data = files.read(explicit)
        if data is None:
            raise TwscanError(
                f"config file not found in the range's base {files.short}: {explicit}"
            )
        return _config(files, explicit, data)
    for d in dirs:
        own = d / config.CONFIG_NAME
        data = files.read(own)
        if data is not None:
            return _config(files, own, data)
        pyproject = d / "pyproject.toml"
        data = files.read(pyproject)
        if data is not None and config.names_twscan_table(data):
            return _config(files, pyproject, data)
    return Config()


def _config(files: CommitFiles, path: Path, data: bytes) -> Config:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TwscanError(f"cannot read config file {path}: {e}") from None
    where = path if files.rel(path) is None else Path(os.path.normpath(os.path.abspath(path)))
    return config.config_from_text(text, where, files.is_file)


def _upward(files: CommitFiles, start: Path) -> list[Path]:
    rel = files.rel(start)
    if rel is None:
        return []
    parts = [] if rel in ("", ".") else rel.split("/")
    return [files.top.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def load_baseline(
    files: CommitFiles, cfg: Config, start: Path, explicit: Path | None
) -> tuple[Baseline | None, list[str]]:
    """The baseline as the commit holds it, and a note when the one named is not there."""
    given = explicit or cfg.baseline
    if given is not None:
        data = files.read(given)
        if data is None:
            note = (
                f"the baseline {given} does not exist at the range's base {files.short}: "
                "no finding is accepted"
            )
            return None, [note]
        return _baseline(given, data), []
    for d in _upward(files, start):
        path = d / config.BASELINE_NAME
        data = files.read(path)
        if data is not None:
            return _baseline(path, data), []
    return None, []


def _baseline(path: Path, data: bytes) -> Baseline:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TwscanError(f"cannot read baseline {path}: {e}") from None
    return parse_baseline(text, Path(os.path.normpath(os.path.abspath(path))))


def rules_sources(files: CommitFiles, paths: list[Path]) -> list[RulesSource]:
    """Rules files inside the work tree, as the commit holds them."""
    out: list[RulesSource] = []
    for p in paths:
        if files.rel(p) is None:
            out.append(p)
            continue
        data = files.read(p)
        if data is None:
            raise TwscanError(f"rules file not found in the range's base {files.short}: {p}")
        out.append(RulesText(Path(os.path.normpath(os.path.abspath(p))), data))
    return out


def governing_paths(files: CommitFiles, cfg: Config, start: Path, extra: list[Path]) -> list[str]:
    """Every work-tree path whose content decides how a range is checked: each place a
    configuration or baseline could be found from ``start`` up, and the files named."""
    candidates = [d / n for d in _upward(files, start) for n in _NAMES]
    candidates += list(cfg.rules) + extra
    if cfg.baseline is not None:
        candidates.append(cfg.baseline)
    rels = [files.rel(p) for p in candidates]
    return sorted({r for r in rels if r})
