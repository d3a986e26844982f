"""Bounded evaluation: a big batch's alerts are raised a chunk at a time (the memory held does
not grow with the batch, the statements grow by one insert per chunk), and in a served app one
worker per database evaluates the batches, however many arrive, without losing a wake-up nor
retrying a failing batch in a hot loop."""

import asyncio
import math
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

import hub.signals as signals
from hub.db import session_factory, unit_of_work
from hub.models import Alert, IngestBatch
from hub.signals import raise_alerts, settle
from hub.signals.evaluate import Pass
from hub.signals.findings import Scope
from tests.signals.conftest import Hub, alerts_of, ingest
from tests.support import StatementCounter

HEADER = "authority,indicator,period,value\n"
PERIODS = [f"2008-Q{q}" for q in range(1, 5)]
WORSENING = "".join(
    f"{a},NI{n},{p},{50 - i}\n"
    for a in ("DAL", "DUR", "NET", "CMD", "LND")
    for n in range(2, 8)
    for i, p in enumerate(PERIODS)
)


async def _raise(h: Hub, batch: int) -> tuple[list[int], StatementCounter]:
    async with h.engine.begin() as connection:
        await connection.execute(Alert.__table__.delete())
    counter = StatementCounter(h.engine)
    async with unit_of_work(session_factory(h.engine)) as session:
        with counter.counting():
            raised = await raise_alerts(session, Scope(date(2010, 1, 1), batch_id=batch))
    return raised, counter


def _inserts(counter: StatementCounter) -> int:
    return sum(1 for s in counter.statements if s.lstrip().upper().startswith("INSERT INTO ALERT"))


async def test_alerts_are_raised_a_chunk_at_a_time(
    early: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = await ingest(early, "ac", "ac-caa", HEADER + WORSENING, "national-indicators")
    whole, one_chunk = await _raise(early, batch)
    expected = [(a.rule, a.authority, a.subject, a.evidence) for a in await alerts_of(early)]
    assert len(whole) > 7
    assert _inserts(one_chunk) == 1
    monkeypatch.setattr("hub.signals.evaluate.CHUNK", 3)
    chunked, counter = await _raise(early, batch)
    found = [(a.rule, a.authority, a.subject, a.evidence) for a in await alerts_of(early)]
    assert sorted(found, key=repr) == sorted(expected, key=repr)  # the same alerts, once each
    assert len(chunked) == len(whole)
    assert _inserts(counter) == math.ceil(len(whole) / 3)
    # the rules' statements are the same: only the inserts (and PostgreSQL's NOTIFYs) grow
    extra = 2 if early.engine.dialect.name == "postgresql" else 1
    assert counter.count - one_chunk.count == (_inserts(counter) - 1) * extra


async def test_one_worker_evaluates_every_batch(early: Hub) -> None:
    async with early.app.router.lifespan_context(early.app):
        await settle()
        posts = [
            early.post(
                "ac", "ac-caa", HEADER + f"{a},NI1,2008-Q1,{v}\n", dataset="national-indicators"
            )
            for a in ("DAL", "DUR", "NET", "CMD")
            for v in (40, 30)
        ]
        responses = await asyncio.gather(*posts)
        assert {r.status_code for r in responses} == {201}
        assert len(signals._RUNNING) <= 1  # one worker, however many batches are waiting
        await settle()
    async with early.engine.connect() as connection:
        unchecked = await connection.scalars(
            select(IngestBatch.id).where(IngestBatch.signals_checked_at.is_(None))
        )
        assert list(unchecked) == []


async def test_work_arriving_during_a_pass_gets_another_pass(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = session_factory(hub.engine)
    passes: list[int] = []

    async def counted(_sessions: Any) -> Pass:
        passes.append(len(passes))
        if len(passes) == 1:
            signals._wake(sessions)  # a batch commits while the first pass runs
            assert len(signals._RUNNING) == 1
        return Pass()

    monkeypatch.setattr("hub.signals.recovery_pass", counted)
    monkeypatch.setattr("hub.signals.START_DELAY", 0)
    signals.evaluate_in_background(sessions)
    await settle()
    assert passes == [0, 1]


async def test_a_failing_batch_is_retried_with_growing_pauses(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = session_factory(hub.engine)
    pauses: list[float] = []

    async def failing(_sessions: Any) -> Pass:
        worker = signals._WORKERS[sessions]
        pauses.append(worker.backoff)
        if len(pauses) < 5:
            signals._wake(sessions)  # new work keeps arriving
            return Pass(failed=[1])
        return Pass()

    monkeypatch.setattr("hub.signals.recovery_pass", failing)
    monkeypatch.setattr("hub.signals.START_DELAY", 0)
    monkeypatch.setattr("hub.signals.BACKOFF_FIRST", 0.01)
    monkeypatch.setattr("hub.signals.BACKOFF_MOST", 0.04)
    signals.evaluate_in_background(sessions)
    await settle()
    assert pauses == [0.0, 0.01, 0.02, 0.04, 0.04]
    assert signals._WORKERS[sessions].backoff == 0.0  # a clean pass: no pause next time
