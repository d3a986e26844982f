"""Evaluate the rules over a scope and raise the alerts they find.

One statement per rule that applies to the scope, its rows streamed, and one INSERT per chunk of
findings (one in all for the usual batch): an alert already open (or acknowledged) for the same
rule, authority and subject is not raised again (the partial unique index decides, so two
processes cannot both raise it).

A batch's alerts are raised once. On PostgreSQL the one transaction that raises them first
claims the batch by setting `ingest_batch.signals_checked_at` (skipping a batch another
transaction holds rather than waiting for it). On SQLite that transaction would hold the
database's only write lock for as long as the rules run, so the rules read first and the alerts
are written in short transactions, the batch marked checked last (`_evaluate_in_steps`). A
batch applied but never marked (its process died in between, or the evaluation failed) is
picked up by `recover`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.db import lift_statement_timeout, unit_of_work
from hub.models import Alert, IngestBatch
from hub.models.alerts import NOT_CLOSED, AlertState
from hub.models.base import utcnow
from hub.models.enums import BatchStatus
from hub.signals.broker import announce
from hub.signals.findings import Finding, Scope
from hub.signals.kinds import KINDS
from hub.signals.rules import Rule, load_rules

log = logging.getLogger("hub.signals")
ALERT: Table = Alert.__table__  # type: ignore[assignment]
_RULES: tuple[Rule, ...] | None = None


def rules() -> tuple[Rule, ...]:
    """The rules of signals/rules.yaml, read once per process."""
    global _RULES
    if _RULES is None:
        _RULES = load_rules()
    return _RULES


CHUNK = 2000  # findings held in memory, and inserted, at a time


def _row(rule: Rule, finding: Finding, scope: Scope, now: datetime) -> dict[str, Any]:
    return {
        "rule": rule.code,
        "kind": rule.kind,
        "subject": finding.subject,
        "title": rule.title,
        "description": finding.description,
        "severity": rule.severity,
        "state": AlertState.OPEN,
        "authority_id": finding.authority_id,
        "source_id": finding.source_id,
        "theme_code": finding.theme_code,
        "status": finding.status,
        "batch_id": scope.batch_id,
        "evidence": finding.evidence,
        "raised_at": now,
    }


async def _insert(session: AsyncSession, values: list[dict[str, Any]]) -> list[int]:
    """Raise a chunk of alerts; those already open (or acknowledged) are left alone."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(ALERT)
        .on_conflict_do_nothing(
            index_elements=["rule", "authority_id", "subject"], index_where=NOT_CLOSED
        )
        .returning(ALERT.c.id)
    )
    # executemany: SQLAlchemy sends the rows in pages of multi-row VALUES, within the
    # drivers' limits on bound parameters (one page for a chunk).
    ids = list((await session.execute(stmt, values)).scalars())
    await announce(session, ids)
    return ids


async def raise_alerts(
    session: AsyncSession, scope: Scope, ruleset: Sequence[Rule] | None = None
) -> list[int]:
    """Evaluate `ruleset` (default: every rule) over `scope` in the session's transaction; the
    ids of the alerts raised."""
    raised: list[int] = []
    async for rows in _findings(session, scope, ruleset):
        raised += await _insert(session, rows)
    return raised


async def _findings(
    session: AsyncSession, scope: Scope, ruleset: Sequence[Rule] | None
) -> AsyncIterator[list[dict[str, Any]]]:
    """The alerts `ruleset` finds over `scope`, as rows to insert, CHUNK at a time.

    Each rule's rows are streamed, so the memory held does not grow with the batch (a file of
    a million rows, a million findings). A finding repeated within a chunk is yielded once;
    across chunks the unique index keeps the first one raised. The caller's inserts may run
    between yields on the same connection (PostgreSQL: the rule's server-side cursor stays
    open in the transaction)."""
    scope = replace(scope, dialect=session.get_bind().dialect.name)
    if scope.dialect == "postgresql":
        # A cursor's plan is otherwise chosen for its first rows (cursor_tuple_fraction 0.1):
        # fast-start nested loops that, over a big batch, outlast the statement timeout.
        await session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    now = utcnow()
    chunk: dict[tuple[str, int, str], dict[str, Any]] = {}
    for rule in rules() if ruleset is None else ruleset:
        kind = KINDS[rule.kind]
        stmt = kind.select(rule, scope)
        if stmt is None:
            continue
        result = await session.stream(stmt.execution_options(yield_per=CHUNK))
        async for row in result:
            finding = kind.finding(rule, row)
            key = (rule.code, finding.authority_id, finding.subject)
            chunk.setdefault(key, _row(rule, finding, scope, now))
            if len(chunk) >= CHUNK:
                yield list(chunk.values())
                chunk = {}
    if chunk:
        yield list(chunk.values())


def _pending() -> Select[int]:
    return select(IngestBatch.id).where(
        IngestBatch.status == BatchStatus.APPLIED, IngestBatch.signals_checked_at.is_(None)
    )


