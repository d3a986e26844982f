"""The writer: validated records into the database, in chunks, inside the batch's transaction.

Per chunk it makes one query for the current records the chunk corrects (set-based, never per
row), one UPDATE stamping them superseded, and one bulk insert: executemany on SQLite, COPY on
PostgreSQL, both through the driver on the transaction's own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.ingest.problems import Problems
from hub.ingest.records import KINDS, RecordKind
from hub.ingest.validate import Records
from hub.models.enums import ObservationStatus

_PROVENANCE = ("source_id", "batch_id", "received_at", "supersedes_id")
_FINAL = ObservationStatus.FINAL.value
_PROVISIONAL = ObservationStatus.PROVISIONAL.value
_KEY_NAMES = {"authority_id": "authority", "indicator_id": "indicator", "period_start": "period"}


@dataclass(frozen=True, slots=True)
class BatchContext:
    batch_id: int
    source_id: int
    received_at: datetime


def _memo(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = process(value)
            return converted

    return convert


class Writer:
    """Buffers records and writes a chunk at a time; problems it finds go to `problems`."""

    def __init__(
        self,
        connection: AsyncConnection,
        kind: RecordKind,
        batch: BatchContext,
        problems: Problems,
        chunk_rows: int,
    ) -> None:
        self.connection = connection
        self.info = KINDS[kind]
        self.table: Table = self.info.table
        self.batch = batch
        self.problems = problems
        self.chunk_rows = chunk_rows
        self.inserted = 0
        self.superseded = 0
        self._pending: Records = []
        self._key = itemgetter(*(self.info.index(c) for c in self.info.key))
        self._inserting: asyncio.Future[None] | None = None
        self._status = self.info.index("status")
        self._columns = (*self.info.columns, *_PROVENANCE)
        self._postgres = connection.dialect.name == "postgresql"
        self._convert = self._converters()
        names = [_KEY_NAMES.get(c, c.removesuffix("_id")) for c in self.info.key]
        self._key_fields = ", ".join(n for n in names if n != "period_end")
        stamp = self.table.c.received_at.type.bind_processor(connection.dialect)
        self._received_at = (
            batch.received_at if self._postgres or stamp is None else stamp(batch.received_at)
        )

    def _converters(self) -> list[tuple[int, Callable[[Any], Any]]]:
        """Driver-level values: on SQLite dates and times become the text SQLAlchemy stores."""
        if self._postgres:
            return []
        dialect = self.connection.dialect
        out = []
        for i, name in enumerate(self.info.columns):
            process = self.table.c[name].type.bind_processor(dialect)
            if process is not None and name not in ("status", "framework", "kind"):
                out.append((i, _memo(process)))
        return out

    async def add(self, records: Records) -> None:
        self._pending.extend(records)
        while len(self._pending) >= self.chunk_rows:
            chunk, self._pending = (
                self._pending[: self.chunk_rows],
                self._pending[self.chunk_rows :],
            )
            await self._write(chunk)

    async def finish(self) -> None:
        """Write what is buffered and wait for the last insert."""
        if self._pending:
            await self._write(self._pending)
            self._pending = []
        await self._settle()

    async def _settle(self) -> None:
        """Wait for the insert in flight, if any (and raise what it raised)."""
        if self._inserting is not None:
            inserting, self._inserting = self._inserting, None
            await inserting

    async def close(self) -> None:
        """Wait for the insert in flight however the batch ends (its error is not wanted)."""
        if self._inserting is not None:
            with contextlib.suppress(Exception):
                await self._settle()

    async def _write(self, chunk: Records) -> None:
        numbers, records, keys = self._unique(chunk)
        await self._settle()  # the previous chunk's rows must be visible to this lookup
        current = await self._current(keys)
        supersedes: list[int | None] = [None] * len(records)
        dropped: set[int] = set()
        for i in [i for i, key in enumerate(keys) if key in current] if current else ():
            found_id, found_status, found_batch = current[keys[i]]
            if found_batch == self.batch.batch_id:
                self._problem(numbers[i], "repeats an earlier row of this batch")
                dropped.add(i)
            elif found_status == _FINAL and records[i][self._status] == _PROVISIONAL:
                reason = (
                    f"a final value is stored (batch {found_batch}); "
                    "a provisional one may not replace it"
                )
                self._problem(numbers[i], reason)
                dropped.add(i)
            else:
                supersedes[i] = found_id
        if dropped:
            kept = [i for i in range(len(records)) if i not in dropped]
            records = [records[i] for i in kept]
            supersedes = [supersedes[i] for i in kept]
        replaced = [found for found in supersedes if found is not None]
        if replaced:
            stamp = update(self.table).where(self.table.c.id.in_(replaced))
            await self.connection.execute(stamp.values(superseded_at=self.batch.received_at))
            self.superseded += len(replaced)
        if not records:
            return
        self.inserted += len(records)
        rows = self._rows(records, supersedes)
        if not self._postgres:
            # SQLite's driver thread needs the GIL for every row: run beside the parsing, it
            # would wait on it. So the insert is done before the next chunk is read.
            await self._insert(rows)
            return
        # PostgreSQL writes the rows in its own process while the next chunk is read.
        self._inserting = asyncio.ensure_future(self._insert(rows))
        await asyncio.sleep(0)  # hand the rows over now

    def _unique(
        self, chunk: Records
    ) -> tuple[list[int], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Row numbers, records and keys of the chunk, less rows whose key an earlier row has."""
        numbers = [row for row, _ in chunk]
        records = [record for _, record in chunk]
        keys = list(map(self._key, records))
        if len(set(keys)) == len(keys):
            return numbers, records, keys
        first: dict[tuple[Any, ...], int] = {}
        kept: tuple[list[int], list[tuple[Any, ...]], list[tuple[Any, ...]]] = ([], [], [])
        for row, record, key in zip(numbers, records, keys, strict=True):
            earlier = first.setdefault(key, row)
            if earlier == row:
                kept[0].append(row)
                kept[1].append(record)
                kept[2].append(key)
            else:
                self._problem(row, f"repeats row {earlier}")
        return kept

    def _rows(
        self, records: list[tuple[Any, ...]], supersedes: list[int | None]
    ) -> list[tuple[Any, ...]]:
        """What the driver inserts: the records' columns, converted, then their provenance."""
        n = len(records)
        columns: list[Any] = list(zip(*records, strict=True))
        for i, convert in self._convert:
            columns[i] = map(convert, columns[i])
        b = self.batch
        provenance = (repeat(b.source_id, n), repeat(b.batch_id, n), repeat(self._received_at, n))
        return list(zip(*columns, *provenance, supersedes, strict=True))

    def _problem(self, row: int, reason: str) -> None:
        """A problem with the row's key: the fields that make two rows one fact."""
        self.problems.add(row, self._key_fields, None, f"{reason} (same {self._key_fields})")

    async def _current(
        self, keys: list[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], tuple[int, str, int]]:
        """The current records of this source that these keys would correct.

        One query per chunk: each key column is matched against the chunk's distinct values
        (an index range, cheap to compile), and exact keys are picked out of the answer.
        """
        if not keys:
            return {}
        t = self.table
        key_columns = [t.c[c] for c in self.info.key]
        conditions = [column.in_({key[i] for key in keys}) for i, column in enumerate(key_columns)]
        stmt = select(*key_columns, t.c.id, t.c.status, t.c.batch_id).where(
            t.c.source_id == self.batch.source_id, t.c.superseded_at.is_(None), *conditions
        )
        wanted = set(keys)
        width = len(key_columns)
        found = {}
        for r in await self.connection.execute(stmt):
            key = tuple(r[:width])
            if key in wanted:
                found[key] = (r[width], r[width + 1], r[width + 2])
        return found

    async def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._postgres:
            raw = await self.connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                self.table.name, records=rows, columns=self._columns
            )
            return
        columns = ", ".join(self._columns)
        marks = ", ".join("?" * len(self._columns))
        sql = f"INSERT INTO {self.table.name} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
        await self.connection.exec_driver_sql(sql, rows)
