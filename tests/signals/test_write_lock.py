"""SQLite has one write lock for the whole database, and every request's access record needs
it. Evaluating a big batch's rules takes most of a minute, so the evaluation must not hold the
lock while the rules run (it did: a request answered meanwhile waited past the busy timeout and
got 503). Its alerts are written in short transactions instead, the batch marked checked last;
an evaluation that dies midway is finished by the next one, each alert raised once. On both
backends the evaluation runs without the statement timeout, which bounds requests."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

import hub.signals.evaluate as evaluate
from hub.db import create_engine, session_factory
from hub.models import Alert, IngestBatch
from hub.settings import Settings
from hub.signals import recover
from tests.faults.test_statement_timeout import QUICK
from tests.signals.conftest import Hub, alerts_of, ingest
from tests.signals.test_bounded import HEADER, WORSENING


def _database_file(h: Hub) -> Path:
    if h.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    assert h.engine.url.database
    return Path(h.engine.url.database)


def _can_write(database: Path) -> bool:
    """Whether another connection takes the write lock at once (no busy wait)."""
    connection = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    finally:
        connection.close()


async def _unchecked(h: Hub) -> list[int]:
    stmt = select(IngestBatch.id).where(IngestBatch.signals_checked_at.is_(None))
    async with h.engine.connect() as connection:
        return list((await connection.scalars(stmt)).all())


def _keys(alerts: list[Any]) -> list[tuple[str, str, str]]:
    return sorted((a.rule, a.authority, a.subject) for a in alerts)


async def test_other_writers_go_on_while_sqlite_evaluates(
    early: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = _database_file(early)
    original = evaluate._insert
    probes: list[tuple[bool, list[int]]] = []

    async def insert_after_probe(session: Any, values: list[dict[str, Any]]) -> list[int]:
        probes.append((_can_write(database), await _unchecked(early)))
        return await original(session, values)

    monkeypatch.setattr(evaluate, "CHUNK", 3)  # inserts between the rules' fetches
    monkeypatch.setattr(evaluate, "_insert", insert_after_probe)
    batch = await ingest(early, "ac", "ac-caa", HEADER + WORSENING, "national-indicators")
    assert len(probes) > 2, "the evaluation raised too few chunks to probe between them"
    assert all(writable for writable, _ in probes)
    assert all(unchecked == [batch] for _, unchecked in probes)  # marked checked last
    assert await _unchecked(early) == []
    assert len(await alerts_of(early)) > 7


async def test_an_evaluation_that_died_midway_is_finished_once(
    early: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = evaluate._insert
    calls: list[int] = []

    async def dies_on_the_second_chunk(session: Any, values: list[dict[str, Any]]) -> list[int]:
        calls.append(len(values))
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return await original(session, values)

    monkeypatch.setattr(evaluate, "CHUNK", 3)
    with monkeypatch.context() as patched:
        patched.setattr(evaluate, "_insert", dies_on_the_second_chunk)
        batch = await ingest(early, "ac", "ac-caa", HEADER + WORSENING, "national-indicators")
    assert await _unchecked(early) == [batch]  # left for recovery
    # SQLite keeps the first chunk (its own transaction); PostgreSQL rolled back everything
    kept = 3 if early.engine.dialect.name == "sqlite" else 0
    assert len(await alerts_of(early)) == kept

    await recover(session_factory(early.engine))
    finished = _keys(await alerts_of(early))
    assert len(finished) == len(set(finished)) > kept  # each alert once
    assert await _unchecked(early) == []

    # the same alerts as one evaluation from scratch
    async with early.engine.begin() as connection:
        await connection.execute(Alert.__table__.delete())
        await connection.execute(update(IngestBatch).values(signals_checked_at=None))
    await recover(session_factory(early.engine))
    assert _keys(await alerts_of(early)) == finished


async def test_the_evaluation_runs_without_the_statement_timeout(
    early: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statement timeout bounds requests; a big batch's rules may take minutes (on
    PostgreSQL a 1.47-million-row file outlasted it and failed at every retry)."""
    batch = await ingest(early, "ac", "ac-caa", HEADER + WORSENING, "national-indicators")
    async with early.engine.begin() as connection:
        await connection.execute(Alert.__table__.delete())
        await connection.execute(update(IngestBatch).values(signals_checked_at=None))
    url = early.engine.url.render_as_string(hide_password=False)
    engine = create_engine(Settings(database_url=url, db_statement_timeout_ms=100))
    original = evaluate._findings
    slow = QUICK[engine.dialect.name]  # a few hundred ms: past the engine's 100 ms

    async def slow_rules(session: Any, *args: Any) -> Any:
        await session.execute(text(slow))
        async for rows in original(session, *args):
            yield rows

    monkeypatch.setattr(evaluate, "_findings", slow_rules)
    try:
        raised = await evaluate.after_batch(session_factory(engine), batch)
    finally:
        await engine.dispose()
    assert len(raised) > 7
    assert await _unchecked(early) == []
