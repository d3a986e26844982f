"""Gaps in the live feed, driven in process: an alert raised while a subscription is being
recorded still reaches it; a broker whose LISTEN connection dropped catches up on reconnecting."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import ExecutionResult

from hub.auth.principal import AuthenticatedPrincipal
from hub.auth.tokens import authenticate
from hub.authz import AccessRequest, Gate, load_authorizer
from hub.db import session_factory
from hub.graphql.schema import build_schema
from hub.graphql.types.live import Live, LiveContext
from hub.models.enums import Purpose
from hub.query.reader import Reader
from hub.signals import broker as brokers
from hub.signals.broker import Broker
from tests.signals.conftest import Hub, alerts_of, ingest

LIVE = "subscription Live { alertRaised { rule authority { code } } }"
FLAGS = "authority,colour,title,raised_on\n"


async def _red_flag(h: Hub, authority: str) -> int:
    await ingest(h, "ac", "ac-caa", f"{FLAGS}{authority},red,At risk,2009-12-09\n", "flags")
    alert_id: int = (await alerts_of(h))[-1].id
    return alert_id


def _live(h: Hub, broker: Broker) -> Live:
    sessions = session_factory(h.engine)
    authorizer = load_authorizer(h.settings.policy_dir)

    def reader_for(principal: AuthenticatedPrincipal, purpose: str) -> Reader:
        request = AccessRequest(purpose=purpose, today=datetime.now(UTC).date())
        return Reader(sessions=sessions, gate=Gate(authorizer, principal, request))

    return Live(broker, sessions, authorizer, reader_for, access_log=None)


async def test_an_alert_raised_while_the_subscription_is_recorded_is_delivered(
    early: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    alert_id = await _red_flag(early, "DAL")
    broker = Broker(early.engine)
    live = _live(early, broker)

    async def record_then_raise(_context: Any, name: str | None, *_a: Any, **_k: Any) -> None:
        if name == "Live":  # the subscription's own record: an alert is raised meanwhile
            broker.deliver([alert_id])

    monkeypatch.setattr("hub.graphql.types.live._record", record_then_raise)
    async with live.sessions() as session:
        principal = await authenticate(session, early.tokens["riep"])
    assert principal is not None
    purpose = Purpose.EARLY_WARNING.value
    context = LiveContext(
        reader=live.reader_for(principal, purpose),
        settings=early.settings,
        live=live,
        principal=principal,
        purpose=purpose,
    )
    stream = await build_schema().subscribe(LIVE, context_value=context)
    assert not isinstance(stream, ExecutionResult), stream
    try:
        result = await asyncio.wait_for(anext(stream), 10)
        assert result.errors is None, result.errors
        assert result.data == {
            "alertRaised": {"rule": "caa-red-flag", "authority": {"code": "DAL"}}
        }
    finally:
        await stream.aclose()
        await broker.stop()


@pytest.mark.postgres
async def test_a_broker_catches_up_after_its_listen_connection_drops(
    early: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    if early.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY: PostgreSQL only")
    monkeypatch.setattr(brokers, "BACKOFF_SECONDS", (0.05, 0.2))
    broker = Broker(early.engine)
    gate = asyncio.Event()  # holds the reconnection until an alert was raised meanwhile
    listen = broker._listen

    async def held() -> Any:
        await gate.wait()
        return await listen()

    try:
        async with broker.subscription() as queue:
            monkeypatch.setattr(broker, "_listen", held)
            pid = broker._listener.get_server_pid()
            async with early.engine.connect() as connection:
                await connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            missed = await _red_flag(early, "DAL")  # notified while nobody listens
            gate.set()
            assert await asyncio.wait_for(queue.get(), 10) == missed  # caught up
            after = await _red_flag(early, "CMD")  # and listening again
            assert await asyncio.wait_for(queue.get(), 10) == after
            await asyncio.sleep(0.2)
            assert queue.empty()  # each once, though the catch-up and the notification overlap
    finally:
        await broker.stop()
