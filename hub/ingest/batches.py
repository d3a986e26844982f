"""Reading batches back: status, counts, errors and timing, filtered by the policy in SQL.

The counts of records a batch created and superseded are not stored twice: they are counted
from the records themselves, which carry their batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Table, false, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.authz import Action
from hub.authz.resources import BatchScope
from hub.models import Assessment, Flag, IngestBatch, Observation, Organisation, Principal, Source
from hub.models.enums import BatchStatus
from hub.query.pages import Page, PageRequest, keyset, to_page
from hub.query.reader import Reader

BATCH: Table = IngestBatch.__table__  # type: ignore[assignment]
_OBSERVATION: Table = Observation.__table__  # type: ignore[assignment]
_ASSESSMENT: Table = Assessment.__table__  # type: ignore[assignment]
_FLAG: Table = Flag.__table__  # type: ignore[assignment]
_RECORD_TABLES = (_OBSERVATION, _ASSESSMENT, _FLAG)
_SOURCE: Table = Source.__table__  # type: ignore[assignment]
_ORGANISATION: Table = Organisation.__table__  # type: ignore[assignment]
_PRINCIPAL: Table = Principal.__table__  # type: ignore[assignment]


# records written, per kind (model name), authority and source: what an access record names
Touched = Counter[tuple[str, int | None, int | None]]


@dataclass(frozen=True, slots=True)
class BatchView:
    id: int
    source: str
    organisation: str
    submitted_by: str | None
    format: str
    status: BatchStatus
    idempotency_key: str | None
    row_count: int
    created: int  # records new to the hub
    superseded: int  # records that corrected (superseded) a current one
    error_count: int
    errors: list[dict[str, Any]]
    received_at: datetime
    completed_at: datetime | None


def _counted(supersedes: bool) -> ColumnElement[int]:
    total: ColumnElement[int] | None = None
    for table in _RECORD_TABLES:
        counted = func.count(table.c.supersedes_id) if supersedes else func.count()
        one = select(counted).where(table.c.batch_id == BATCH.c.id).scalar_subquery()
        total = one if total is None else total + one
    assert total is not None
    return total


def _views(written: tuple[int, int] | None = None) -> Select[Any]:
    created: ColumnElement[int]
    superseded: ColumnElement[int]
    if written is None:
        inserted, superseded = _counted(False), _counted(True)
        created = inserted - superseded
    else:  # known by the caller, who wrote the records in this transaction
        created, superseded = literal(written[0]), literal(written[1])
    return (
        select(
            BATCH.c.id,
            _SOURCE.c.code.label("source"),
            _ORGANISATION.c.code.label("organisation"),
            _PRINCIPAL.c.name.label("submitted_by"),
            BATCH.c.format,
            BATCH.c.status,
            BATCH.c.idempotency_key,
            BATCH.c.row_count,
            created.label("created"),
            superseded.label("superseded"),
            BATCH.c.error_count,
            BATCH.c.errors,
            BATCH.c.received_at,
            BATCH.c.completed_at,
        )
        .join(_SOURCE, _SOURCE.c.id == BATCH.c.source_id)
        .join(_ORGANISATION, _ORGANISATION.c.id == BATCH.c.organisation_id)
        .outerjoin(_PRINCIPAL, _PRINCIPAL.c.id == BATCH.c.principal_id)
    )


def _view(row: Row[Any]) -> BatchView:
    data = row._asdict()
    data["errors"] = data["errors"] or []
    return BatchView(**data)


async def batch_view(
    session: AsyncSession, batch_id: int, written: tuple[int, int] | None = None
) -> BatchView:
    """One batch as its submitter sees it (no policy: for the engine's own answer).

    `written`: the records it created and superseded, when the caller has just written them
    (they are counted otherwise).
    """
    stmt = _views(written).where(BATCH.c.id == batch_id)
    return _view((await session.execute(stmt)).one())


def may_read_batches(reader: Reader) -> ColumnElement[bool]:
    """The SQL condition on batches the policy lets this principal read back.

    The policy is asked about two scopes: every organisation's batches, and the caller's own.
    """
    authorizer, principal = reader.authorizer, reader.principal
    if authorizer.is_allowed(principal, Action.READ, BatchScope(organisation_id=None)):
        return true()
    own = BatchScope(organisation_id=principal.organisation_id)
    if authorizer.is_allowed(principal, Action.READ, own):
        return BATCH.c.organisation_id == principal.organisation_id
    return false()


async def visible_batch(reader: Reader, batch_id: int) -> BatchView | None:
    stmt = _views().where(BATCH.c.id == batch_id, may_read_batches(reader))
    rows = await reader.rows(stmt)
    return _view(rows[0]) if rows else None


async def visible_batches(
    reader: Reader,
    page: PageRequest,
    *,
    source: str | None = None,
    status: BatchStatus | None = None,
) -> Page[BatchView]:
    """Batches the caller may read, oldest first, keyset-paged."""
    stmt = _views().where(may_read_batches(reader))
    if source is not None:
        stmt = stmt.where(_SOURCE.c.code == source)
    if status is not None:
        stmt = stmt.where(BATCH.c.status == status)
    rows: Sequence[Row[Any]] = await reader.rows(keyset(stmt, BATCH.c.id, page))
    found = to_page(rows, page)
    return Page(rows=[_view(r) for r in found.rows], has_next=found.has_next)


async def batch_touches(sessions: async_sessionmaker[AsyncSession], batch_id: int) -> Touched:
    """Records a batch wrote, per kind, authority and source: what its access record names."""
    touched: Touched = Counter()
    async with sessions() as session:
        kinds = (("Observation", Observation), ("Assessment", Assessment), ("Flag", Flag))
        for kind, table in kinds:
            stmt = (
                select(table.authority_id, table.source_id, func.count())
                .where(table.batch_id == batch_id)
                .group_by(table.authority_id, table.source_id)
            )
            for row in await session.execute(stmt):
                touched[(kind, row[0], row[1])] = int(row[2])
    return touched