async def _claim(session: AsyncSession, batch_id: int) -> bool:
    """Mark the batch checked in the session's transaction, if it is applied, unchecked and not
    held by another transaction (which is evaluating it)."""
    held = _pending().where(IngestBatch.id == batch_id).with_for_update(skip_locked=True)
    stmt = (
        update(IngestBatch)
        .where(IngestBatch.id == held.scalar_subquery())
        .values(signals_checked_at=utcnow())
        .returning(IngestBatch.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalar(stmt)) is not None


async def _evaluate(sessions: async_sessionmaker[AsyncSession], batch_id: int) -> list[int] | None:
    """The alerts a committed batch raises (none if it was evaluated already); None if the
    evaluation failed, leaving the batch unchecked."""
    try:
        if sessions.kw["bind"].dialect.name == "sqlite":
            return await _evaluate_in_steps(sessions, batch_id)
        async with unit_of_work(sessions) as session:
            if not await _claim(session, batch_id):
                return []
            await _without_timeout(session)
            await _fresh_statistics(session, batch_id)
            return await raise_alerts(session, _scope(batch_id))
    except Exception:
        log.exception("evaluating the signal rules for batch %s failed", batch_id)
        return None


async def _without_timeout(session: AsyncSession) -> None:
    """No statement timeout for the rest of the evaluation's transaction. The timeout bounds
    what a request may cost; this is the hub's own work in the background, and a big batch's
    rules legitimately take minutes (on PostgreSQL a file of 1.47 million rows outlasted the
    60 s default, and, retried, failed the same way every time)."""
    connection = await session.connection()
    await connection.run_sync(lift_statement_timeout)


ANALYZE_FROM = 50_000  # rows in a batch from which PostgreSQL's statistics are refreshed first


async def _fresh_statistics(session: AsyncSession, batch_id: int) -> None:
    """A large batch may have multiplied the observations since PostgreSQL last analysed them,
    and the rules' statements planned on the old statistics can run for many minutes (847,200
    rows onto a tiny demo's: over ten, in the fault test; autovacuum's analyse came a minute
    too late for the plan). ANALYZE samples a fixed number of rows: a second or two."""
    rows = await session.scalar(select(IngestBatch.row_count).where(IngestBatch.id == batch_id))
    if rows is not None and rows >= ANALYZE_FROM:
        await session.execute(text("ANALYZE observation"))


def _scope(batch_id: int) -> Scope:
    return Scope(today=datetime.now(UTC).date(), batch_id=batch_id)


async def _evaluate_in_steps(
    sessions: async_sessionmaker[AsyncSession], batch_id: int
) -> list[int]:
    """SQLite's evaluation, which must not hold the database's one write lock throughout: a
    big batch takes the rules most of a minute, and every request's access record would wait
    for them, past the busy timeout (503). So the rules read outside any write (WAL: writers
    go on beside the read), each chunk of alerts is raised in a short transaction of its own,
    and the batch is marked checked last. A process that dies midway leaves the batch
    unchecked; evaluated again, it finds the same alerts, and the unique index on open alerts
    keeps those already raised from being raised twice."""
    raised: list[int] = []
    async with sessions() as reader:
        if await reader.scalar(_pending().where(IngestBatch.id == batch_id)) is None:
            return []
        await _without_timeout(reader)
        async for rows in _findings(reader, _scope(batch_id), None):
            async with unit_of_work(sessions) as writer:
                raised += await _insert(writer, rows)
    async with unit_of_work(sessions) as writer:
        await _claim(writer, batch_id)
    return raised


async def after_batch(sessions: async_sessionmaker[AsyncSession], batch_id: int) -> list[int]:
    """Raise the alerts a committed batch triggers, unless it was evaluated already. A failure
    here is logged, never turned into a failed ingest: the batch is applied whatever the
    signals make of it (and stays unchecked, for `recover` to retry)."""
    return await _evaluate(sessions, batch_id) or []


@dataclass(slots=True)
class Pass:
    """What one recovery pass did: the alerts raised, and the batches whose evaluation failed
    (left unchecked for a later pass)."""

    raised: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


async def recovery_pass(sessions: async_sessionmaker[AsyncSession]) -> Pass:
    """Evaluate the applied batches whose signals were never checked, oldest first, one
    transaction each. A batch that fails is skipped for the rest of the pass."""
    done = Pass()
    after = 0
    while True:
        try:
            async with sessions() as session:
                stmt = _pending().where(IngestBatch.id > after).order_by(IngestBatch.id).limit(1)
                found = await session.scalar(stmt)
        except Exception:
            log.exception("looking for batches whose signal rules have not run failed")
            done.failed.append(after)
            return done
        if found is None:
            return done
        log.info("evaluating the signal rules of batch %s", found)
        raised = await _evaluate(sessions, found)
        if raised is None:
            done.failed.append(found)
        else:
            done.raised += raised
        after = found


async def recover(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """Evaluate the applied batches whose signals were never checked, oldest first, one
    transaction each; the ids of the alerts raised. A batch that fails is left for next time."""
    return (await recovery_pass(sessions)).raised


async def after_mutuality(session: AsyncSession, authority_id: int) -> list[int]:
    """Within the caller's transaction: alerts for a mutuality statement just recorded."""
    scope = Scope(today=datetime.now(UTC).date(), authority_ids=(authority_id,))
    chosen = [r for r in rules() if r.kind == "mutuality_withdrawn"]
    return await raise_alerts(session, scope, chosen)
