"""A database that cannot be reached: requests answer a JSON 503 DATABASE_UNAVAILABLE with
Retry-After (never a bare 500 or a stack trace) and /readyz says so; the process keeps running.
(The restart of a real server under load is tests/faults/test_pg_restart.py, marked slow.)"""

import sqlite3

import httpx
from sqlalchemy.exc import OperationalError

from hub.app import create_app
from hub.db import is_unavailable
from hub.settings import Settings
from tests.faults.pgcluster import free_port


async def test_an_unreachable_database_answers_503() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"  # nothing listens
    app = create_app(Settings(database_url=url))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            headers = {"Authorization": "Bearer hub_some-token"}
            graphql = await client.post(
                "/graphql", json={"query": "{ __typename }"}, headers=headers
            )
            ingest = await client.post(
                "/ingest/ac-caa", content=b"a,b\n", headers={**headers, "Content-Type": "text/csv"}
            )
            ready = await client.get("/readyz")
    finally:
        await app.state.engine.dispose()
    for response in (graphql, ingest):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "2"
        assert response.json() == {
            "errors": [
                {
                    "message": "the database is unavailable; try again shortly",
                    "extensions": {"code": "DATABASE_UNAVAILABLE"},
                }
            ]
        }
    assert ready.status_code == 503


async def test_a_hub_starts_while_its_database_is_down() -> None:
    """A process (re)started during an outage serves 503s instead of crash-looping; its live
    feed's LISTEN connection is retried in the background."""
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"  # nothing listens
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            ready = await client.get("/readyz")
            alive = await client.get("/healthz")
    assert ready.status_code == 503
    assert alive.status_code == 200


def test_sqlite_busy_past_its_timeout_counts_as_unavailable() -> None:
    """A write that waited out SQLite's busy timeout answers 503 with Retry-After, not 500."""
    busy = OperationalError(
        "UPDATE access_chain_head ...", {}, sqlite3.OperationalError("database is locked")
    )
    assert is_unavailable(busy)
    assert not is_unavailable(
        OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    )
