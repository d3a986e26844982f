"""Relay-style connections: edges with opaque cursors and pageInfo."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Row

from hub.query.pages import Page, encode_cursor

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of this page, without the edges around them.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def connection(kind: str, rows: Sequence[Row[Any]], has_next: bool) -> Connection[Any]:
    """Rows become nodes as they are: the types read their fields straight off the row."""
    edges = [Edge(cursor=encode_cursor(kind, row.id), node=row) for row in rows]
    end = edges[-1].cursor if edges else None
    return Connection(edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end))


def from_page(kind: str, page: Page[Row[Any]]) -> Connection[Any]:
    return connection(kind, page.rows, page.has_next)


def node(row: Row[Any]) -> Any:
    """A row serves as the node of any type whose fields it has."""
    return row


def nodes(rows: Sequence[Row[Any]]) -> list[Any]:
    return list(rows)
