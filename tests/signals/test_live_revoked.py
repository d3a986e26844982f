"""A token revoked (or expired) while its websocket is open: the next alert is not delivered,
the socket is closed with 4403 and the refused delivery recorded as unauthenticated; another
token of the same RIEP, still valid, receives the alert. Over a real hub process."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.exceptions import ConnectionClosed

from hub.auth.tokens import authenticate, hash_token, issue_token, revoke_token, token_lapse
from hub.db import session_factory, unit_of_work
from hub.models import AccessRecord
from hub.models.base import utcnow
from hub.models.enums import Role
from hub.models.organisation import ApiToken
from tests.signals.conftest import Hub
from tests.signals.test_live import (
    _next_alert,
    _red_flag,
    _server,
    _subscribed,
    _subscriptions_recorded,
    _world,
)
from tests.support import StatementCounter

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def _second_token(engine: AsyncEngine) -> str:
    """Another token of the North East RIEP: it sees what the revoked one saw."""
    async with unit_of_work(session_factory(engine)) as session:
        return await issue_token(
            session, org_code="riep-north-east", role=Role.RIEP_ANALYST, name="ne:second"
        )


async def _lapse(engine: AsyncEngine, token: str, how: str) -> None:
    async with unit_of_work(session_factory(engine)) as session:
        if how == "revoked":
            assert await revoke_token(session, token=token)
        else:  # expired since it authenticated
            past = utcnow() - timedelta(seconds=1)
            await session.execute(
                update(ApiToken)
                .where(ApiToken.token_hash == hash_token(token))
                .values(expires_at=past)
            )


async def _deliveries(engine: AsyncEngine) -> list[tuple[str, bool]]:
    """Each delivery's outcome, and whether it touched anything."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(AccessRecord.outcome, AccessRecord.touched).where(
                    AccessRecord.operation_name == "Live delivery"
                )
            )
        ).all()
    return sorted((str(r.outcome), bool(r.touched)) for r in rows)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("how", ["revoked", "expired"])
async def test_a_lapsed_token_is_cut_off_before_the_next_delivery(
    backend: str, how: str, tmp_path: Path
) -> None:
    async with _world(backend, tmp_path) as (url, engine, tokens):
        still_valid = await _second_token(engine)
        with _server(url) as port:
            async with (
                _subscribed(port, tokens["riep"]) as lapsing,
                _subscribed(port, still_valid) as valid,
            ):
                await _subscriptions_recorded(engine, 2)
                await _lapse(engine, tokens["riep"], how)
                await _red_flag(port, tokens["ac"], "DAL")
                alert = await _next_alert(valid)
                assert (alert["rule"], alert["authority"]["code"]) == ("caa-red-flag", "DAL")
                with pytest.raises(ConnectionClosed) as closed:  # not a `next` message
                    await asyncio.wait_for(lapsing.recv(), 15)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 4403
                assert closed.value.rcvd.reason == f"UNAUTHENTICATED: the token is {how}"
                assert tokens["riep"] not in closed.value.rcvd.reason
        assert await _deliveries(engine) == [("allowed", True), ("unauthenticated", False)]


async def test_the_check_before_each_delivery_is_one_statement(hub: Hub) -> None:
    sessions = session_factory(hub.engine)
    async with sessions() as session:
        principal = await authenticate(session, hub.tokens["riep"])
    assert principal is not None
    counter = StatementCounter(hub.engine)
    async with sessions() as session:
        with counter.counting():
            assert await token_lapse(session, principal.token_id) is None
        assert counter.count == 1
        assert await token_lapse(session, principal.token_id + 10_000) == "unknown"
    await _lapse(hub.engine, hub.tokens["riep"], "revoked")
    async with sessions() as session:
        assert await token_lapse(session, principal.token_id) == "revoked"
