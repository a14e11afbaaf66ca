"""Rules as data: load, validate and expand the TOML rule files.

Rules live in ``rules/*.toml`` (shipped in the wheel as ``twscan/rules``) so that what twscan
detects can be read, reviewed and extended without touching code; each rule carries examples
that must be found and counter-examples that must not, checked by ``twscan rules --check``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from twscan import __version__
from twscan.core import usercache
from twscan.core.errors import TwscanError
from twscan.core.model import Severity
from twscan.core.record import FrozenRecord, Record, set_field
from twscan.core.safeio import read_capped

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import AnyStr

_RULE_KEYS = {
    "id", "title", "kind", "severity", "description", "pattern", "secret-group",
    "boundary", "placeholder-check", "mixed-case", "keywords", "examples",
    "counter-examples", "context", "check",
}
_PAIR_KEYS = {"id", "title", "severity", "secret-kind", "id-kind", "description"}
_VOCAB_KEYS = {"generic", "deny", "vendor"}
_TOP_KEYS = {"rules", "pairs", "vocabulary"}
_CONTEXT_KEYS = {"key-names", "deny-names", "credential-words", "anchor-kind"}


# The classes below are records, not dataclasses: the commit hook loads the rules on every
# commit (see twscan.core.record for what dataclasses cost it).


class ContextSpec(FrozenRecord):
    """What makes a bare value a credential: a match of such a rule counts only in context.

    ``key_names`` are regexes searched in the normalised key name (lower case, letters and
    digits only) that make the value one outright; a key made only of ``credential_words`` and
    generic words (``password``, ``token``) needs the surroundings to name Twilio or to hold an
    id of ``anchor_kind``.
    """

    __slots__ = ("key_names", "deny_names", "credential_words", "anchor_kind")
    key_names: tuple[re.Pattern[str], ...]
    deny_names: tuple[re.Pattern[str], ...]
    credential_words: frozenset[str]
    anchor_kind: str | None

    def __init__(
        self,
        key_names: tuple[re.Pattern[str], ...],
        deny_names: tuple[re.Pattern[str], ...],
        credential_words: frozenset[str],
        anchor_kind: str | None,
    ) -> None:
        set_field(self, "key_names", key_names)
        set_field(self, "deny_names", deny_names)
        set_field(self, "credential_words", credential_words)
        set_field(self, "anchor_kind", anchor_kind)


class Rule(FrozenRecord):
    __slots__ = (
        "id", "title", "kind", "severity", "description", "pattern", "bpattern", "secret_group",
        "boundary", "placeholder_check", "mixed_case", "keywords", "examples",
        "counter_examples", "context", "check", "source",
    )
    id: str
    title: str
    kind: str
    severity: Severity
    description: str
    pattern: re.Pattern[str]
    bpattern: re.Pattern[bytes] | None  # the pattern on bytes for the gate; None if not ASCII
    secret_group: int | str
    boundary: bool
    placeholder_check: bool
    mixed_case: bool
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    context: ContextSpec | None
    check: str | None  # a named structural check (twscan/detect/checks.py) a match must pass
    source: str

    def __init__(
        self,
        id: str,
        title: str,
        kind: str,
        severity: Severity,
        description: str,
        pattern: re.Pattern[str],
        bpattern: re.Pattern[bytes] | None,
        secret_group: int | str = 0,
        boundary: bool = True,
        placeholder_check: bool = True,
        mixed_case: bool = False,
        keywords: tuple[str, ...] = (),
        examples: tuple[str, ...] = (),
        counter_examples: tuple[str, ...] = (),
        context: ContextSpec | None = None,
        check: str | None = None,
        source: str = "",
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "title", title)
        set_field(self, "kind", kind)
        set_field(self, "severity", severity)
        set_field(self, "description", description)
        set_field(self, "pattern", pattern)
        set_field(self, "bpattern", bpattern)
        set_field(self, "secret_group", secret_group)
        set_field(self, "boundary", boundary)
        set_field(self, "placeholder_check", placeholder_check)
        set_field(self, "mixed_case", mixed_case)
        set_field(self, "keywords", keywords)
        set_field(self, "examples", examples)
        set_field(self, "counter_examples", counter_examples)
        set_field(self, "context", context)
        set_field(self, "check", check)
        set_field(self, "source", source)


class PairRule(FrozenRecord):
    __slots__ = ("id", "title", "severity", "secret_kind", "id_kind", "description")
    id: str
    title: str
    severity: Severity
    secret_kind: str
    id_kind: str
    description: str

    def __init__(
        self,
        id: str,
        title: str,
        severity: Severity,
        secret_kind: str,
        id_kind: str,
        description: str,
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "title", title)
        set_field(self, "severity", severity)
        set_field(self, "secret_kind", secret_kind)
        set_field(self, "id_kind", id_kind)
        set_field(self, "description", description)


class Vocabulary(Record):
    __slots__ = ("generic", "deny", "vendor")

    def __init__(
        self,
        generic: set[str] | None = None,
        deny: set[str] | None = None,
        vendor: set[str] | None = None,
    ) -> None:
        self.generic: set[str] = set() if generic is None else generic
        self.deny: set[str] = set() if deny is None else deny
        self.vendor: set[str] = set() if vendor is None else vendor


class RuleSet(Record):
    __slots__ = ("rules", "pairs", "vocabulary", "files")

    def __init__(
        self,
        rules: list[Rule] | None = None,
        pairs: list[PairRule] | None = None,
        vocabulary: Vocabulary | None = None,
        files: list[str] | None = None,
    ) -> None:
        self.rules: list[Rule] = [] if rules is None else rules
        self.pairs: list[PairRule] = [] if pairs is None else pairs
        self.vocabulary = Vocabulary() if vocabulary is None else vocabulary
        self.files: list[str] = [] if files is None else files

    def extend(self, other: RuleSet) -> None:
        known = {r.id for r in self.rules} | {p.id for p in self.pairs}
        for rid in [r.id for r in other.rules] + [p.id for p in other.pairs]:
            if rid in known:
                raise TwscanError(f"rule id {rid!r} is defined twice ({other.files[0]})")
        self.rules.extend(other.rules)
        self.pairs.extend(other.pairs)
        self.vocabulary.generic |= other.vocabulary.generic
        self.vocabulary.deny |= other.vocabulary.deny
        self.vocabulary.vendor |= other.vocabulary.vendor
        self.files.extend(other.files)


def builtin_rules_dir() -> Path:
    """Inside a wheel the rules sit in the package (``twscan/rules``); in a checkout, beside it.

    This module is ``twscan/detect/rules.py``: the package is its parent's parent."""
    package = Path(__file__).parent.parent
    packaged = package / "rules"
    if packaged.is_dir():
        return packaged
    return package.resolve().parent / "rules"


