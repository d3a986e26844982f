"""A query's reads share one pooled connection, which goes back to the pool when the query
ends (whatever its outcome); the access record still names the agreement versions."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import TextClause, event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import create_engine
from hub.models.enums import Role
from hub.query.reader import Lease
from hub.settings import Settings
from tests.audit.helpers import last_record, touches_of
from tests.support import BACKENDS, World, fresh_database

# The alias keeps the series on the Python path, which looks the agreement versions up in a
# statement of their own (the written path names them in its own statement).
PANEL = """
query Panel($region: String!) {
  region(code: $region) { authorities { code
    series(indicators: ["NI1", "NI2"]) { indicator { code } periods: periods values } } }
}
"""
NORTH_EAST = "E12000001"


@contextmanager
def checkouts(world: World) -> Iterator[list[Any]]:
    """Each connection the app's engine lends while the block runs."""
    lent: list[Any] = []

    def seen(dbapi_connection: Any, *_: Any) -> None:
        lent.append(dbapi_connection)

    pool_events = world.engine.sync_engine
    event.listen(pool_events, "checkout", seen)
    try:
        yield lent
    finally:
        event.remove(pool_events, "checkout", seen)


async def test_a_query_reads_on_one_connection(world: World) -> None:
    world.statements.active, world.statements.statements = True, []
    try:
        with checkouts(world) as lent:
            body = await world.graphql(Role.RIEP_ANALYST, PANEL, {"region": NORTH_EAST})
    finally:
        world.statements.active = False
    assert "errors" not in body, body
    reads = world.statements.reads
    assert len(reads) >= 5  # token, region, authorities, series (and indicators), versions
    # PostgreSQL: the token lookup, then every read of the query, then the access record: one
    # checkout each. SQLite looks the token up, reads reference rows and writes the record in
    # worker threads on an engine of their own: the query's other reads take one checkout.
    assert len(lent) == (3 if world.backend == "postgresql" else 1)
    assert world.engine.sync_engine.pool.checkedout() == 0


async def test_the_record_names_the_versions_looked_up_on_the_held_connection(
    world: World,
) -> None:
    body = await world.graphql(Role.RIEP_ANALYST, PANEL, {"region": NORTH_EAST})
    assert "errors" not in body, body
    record = await last_record(world.engine)
    touches = await touches_of(world.engine, record.id)
    assert touches
    assert all(t.agreement_version_id is not None for t in touches)


async def test_the_connection_goes_back_when_a_query_fails(world: World) -> None:
    missing = PANEL.replace(
        "query Panel($region: String!) {",
        'query Panel($region: String!) {\n  authority(code: "NO-SUCH") { name }',
    )
    body = await world.graphql(Role.RIEP_ANALYST, missing, {"region": NORTH_EAST})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body  # beside the reads
    assert world.engine.sync_engine.pool.checkedout() == 0


def _taking(backend: str, seconds: float) -> tuple[TextClause, dict[str, float]]:
    """A statement that runs for about `seconds`: the server's sleep, or a long count on
    SQLite (about four million steps a second on this machine, fewer on slower ones)."""
    if backend == "postgresql":
        return text("SELECT pg_sleep(:n)"), {"n": seconds}
    count = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) "
        "SELECT count(*) FROM c"
    )
    return count, {"n": seconds * 4e6}


@asynccontextmanager
async def engine_on(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An app's engine on a fresh database of the backend."""
    async with fresh_database(backend, tmp_path) as url:
        engine = create_engine(Settings(database_url=url))
        try:
            yield engine
        finally:
            await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_read_stopped_midway_gives_its_held_connection_back(
    backend: str, tmp_path: Path
) -> None:
    """A request stopped while its held connection runs a statement (its time limit, a client
    hanging up) loses nothing from the pool, and the next reads work."""
    async with engine_on(backend, tmp_path) as engine:
        lease = Lease()
        lease.held = True
        slow = asyncio.create_task(lease.rows(engine, *_taking(backend, 1)))
        await asyncio.sleep(0.3)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        await lease.release()
        assert engine.sync_engine.pool.checkedout() == 0
        lease.held = True
        assert (await lease.rows(engine, text("SELECT 1"))) == [(1,)]
        await lease.release()
        assert engine.sync_engine.pool.checkedout() == 0


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_read_beside_the_held_connection_is_back_before_release_returns(
    backend: str, tmp_path: Path
) -> None:
    """A sibling reading beside the held connection and cancelled (another field failed)
    settles its own connection late; the request's end waits for it, so the pool lends
    nothing for a request that has answered."""
    async with engine_on(backend, tmp_path) as engine:
        lease = Lease()
        lease.held = True
        held = asyncio.create_task(lease.rows(engine, *_taking(backend, 0.5)))
        await asyncio.sleep(0.05)
        beside = asyncio.create_task(lease.rows(engine, *_taking(backend, 2)))
        await asyncio.sleep(0.1)
        assert engine.sync_engine.pool.checkedout() == 2  # it did run beside
        beside.cancel()
        assert len(await held) == 1
        await lease.release()
        assert engine.sync_engine.pool.checkedout() == 0
        assert beside.cancelled()
