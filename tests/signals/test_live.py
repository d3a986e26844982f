"""End to end over real sockets: a batch lands -> the right RIEP's `alertRaised` subscription
(graphql-transport-ws) receives the alert, another region's does not.

SQLite: one hub process (in-process fan-out). PostgreSQL: two hub processes, subscribed on one
and ingesting on the other (LISTEN/NOTIFY); marked slow.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from hub.db import create_engine
from hub.migrate import upgrade
from hub.models import AccessRecord
from hub.settings import Settings
from tests.faults.hubprocess import free_port, server
from tests.ingest.conftest import load_reference
from tests.signals.conftest import furnish
from tests.support import fresh_database

PROTOCOL = Subprotocol("graphql-transport-ws")
LIVE = "subscription Live { alertRaised { id rule authority { code } evidence { text } } }"
FLAGS = "authority,colour,title,raised_on\n"


@contextmanager
def _server(url: str, **settings: str) -> Iterator[int]:
    """`hub serve` on a free port once it answers /healthz (tests.faults.hubprocess); its port.
    `settings` are HUB_* names without the prefix."""
    port = free_port()
    with server(url, port, **settings):
        yield port


@asynccontextmanager
async def _world(backend: str, directory: Path) -> AsyncIterator[tuple[str, AsyncEngine, Any]]:
    async with fresh_database(backend, directory) as url:
        engine = create_engine(Settings(database_url=url))
        try:
            await upgrade(engine)
            tokens = await load_reference(engine)
            await furnish(engine, tokens)
            yield url, engine, tokens
        finally:
            await engine.dispose()


@asynccontextmanager
async def _subscribed(
    port: int, token: str, headers: bool = False
) -> AsyncIterator[ClientConnection]:
    """A websocket with `alertRaised` subscribed, the token in the connection_init payload
    (or, with `headers`, in the upgrade request's Authorization header)."""
    bearer = {"Authorization": f"Bearer {token}"}
    async with connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=[PROTOCOL],
        additional_headers=bearer if headers else None,
    ) as ws:
        init = {"type": "connection_init", "payload": {} if headers else bearer}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": LIVE}}))
        yield ws


async def _next_alert(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), 15))
    assert message["type"] == "next", message
    alert: dict[str, Any] = message["payload"]["data"]["alertRaised"]
    return alert


async def _subscriptions_recorded(engine: AsyncEngine, count: int) -> None:
    """Wait until `count` subscriptions are in the access log (so they are listening)."""
    stmt = select(AccessRecord.id).where(
        AccessRecord.operation_type == "subscription", AccessRecord.operation_name == "Live"
    )
    for _ in range(100):
        async with engine.connect() as connection:
            if len((await connection.execute(stmt)).all()) >= count:
                return  # the broker queue was registered before the record was written
        await asyncio.sleep(0.1)
    raise AssertionError("the subscriptions were not recorded")


async def _red_flag(port: int, token: str, authority: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        response = await client.post(
            "/ingest/ac-caa",
            params={"dataset": "flags"},
            content=f"{FLAGS}{authority},red,Children at risk,2009-12-09\n",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        )
    assert response.status_code == 201, response.text


async def _scenario(engine: AsyncEngine, tokens: Any, listen: int, push: int) -> None:
    async with (
        _subscribed(listen, tokens["riep"]) as north_east,
        _subscribed(listen, tokens["riep_london"], headers=True) as london,
    ):
        await _subscriptions_recorded(engine, 2)
        await _red_flag(push, tokens["ac"], "CMD")  # London's: the North East must not get it
        alert = await _next_alert(london)
        assert (alert["rule"], alert["authority"]["code"]) == ("caa-red-flag", "CMD")
        await _red_flag(push, tokens["ac"], "DAL")
        alert = await _next_alert(north_east)  # the first it receives is Darlington's
        assert (alert["rule"], alert["authority"]["code"]) == ("caa-red-flag", "DAL")
        assert "Children at risk" in alert["evidence"][0]["text"]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(london.recv(), 1)
    async with engine.connect() as connection:
        deliveries = (
            await connection.execute(
                select(AccessRecord.role, AccessRecord.touched).where(
                    AccessRecord.operation_name == "Live delivery"
                )
            )
        ).all()
    assert sorted((d.role, d.touched[0]["kind"]) for d in deliveries) == [
        ("riep_analyst", "Alert"),
        ("riep_analyst", "Alert"),
    ]


async def test_live_alerts_on_sqlite(tmp_path: Path) -> None:
    async with _world("sqlite", tmp_path) as (url, engine, tokens):
        with _server(url) as port:
            await _scenario(engine, tokens, port, port)


@pytest.mark.slow
@pytest.mark.postgres
async def test_live_alerts_across_two_postgresql_processes(tmp_path: Path) -> None:
    async with _world("postgresql", tmp_path) as (url, engine, tokens):
        with _server(url) as listen, _server(url) as push:
            await _scenario(engine, tokens, listen, push)


async def test_what_the_websocket_refuses(tmp_path: Path) -> None:
    async with _world("sqlite", tmp_path) as (url, engine, tokens):
        with _server(url) as port:
            # a bad token: the socket is closed with 4403, and the refusal recorded
            async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL]) as ws:
                init = {"type": "connection_init", "payload": {"Authorization": "Bearer nope"}}
                await ws.send(json.dumps(init))
                with pytest.raises(Exception, match="4403"):
                    await asyncio.wait_for(ws.recv(), 10)
            # queries and mutations go over HTTP, where they are limited and recorded
            async with _subscribed(port, tokens["riep"]) as ws:
                query = {"query": "query Sneak { me { name } }"}
                await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert (message["id"], message["type"]) == ("2", "error")
                assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
        async with engine.connect() as connection:
            outcome = await connection.scalar(
                select(AccessRecord.outcome).where(AccessRecord.operation_type == "subscription")
            )
        assert outcome == "unauthenticated"


async def test_websockets_count_against_the_rate_limit(tmp_path: Path) -> None:
    async with _world("sqlite", tmp_path) as (url, engine, tokens):
        limit = {"rate_limit_per_minute": "1", "rate_limit_burst": "2"}
        with _server(url, **limit) as port:
            async with _subscribed(port, tokens["riep"]) as ws:  # connection_init, subscribe
                again = {"id": "2", "type": "subscribe", "payload": {"query": LIVE}}
                await ws.send(json.dumps(again))
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert (message["id"], message["type"]) == ("2", "error")
                error = message["payload"][0]
                assert error["extensions"]["code"] == "RATE_LIMITED"
                assert error["extensions"]["retryAfter"] >= 1
                assert "too many requests with this token" in error["message"]
            async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL]) as ws:
                init = {"Authorization": f"Bearer {tokens['riep']}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": init}))
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4429
            assert closed.value.rcvd.reason.startswith("RATE_LIMITED: too many requests")
            # another token has its own bucket
            async with _subscribed(port, tokens["riep_london"]):
                pass
        async with engine.connect() as connection:
            limited = (
                await connection.execute(
                    select(AccessRecord.operation_name).where(AccessRecord.outcome == "limited")
                )
            ).all()
        assert sorted(r.operation_name for r in limited) == ["Live", "connection_init"]
