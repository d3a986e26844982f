"""What was wrong with a batch: one entry per problem, with row, field, value and reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_MAX_VALUE_CHARS = 200


def escaped(text: str) -> str:
    """`text` with bytes that were not UTF-8 (surrogate escapes) written as \\xNN, so that it can
    be encoded as UTF-8, stored as JSON and sent."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = "".join(
            f"\\x{ord(ch) - 0xDC00:02x}" if "\udc80" <= ch <= "\udcff" else ch for ch in text
        )
    return text


def shown(value: Any) -> str | None:
    """A raw value as a report shows it: bytes that were not UTF-8 appear as \\xNN escapes."""
    if value is None:
        return None
    text = escaped(value if isinstance(value, str) else repr(value))
    return text if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS] + "..."


@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None  # 1 = the first data row (a CSV header is not counted); None = the whole file
    field: str | None  # the column or JSON key, when one is at fault
    value: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "value": self.value, "reason": self.reason}


class Problems:
    """Every problem is counted; the first `limit` are kept, so a bad 50 MB file stays small."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.kept: list[Problem] = []

    def add(self, row: int | None, field: str | None, value: Any, reason: str) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            # a column name (a CSV header, a JSON key) may hold bytes that were not UTF-8 too
            name = None if field is None else escaped(field)
            self.kept.append(Problem(row, name, shown(value), escaped(reason)))

    def __bool__(self) -> bool:
        return self.count > 0

    def report(self) -> list[dict[str, Any]]:
        """The kept problems in row order (whole-file problems first)."""
        ordered = sorted(self.kept, key=lambda p: -1 if p.row is None else p.row)
        return [p.as_dict() for p in ordered]
