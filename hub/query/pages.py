"""Keyset pagination: opaque cursors over a row's integer id, in ascending id order.

Keyset (not OFFSET) so page 1,000 of millions of observations costs what page 1 costs.
"""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select

T = TypeVar("T")


class BadCursor(ValueError):
    pass


def encode_cursor(kind: str, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{row_id}".encode()).decode()


def decode_cursor(kind: str, cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        prefix, _, raw = text.partition(":")
        if prefix != kind:
            raise BadCursor(f"cursor is not a {kind} cursor")
        return int(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise BadCursor("malformed cursor") from error


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: int | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: Sequence[T]
    has_next: bool


def page_request(
    first: int | None, after: str | None, *, kind: str, default: int, maximum: int
) -> PageRequest:
    """Validate `first`/`after` from a client; raises ValueError with a message for the client."""
    size = default if first is None else first
    if size < 0 or size > maximum:
        raise ValueError(f"first must be between 0 and {maximum}")
    return PageRequest(first=size, after=None if after is None else decode_cursor(kind, after))


def keyset(stmt: Select[T], id_column: ColumnElement[int], page: PageRequest) -> Select[T]:
    """Apply the page to a statement: rows after the cursor, one extra to learn if more exist."""
    if page.after is not None:
        stmt = stmt.where(id_column > page.after)
    return stmt.order_by(id_column).limit(page.first + 1)


def to_page(rows: Sequence[T], page: PageRequest) -> Page[T]:
    return Page(rows=rows[: page.first], has_next=len(rows) > page.first)
