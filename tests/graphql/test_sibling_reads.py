"""Sibling fields of a query read side by side (hub.query.reader.Lease): while one holds the
request's connection, the other runs on a second that the pool lends at once. With no room in
the pool they take turns on the held one, so a request never waits for a second connection
while holding a first."""

from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.models.enums import Role
from tests.support import World

# A national table: a page of observations and the quartiles beside it, two root fields.
QUERY = """query($period: String!, $start: Date) {
  observations(filter: {indicators: ["NI1"], periodFrom: $start, periodTo: $start}, first: 400) {
    nodes { authority { gssCode } value } }
  indicatorSummary(indicator: "NI1", period: $period) { count median } }"""
VARIABLES = {"period": "2009-Q1", "start": "2009-01-01"}


@contextmanager
def _connections(engine: AsyncEngine) -> Iterator[list[tuple[str, int]]]:
    """Each statement run meanwhile, with the driver connection it ran on."""
    seen: list[tuple[str, int]] = []

    def before(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append((statement, id(connection.connection.dbapi_connection)))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


def _readers_of_observations(seen: list[tuple[str, int]]) -> list[int]:
    return [connection for statement, connection in seen if "FROM observation" in statement]


def _answered(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    assert data["observations"]["nodes"]
    assert data["indicatorSummary"]["count"] > 0
    return data


async def test_sibling_fields_read_on_two_connections_when_the_pool_has_room(
    world: World,
) -> None:
    with _connections(world.engine) as seen:
        _answered(await world.graphql(Role.IDEA_ANALYST, QUERY, VARIABLES))
    page, summary = _readers_of_observations(seen)
    assert page != summary


async def test_with_no_room_in_the_pool_siblings_take_turns_on_the_held_connection(
    world: World,
) -> None:
    alone = _answered(await world.graphql(Role.IDEA_ANALYST, QUERY, VARIABLES))
    pool: Any = world.engine.sync_engine.pool
    async with AsyncExitStack() as held:
        for _ in range(pool.size() - pool.checkedout() - 1):  # room for the request's one
            await held.enter_async_context(world.engine.connect())
        with _connections(world.engine) as seen:
            crowded = _answered(await world.graphql(Role.IDEA_ANALYST, QUERY, VARIABLES))
    page, summary = _readers_of_observations(seen)
    assert page == summary
    assert crowded == alone
