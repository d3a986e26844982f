"""Relay-style connections: edges with opaque cursors and pageInfo."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar, cast

import strawberry
from sqlalchemy import Row

from hub.graphql.execution import Prebuilt
from hub.query.nodes_json import WrittenPage
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
    """A page of nodes. Edges and their cursors are built only when a request asks for them:
    a dashboard reading `nodes` of thousands of values pays nothing for them."""

    kind: strawberry.Private[str]  # the cursors' kind (see hub.query.pages)
    items: strawberry.Private[Sequence[Any]]
    ids: strawberry.Private[Sequence[int]]  # each node's id, for its cursor
    has_next: strawberry.Private[bool]
    # the nodes written as JSON by the database (hub.query.nodes_json), for a selection of
    # nodes and pageInfo only: `items` is then empty and `ids` holds the last node's id
    written: strawberry.Private[Prebuilt | None] = None

    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        return [
            Edge(cursor=encode_cursor(self.kind, id_), node=item)
            for id_, item in zip(self.ids, self.items, strict=True)
        ]

    @strawberry.field
    def page_info(self) -> PageInfo:
        end = encode_cursor(self.kind, self.ids[-1]) if self.ids else None
        return PageInfo(has_next_page=self.has_next, end_cursor=end)

    @strawberry.field(description="The nodes of this page, without the edges around them.")
    def nodes(self) -> list[T]:
        if self.written is not None:
            return cast(list[T], self.written)  # completed as it is (hub.graphql.execution)
        return list(self.items)


def connection(kind: str, rows: Sequence[Row[Any]], has_next: bool) -> Connection[Any]:
    """Rows become nodes as they are: the types read their fields straight off the row."""
    return Connection(kind=kind, items=rows, ids=[row.id for row in rows], has_next=has_next)


def written_connection(kind: str, page: WrittenPage) -> Connection[Any]:
    """A page whose nodes the database wrote (hub.query.nodes_json)."""
    ids = () if page.end_id is None else (page.end_id,)
    return Connection(
        kind=kind, items=(), ids=ids, has_next=page.has_next, written=Prebuilt(page.nodes)
    )


def from_page(kind: str, page: Page[Row[Any]]) -> Connection[Any]:
    return connection(kind, page.rows, page.has_next)


def node(row: Row[Any]) -> Any:
    """A row serves as the node of any type whose fields it has."""
    return row


def nodes(rows: Sequence[Row[Any]]) -> list[Any]:
    return list(rows)
