"""Helpers for the access-trace tests."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.store import DEVELOPMENT_KEY, RECORD, TOUCH, AccessLog
from hub.db import session_factory
from hub.models.base import utcnow

KEY = DEVELOPMENT_KEY


async def last_record(engine: AsyncEngine) -> Any:
    async with engine.connect() as connection:
        found = await connection.execute(select(RECORD).order_by(RECORD.c.id.desc()).limit(1))
        return found.one()


async def records_after(engine: AsyncEngine, after: int) -> list[Any]:
    async with engine.connect() as connection:
        found = await connection.execute(
            select(RECORD).where(RECORD.c.id > after).order_by(RECORD.c.id)
        )
        return list(found.all())


async def touches_of(engine: AsyncEngine, record_id: int) -> list[Any]:
    async with engine.connect() as connection:
        found = await connection.execute(select(TOUCH).where(TOUCH.c.record_id == record_id))
        return list(found.all())


def fields(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "principal_id": None,
        "organisation_id": None,
        "role": "auditor",
        "purpose": "improvement_support",
        "operation_type": "query",
        "operation_name": f"Op{n}",
        "document_hash": "ab" * 32,
        "variables": {"n": n, "nested": {"x": [1, 2.5, "é"]}},
        "outcome": "allowed",
        "touched": None,
        "trace_id": None,
        "client_addr": "127.0.0.1",
        "user_agent": "test",
        **extra,
    }


async def append_many(engine: AsyncEngine, count: int, checkpoint_every: int = 1000) -> AccessLog:
    log = AccessLog(session_factory(engine), KEY, checkpoint_every)
    for n in range(count):
        await log.append(fields(n))
    return log
