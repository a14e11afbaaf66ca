"""Where text comes from: files on disk, the git index, commit ranges, whole history.

Sources know where bytes live; they do not know what a credential looks like. The git sources
hand blobs to a :class:`BlobScanner` (the detector) and decide which of its findings are *new*,
which is a question about history, not about text: a secret is introduced by a change when the
new blob holds it and the blob it replaces does not. Deciding by the secret rather than by the
diff line is what lets a touched line that keeps an old token pass, and a token swapped for
another token fail, with no diff parsing at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from twscan.core.model import Finding

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:
    from typing import Protocol
else:  # a plain base at run time: nothing checks a scanner's type then
    Protocol = object


class BlobScanner(Protocol):
    """What a git source needs from the detector (``twscan.detect.engine.Detector`` satisfies it).

    ``scan_bytes`` gates itself cheaply (and knows that UTF-16 must bypass a byte-level gate),
    so sources call it on every blob rather than second-guessing it with ``prefilter``.
    """

    def scan_bytes(self, data: bytes | memoryview, path: str) -> list[Finding]: ...


def secret_values(findings: Iterable[Finding]) -> set[str]:
    """Every credential value these findings hold, both halves of a pair included.

    Values rather than (rule, value) pairs: the same token may be classified by a different
    rule once the line around it changes, and it is no less old for that.
    """
    values: set[str] = set()
    for f in findings:
        values.add(f.secret)
        if f.pair is not None:
            values.add(f.pair.secret)
    return values


def introduced(findings: Iterable[Finding], old_values: set[str]) -> list[Finding]:
    """The findings that bring in a value the replaced blob(s) did not hold.

    A pair counts as new when either half is new: an old SID next to a new token is a new
    credential, and so is an old token moved next to a different account's SID.
    """
    return [
        f
        for f in findings
        if f.secret not in old_values or (f.pair is not None and f.pair.secret not in old_values)
    ]
