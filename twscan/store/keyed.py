"""Findings as the datastore keeps them: each secret replaced by its salted key.

Attribution, the incidents across repositories and the merge of shards all work on the key;
how to show the secret (its redacted form) and its one-way hash (the ``secret_hash`` every
report carries, which ``twscan respond`` matches by) travel beside it in ``extra``, under
names a report never prints (``_shown``, ``_hash``). The raw value is kept (``_raw``) only
with ``--store-secrets``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twscan.core.model import Finding, Half, Severity, secret_hash
from twscan.core.redact import redact

Keyer = Callable[[str], str]


def keyed(f: Finding, key: Keyer, *, keep_raw: bool) -> Finding:
    """``f`` with its secret (and its pair's) replaced by salted keys; how to show it and its
    one-way hash (the one every report carries) kept in ``extra``."""
    extra: dict[str, object] = dict(f.extra)
    extra.update(_shown=redact(f.secret), _hash=secret_hash(f.secret))
    if keep_raw:
        extra["_raw"] = f.secret
    pair = None
    if f.pair is not None:
        extra.update(_pair_shown=redact(f.pair.secret), _pair_hash=secret_hash(f.pair.secret))
        pair = f.pair.replace(secret=key(f.pair.secret))
    return f.replace(secret=key(f.secret), pair=pair, extra=extra)


def encode(f: Finding) -> dict[str, Any]:
    """A keyed finding as JSON-able data (the datastore's ``hits``)."""
    d = {name: getattr(f, name) for name in Finding._fields if name not in ("pair", "commit")}
    d["severity"] = str(f.severity)
    d["pair"] = None if f.pair is None else {n: getattr(f.pair, n) for n in Half._fields}
    return d


def decode(d: dict[str, Any]) -> Finding:
    args = {k: v for k, v in d.items() if k != "pair"}
    args["severity"] = Severity(args["severity"])
    pair = d.get("pair")
    return Finding(**args, pair=Half(**pair) if pair else None)
