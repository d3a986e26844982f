"""Python hooks: the few places where a source's format needs code, not declarations.

A dataset names a hook (`hook: cpa-stars`); the hook rewrites each row's raw values (column ->
text) before the spec's fields read them. Keep hooks small and pure: they see one row.
"""

from __future__ import annotations

import re
from collections.abc import Callable

RawRow = dict[str, object]
Hook = Callable[[RawRow], RawRow]

_STARS = re.compile(r"\s*(?:([0-4])\s*(?:stars?|\*)?|(\**)|(★*))\s*", re.IGNORECASE)


def cpa_stars(row: RawRow) -> RawRow:
    """CPA star categories arrive as `3`, `3 stars`, `3*`, `***` or `★★★`: keep the number."""
    raw = row.get("stars")
    if isinstance(raw, str):
        match = _STARS.fullmatch(raw)
        if match is not None and raw.strip():
            digit, asterisks, black_stars = match.groups()
            row["stars"] = digit if digit is not None else str(len(asterisks or black_stars or ""))
    return row


HOOKS: dict[str, Hook] = {"cpa-stars": cpa_stars}