class RulesText(FrozenRecord):
    """A rules file as a commit holds it: its place in the work tree (for messages) and its
    bytes, read from the commit rather than from the checkout (see
    :mod:`twscan.triage.committed`)."""

    __slots__ = ("path", "data")
    path: Path
    data: bytes

    def __init__(self, path: Path, data: bytes) -> None:
        set_field(self, "path", path)
        set_field(self, "data", data)


RulesSource = Path | RulesText


def load_ruleset(
    extra: list[RulesSource] | tuple[RulesSource, ...] = (), builtin: bool = True
) -> RuleSet:
    rs = RuleSet()
    paths: list[RulesSource] = []
    if builtin:
        d = builtin_rules_dir()
        try:  # not Path.glob: its pattern machinery is a cost every commit would pay
            names = sorted(n for n in os.listdir(d) if n.endswith(".toml"))
        except OSError:
            names = []
        paths.extend(d / n for n in names)
        if not paths:
            raise TwscanError(f"no built-in rules found in {d}")
    paths.extend(extra)
    for p in paths:
        rs.extend(load_file(p) if isinstance(p, Path) else _load_text(p))
    return rs


def _load_text(src: RulesText) -> RuleSet:
    import tomllib

    try:
        data = tomllib.loads(src.data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise TwscanError(f"{src.path}: not a valid rules file: {e}") from None
    except RecursionError:
        raise TwscanError(f"{src.path}: not a valid rules file: nested too deeply") from None
    return parse_ruleset(data, str(src.path))


def _trusted(path: Path | str) -> bool:
    """Only the shipped rules run on ``re`` unbounded: they are reviewed and on the hot path.
    Every other file's patterns are the user's, run with a time limit
    (twscan.detect.userpattern)."""
    here = os.path.dirname(os.path.abspath(path))
    return here == os.path.abspath(builtin_rules_dir())


def load_file(path: Path) -> RuleSet:
    """The rules of one TOML file, validated.

    The commit hook loads the rules on every commit, and reading TOML cost it ~5 ms (the
    parser's import and the parse); so the parsed data is kept in the user cache, keyed by
    the file's absolute path, size and modification time and by the twscan version, and a
    later run reads it back with ``marshal`` (~0.1 ms). Cached or not, the data goes through
    the same validation before any rule is built.
    """
    key = _cache_key(path)
    if key is not None:
        cached = usercache.load_data(_cache_name(key), key)
        if isinstance(cached, dict):
            return parse_ruleset(cached, str(path))
    data = _read_toml(path)
    rs = parse_ruleset(data, str(path))  # validates: only valid data is ever stored
    if key is not None:
        usercache.store_data(_cache_name(key), key, data)
    return rs


def _read_toml(path: Path) -> dict[str, object]:
    import tomllib  # only when the cache cannot answer

    try:
        return tomllib.loads(read_capped(path, "rules file").decode("utf-8"))
    except FileNotFoundError:
        raise TwscanError(f"rules file not found: {path}") from None
    except OSError as e:
        raise TwscanError(f"cannot read rules file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise TwscanError(f"rules file {path} is not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise TwscanError(f"rules file {path} is not valid TOML: {e}") from None
    except RecursionError:
        raise TwscanError(f"rules file {path} is not valid TOML: nested too deeply") from None


def _cache_key(path: Path) -> usercache.Key | None:
    """What the parsed data of a rules file depends on; None when the file cannot be looked
    at (reading it then reports why). Stat before reading: a change in between makes the
    stored key stale rather than the stored data."""
    try:
        where = os.path.abspath(path)
        st = os.stat(where)
    except (OSError, ValueError):
        return None
    return ("twscan-rules", 1, __version__, where, st.st_size, st.st_mtime_ns)


def _cache_name(key: usercache.Key) -> str:
    """One cache file per rules file, named by a checksum of its path (the key inside
    decides; two paths with the same checksum only take turns)."""
    import binascii  # already loaded (by base64) on the hook's path

    where = str(key[3]).encode("utf-8", "surrogateescape")
    return f"rules-{binascii.crc32(where):08x}.marshal"


def parse_ruleset(
    data: dict[str, object], source: str, trusted: bool | None = None
) -> RuleSet:
    """``trusted``: whether the patterns may run on ``re`` without a time limit; by default
    only those of the shipped rules files."""
    if trusted is None:
        trusted = _trusted(source)
    _check_keys(data, _TOP_KEYS, source)
    rs = RuleSet(files=[source])
    vocab = data.get("vocabulary", {})
    if not isinstance(vocab, dict):
        raise TwscanError(f"{source}: [vocabulary] must be a table")
    _check_keys(vocab, _VOCAB_KEYS, f"{source} [vocabulary]")
    rs.vocabulary = Vocabulary(
        generic={w.lower() for w in _str_list(vocab, "generic", source)},
        deny={w.lower() for w in _str_list(vocab, "deny", source)},
        vendor={w.lower() for w in _str_list(vocab, "vendor", source)},
    )
    for i, raw in enumerate(_table_list(data, "rules", source)):
        rs.rules.append(_parse_rule(raw, f"{source} rules[{i}]", source, trusted))
    for i, raw in enumerate(_table_list(data, "pairs", source)):
        where = f"{source} pairs[{i}]"
        _check_keys(raw, _PAIR_KEYS, where)
        rs.pairs.append(
            PairRule(
                id=_req_str(raw, "id", where),
                title=_req_str(raw, "title", where),
                severity=_severity(raw, where),
                secret_kind=_req_str(raw, "secret-kind", where),
                id_kind=_req_str(raw, "id-kind", where),
                description=str(raw.get("description", "")),
            )
        )
    ids = [r.id for r in rs.rules] + [p.id for p in rs.pairs]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise TwscanError(f"{source}: duplicate rule id(s): {', '.join(sorted(dup))}")
    return rs


def _parse_rule(raw: dict[str, object], where: str, source: str, trusted: bool) -> Rule:
    _check_keys(raw, _RULE_KEYS, where)
    rid = _req_str(raw, "id", where)
    where = f"{source} rule {rid!r}"
    pattern_text = _req_str(raw, "pattern", where)
    try:
        pattern = _compile(pattern_text, where, trusted)
    except re.error as e:
        raise TwscanError(f"{where}: invalid pattern: {e}") from None
    try:
        bpattern: re.Pattern[bytes] | None = _compile(
            pattern_text.encode("ascii"), where, trusted
        )
    except (UnicodeEncodeError, re.error):
        bpattern = None
    group = raw.get("secret-group", 0)
    if not isinstance(group, int | str):
        raise TwscanError(f"{where}: secret-group must be a group number or name")
    # A shipped rule's patterns compile on first use (LazyPattern), so its group is checked by
    # the tests (tests/detect/test_rules.py), not on every commit.
    if not trusted and isinstance(group, str) and group not in pattern.groupindex:
        raise TwscanError(f"{where}: secret-group {group!r} is not a group of the pattern")
    if not trusted and isinstance(group, int) and group > pattern.groups:
        raise TwscanError(f"{where}: secret-group {group} exceeds the pattern's groups")
    return Rule(
        id=rid,
        title=_req_str(raw, "title", where),
        kind=_req_str(raw, "kind", where),
        severity=_severity(raw, where),
        description=str(raw.get("description", "")),
        pattern=pattern,
        bpattern=bpattern,
        secret_group=group,
        boundary=_bool(raw, "boundary", True, where),
        placeholder_check=_bool(raw, "placeholder-check", True, where),
        mixed_case=_bool(raw, "mixed-case", False, where),
        keywords=tuple(k.lower() for k in _str_list(raw, "keywords", where)),
        examples=tuple(_str_list(raw, "examples", where)),
        counter_examples=tuple(_str_list(raw, "counter-examples", where)),
        context=_parse_context(raw.get("context"), where, trusted),
        check=_check_name(raw.get("check"), where),
        source=source,
    )


def _compile(text: AnyStr, where: str, trusted: bool) -> re.Pattern[AnyStr]:
    """``re`` for the shipped rules, compiled when first used; a time-limited stand-in for a
    user's (``where`` names it in the error if it runs out of time). Imported only for a
    user's: not on a commit's path without one."""
    if trusted:
        lazy: re.Pattern[AnyStr] = LazyPattern(text)  # type: ignore[assignment]
        return lazy
    from twscan.detect.userpattern import bounded

    return bounded(text, where)


class LazyPattern:
    """A shipped rule's pattern, compiled by ``re`` the first time it is used.

    The shipped rules hold ~45 patterns (each rule's on text and on bytes, its context's key
    names); a commit whose change holds nothing Twilio-like needs only the gate's few, and
    compiling all of them was ~2.5 ms of the hook. ``pattern`` is there at once (the Hyperscan
    gate compiles the source itself); any other attribute compiles it and is then kept on the
    instance, so later uses cost a plain attribute lookup.
    """

    def __init__(self, pattern: str | bytes) -> None:
        self.pattern = pattern

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # copy and pickle probe these: not the pattern's business
            raise AttributeError(name)
        compiled = self.__dict__.get("_re")
        if compiled is None:
            compiled = self.__dict__["_re"] = re.compile(self.pattern)
        value = getattr(compiled, name)
        self.__dict__[name] = value
        return value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPattern | re.Pattern):
            return bool(other.pattern == self.pattern)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __reduce__(self) -> tuple[object, ...]:
        return (LazyPattern, (self.pattern,))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


def _check_name(raw: object, where: str) -> str | None:
    if raw is None:
        return None
    from twscan.detect.checks import CHECKS

    if not isinstance(raw, str) or raw not in CHECKS:
        known = ", ".join(sorted(CHECKS))
        raise TwscanError(f"{where}: check {raw!r} is not one of: {known}")
    return raw


def _parse_context(raw: object, where: str, trusted: bool) -> ContextSpec | None:
    if raw is None:
        return None
    where = f"{where} [context]"
    if not isinstance(raw, dict):
        raise TwscanError(f"{where}: must be a table")
    _check_keys(raw, _CONTEXT_KEYS, where)
    names = _patterns(raw, "key-names", where, trusted)
    deny = _patterns(raw, "deny-names", where, trusted)
    anchor = raw.get("anchor-kind")
    if anchor is not None and not isinstance(anchor, str):
        raise TwscanError(f"{where}: anchor-kind must be a string")
    return ContextSpec(
        key_names=names,
        deny_names=deny,
        credential_words=frozenset(w.lower() for w in _str_list(raw, "credential-words", where)),
        anchor_kind=anchor,
    )


def _patterns(
    raw: dict[str, object], key: str, where: str, trusted: bool
) -> tuple[re.Pattern[str], ...]:
    out = []
    for i, n in enumerate(_str_list(raw, key, where)):
        try:
            out.append(_compile(n, f"{where} {key}[{i}]", trusted))
        except re.error as e:
            raise TwscanError(f"{where}: invalid {key} pattern {n!r}: {e}") from None
    return tuple(out)


def _check_keys(raw: dict[str, object], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise TwscanError(f"{where}: unknown key(s): {', '.join(unknown)}")


def _table_list(data: dict[str, object], key: str, where: str) -> list[dict[str, object]]:
    v = data.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise TwscanError(f"{where}: [[{key}]] must be an array of tables")
    return v


def _req_str(raw: dict[str, object], key: str, where: str) -> str:
    v = raw.get(key)
    if not isinstance(v, str) or not v:
        raise TwscanError(f"{where}: missing or empty {key!r}")
    return v


def _str_list(raw: dict[str, object], key: str, where: str) -> list[str]:
    v = raw.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise TwscanError(f"{where}: {key!r} must be a list of strings")
    return v


def _bool(raw: dict[str, object], key: str, default: bool, where: str) -> bool:
    v = raw.get(key, default)
    if not isinstance(v, bool):
        raise TwscanError(f"{where}: {key!r} must be true or false")
    return v


def _severity(raw: dict[str, object], where: str) -> Severity:
    v = _req_str(raw, "severity", where)
    try:
        return Severity(v)
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise TwscanError(f"{where}: severity {v!r} is not one of {allowed}") from None


# --- examples -----------------------------------------------------------------------------
# Only ``twscan rules --check`` and the tests expand examples: ``secrets`` is imported here, in
# the functions, so that loading the rules (every commit) does not pay for it.

_PLACEHOLDER = r"\{(AC|SK|hex32|alnum32|sendgrid|twilio_jwt|other_jwt)\}"
# string.ascii_letters + string.digits, without importing string
_LETTERS_DIGITS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _hex32() -> str:
    import secrets

    return secrets.token_hex(16)


def _alnum32() -> str:
    import secrets

    alphabet = _LETTERS_DIGITS
    while True:
        v = "".join(secrets.choice(alphabet) for _ in range(32))
        kinds = (str.isupper, str.islower, str.isdigit)
        if all(any(k(c) for c in v) for k in kinds):
            return v


def _sendgrid() -> str:
    import secrets

    alphabet = _LETTERS_DIGITS + "_-"

    def part(n: int) -> str:
        return "".join(secrets.choice(alphabet) for _ in range(n))

    return f"SG.{part(22)}.{part(43)}"


def make_jwt(header: dict[str, object], payload: dict[str, object]) -> str:
    """An unsigned-looking JWT for examples and tests (the signature is random bytes)."""
    import base64
    import json
    import secrets

    def enc(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    sig = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return f"{enc(header)}.{enc(payload)}.{sig}"


def _twilio_jwt() -> str:
    import time

    key, sid = "SK" + _hex32(), "AC" + _hex32()
    now = int(time.time())
    payload = {"jti": f"{key}-{now}", "iss": key, "sub": sid, "exp": now + 3600,
               "grants": {"identity": "alice", "voice": {"incoming": {"allow": True}}}}
    return make_jwt({"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"}, payload)


def _other_jwt() -> str:
    return make_jwt({"alg": "HS256", "typ": "JWT"}, {"sub": "1234567890", "name": "x"})


_GENERATORS: dict[str, Callable[[], str]] = {
    "twilio_jwt": _twilio_jwt,
    "other_jwt": _other_jwt,
    "AC": lambda: "AC" + _hex32(),
    "SK": lambda: "SK" + _hex32(),
    "hex32": _hex32,
    "alnum32": _alnum32,
    "sendgrid": _sendgrid,
}


def expand_example(template: str) -> tuple[str, dict[str, str]]:
    """Fill an example's placeholders with fresh random values; same name, same value."""
    values: dict[str, str] = {}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            values[name] = _GENERATORS[name]()
        return values[name]

    return re.sub(_PLACEHOLDER, sub, template), values
