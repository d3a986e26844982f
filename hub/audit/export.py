"""The access log as JSON lines or CSV, in chain order, with the hashes that let anyone re-check
the chain from the file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.chain import HASHED_FIELDS, plain
from hub.audit.store import RECORD

COLUMNS: tuple[str, ...] = ("id", *HASHED_FIELDS, "record_hash")
CHUNK = 5000


async def records(
    engine: AsyncEngine, since: datetime | None = None, until: datetime | None = None
) -> AsyncIterator[dict[str, Any]]:
    after = 0
    while True:
        stmt = select(RECORD).where(RECORD.c.id > after).order_by(RECORD.c.id).limit(CHUNK)
        if since is not None:
            stmt = stmt.where(RECORD.c.at >= since)
        if until is not None:
            stmt = stmt.where(RECORD.c.at < until)
        async with engine.connect() as connection:
            rows = (await connection.execute(stmt)).all()
        if not rows:
            return
        for row in rows:
            found = row._asdict()
            yield {name: plain(found[name]) for name in COLUMNS}
        after = rows[-1].id


def jsonl_line(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def csv_header() -> str:
    return ",".join(COLUMNS) + "\r\n"


def csv_line(record: dict[str, Any]) -> str:
    """JSON-valued columns (variables, touched) are written as compact JSON."""
    out = io.StringIO()
    values = [
        json.dumps(v, sort_keys=True, separators=(",", ":")) if isinstance(v, dict | list) else v
        for v in (record[name] for name in COLUMNS)
    ]
    csv.writer(out).writerow(values)
    return out.getvalue()
