"""Inline ignores: ``twscan:ignore`` in a comment on a finding's line, or
``twscan:ignore-next-line`` on the line above, marks that one place as seen and accepted.

Part of triage (what is reported, what fails), not of detection: an ignored finding is still
found, kept apart and counted in the reports. The engine applies it while it still has the
text's lines at hand, and only to a text that holds :data:`MARKER` at all (one search per
text, not one per finding), so this module imports nothing and costs the hook nothing more.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~3 ms of the hook)
if TYPE_CHECKING:  # only for the annotation: the judge already split the text into lines
    from twscan.detect.context import Judge

MARKER = "twscan:ignore"
NEXT_LINE = "twscan:ignore-next-line"


def inline_ignored(judge: Judge, line_idx: int) -> bool:
    """``twscan:ignore`` in a comment on the line, or ``twscan:ignore-next-line`` just above."""
    line = judge.line_text(line_idx)
    i = line.find(MARKER)
    while i >= 0:
        if not line.startswith(NEXT_LINE, i):
            return True
        i = line.find(MARKER, i + 1)
    return line_idx > 0 and NEXT_LINE in judge.line_text(line_idx - 1)
