"""HUB_DB_STATEMENT_TIMEOUT_MS: the database stops a long statement (PostgreSQL's
statement_timeout, SQLite's progress handler); a GraphQL field stopped by it answers TIMEOUT and
the request is recorded as limited; migrations run without it."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.db import create_engine, is_statement_timeout, lift_statement_timeout
from hub.models.enums import Role
from hub.settings import Settings
from tests.http.helpers import last_record
from tests.support import BACKENDS, World, fresh_database

# Each takes far longer than the timeouts below (seconds to minutes) and returns one row.
SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000)"
    " SELECT count(*) FROM c",
    "postgresql": "SELECT count(*) FROM pg_sleep(5)",
}
# Takes a few hundred milliseconds (more than 100 ms, less than a second).
QUICK = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000)"
    " SELECT count(*) FROM c",
    "postgresql": "SELECT count(*) FROM pg_sleep(0.3)",
}


@pytest.fixture(params=BACKENDS)
async def limited(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine whose statements may run 100 ms."""
    async with fresh_database(request.param, tmp_path) as url:
        engine = create_engine(Settings(database_url=url, db_statement_timeout_ms=100))
        yield engine
        await engine.dispose()


def backend(engine: AsyncEngine) -> str:
    return engine.dialect.name


async def test_a_long_statement_is_stopped_and_the_connection_lives_on(
    limited: AsyncEngine,
) -> None:
    async with limited.connect() as connection:
        with pytest.raises(DBAPIError) as stopped:
            await connection.execute(text(SLOW[backend(limited)]))
        assert is_statement_timeout(stopped.value)
        await connection.rollback()
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    async with limited.connect() as connection:  # the pooled connection is still bounded
        with pytest.raises(DBAPIError) as again:
            await connection.execute(text(SLOW[backend(limited)]))
        assert is_statement_timeout(again.value)


async def test_other_errors_are_not_timeouts(limited: AsyncEngine) -> None:
    async with limited.connect() as connection:
        with pytest.raises(DBAPIError) as failed:
            await connection.execute(text("SELECT * FROM no_such_table"))
    assert not is_statement_timeout(failed.value)


async def test_migrations_lift_it_for_their_transaction_only(limited: AsyncEngine) -> None:
    quick = text(QUICK[backend(limited)])
    async with limited.begin() as connection:
        await connection.run_sync(lift_statement_timeout)
        assert (await connection.execute(quick)).scalar() in (1, 1000000)
    async with limited.begin() as connection:
        with pytest.raises(DBAPIError) as stopped:
            await connection.execute(quick)
        assert is_statement_timeout(stopped.value)


async def test_zero_turns_it_off(tmp_path: Path) -> None:
    engine = create_engine(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/off.db", db_statement_timeout_ms=0)
    )
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text(QUICK["sqlite"]))).scalar() == 1000000
    finally:
        await engine.dispose()


def _slow_observations(engine: AsyncEngine) -> None:
    """Replace the statements that read observations with a deliberately slow one."""
    slow = SLOW[engine.dialect.name]

    def rewrite(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any
    ) -> tuple[str, Any]:
        if "FROM observation" in statement and "access_" not in statement:
            return slow, ()
        return statement, parameters

    event.listen(engine.sync_engine, "before_cursor_execute", rewrite, retval=True)


async def test_a_stopped_field_answers_timeout_and_is_recorded_as_limited(world: World) -> None:
    app = create_app(Settings(database_url=world.url, db_statement_timeout_ms=100))
    engine: AsyncEngine = app.state.engine
    headers = {"Authorization": f"Bearer {world.tokens[Role.HUB_ADMIN]}"}
    query = "{ observations(filter: {}, first: 10) { nodes { value } } }"
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test", headers=headers
        ) as client:
            assert (await client.post("/graphql", json={"query": query})).status_code == 200
            _slow_observations(engine)
            response = await client.post("/graphql", json={"query": query})
            record = await last_record(world)
            after = await client.post("/graphql", json={"query": "{ regions { code } }"})
    finally:
        await engine.dispose()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "TIMEOUT", "limit": 100}
    assert error["message"] == "a database statement took longer than 100 ms and was stopped"
    assert error["path"] == ["observations"]
    for internal in ("Traceback", "sqlite", "asyncpg", "canceling statement", "interrupted"):
        assert internal not in response.text
    assert record.outcome == "limited"
    assert after.status_code == 200
    assert "errors" not in after.json(), after.text


async def test_a_stopped_ingest_answers_503_timeout(world: World) -> None:
    app = create_app(Settings(database_url=world.url, db_statement_timeout_ms=100))
    engine: AsyncEngine = app.state.engine
    slow = SLOW[engine.dialect.name]

    def rewrite(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any
    ) -> tuple[str, Any]:
        if statement.startswith("INSERT INTO ingest_batch"):
            return slow, ()
        return statement, parameters

    event.listen(engine.sync_engine, "before_cursor_execute", rewrite, retval=True)
    headers = {
        "Authorization": f"Bearer {world.tokens[Role.SUBMITTER]}",
        "Content-Type": "text/csv",
    }
    body = "authority,indicator,period,value,status\n"
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test", headers=headers
        ) as client:
            response = await client.post(
                "/ingest/ac-caa", params={"dataset": "national-indicators"}, content=body
            )
    finally:
        await engine.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "2"
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    record = await last_record(world)
    assert (record.operation_type, record.outcome) == ("ingest", "limited")
