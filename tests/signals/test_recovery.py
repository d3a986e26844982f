"""Nothing lost: a batch applied but never evaluated (its process died in between) is evaluated
when a hub starts, its alerts raised once, however many recoveries run."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from hub.db import session_factory
from hub.models import IngestBatch
from hub.signals import recover, settle
from tests.signals.conftest import Hub, alerts_of, ingest

FLAGS = "authority,colour,title,raised_on\n"


async def _unchecked(h: Hub) -> list[int]:
    stmt = select(IngestBatch.id).where(IngestBatch.signals_checked_at.is_(None))
    async with h.engine.connect() as connection:
        return list((await connection.scalars(stmt.order_by(IngestBatch.id))).all())


async def _crashed_batches(h: Hub, monkeypatch: pytest.MonkeyPatch, *codes: str) -> list[int]:
    """Red flags applied as if the process died before evaluating them."""

    async def died(_sessions: Any, batch: Any) -> Any:
        return batch

    with monkeypatch.context() as patched:
        patched.setattr("hub.ingest.engine.signal_batch", died)
        return [
            await ingest(h, "ac", "ac-caa", f"{FLAGS}{code},red,At risk,2009-12-09\n", "flags")
            for code in codes
        ]


async def test_an_unevaluated_batch_is_evaluated_when_the_app_starts(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = await _crashed_batches(hub, monkeypatch, "DAL")
    assert await alerts_of(hub) == []
    assert await _unchecked(hub) == batches
    async with hub.app.router.lifespan_context(hub.app):
        await settle()
    raised = await alerts_of(hub, "caa-red-flag")
    assert [(a.authority, a.batch_id) for a in raised] == [("DAL", batches[0])]
    assert await _unchecked(hub) == []
    assert await recover(session_factory(hub.engine)) == []  # a second recovery: nothing more
    async with hub.app.router.lifespan_context(hub.app):
        await settle()
    assert len(await alerts_of(hub)) == 1


async def test_concurrent_recoveries_evaluate_each_batch_once(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = await _crashed_batches(hub, monkeypatch, "DAL", "CMD", "DUR")
    sessions = session_factory(hub.engine)
    first, second = await asyncio.gather(recover(sessions), recover(sessions))
    assert len(first) + len(second) == 3
    raised = await alerts_of(hub, "caa-red-flag")
    assert sorted((a.authority, a.batch_id) for a in raised) == sorted(
        zip(["DAL", "CMD", "DUR"], batches, strict=True)
    )
    assert await _unchecked(hub) == []


async def test_a_failed_evaluation_is_retried_by_the_next_recovery(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> AsyncIterator[list[dict[str, Any]]]:
        raise RuntimeError("the rules failed")
        yield []  # an async generator, like the one it replaces

    with monkeypatch.context() as patched:
        patched.setattr("hub.signals.evaluate._findings", broken)
        batch = await ingest(hub, "ac", "ac-caa", f"{FLAGS}DAL,red,At risk,2009-12-09\n", "flags")
    assert await _unchecked(hub) == [batch]  # applied all the same, and left for recovery
    assert len(await recover(session_factory(hub.engine))) == 1
    assert [a.batch_id for a in await alerts_of(hub)] == [batch]
    assert await _unchecked(hub) == []
