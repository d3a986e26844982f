"""The writer: validated records into the database, in chunks, inside the batch's transaction.

Per chunk it makes one query for the current records the chunk corrects (set-based, never per
row), one UPDATE stamping them superseded, and one bulk insert: executemany on SQLite, COPY on
PostgreSQL, both through the driver on the transaction's own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import repeat
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Enum,
    Float,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.ingest.problems import Problems
from hub.ingest.records import KINDS, RecordKind
from hub.ingest.validate import Block
from hub.models.enums import ObservationStatus

_PROVENANCE = ("source_id", "batch_id", "received_at", "supersedes_id")
_FINAL = ObservationStatus.FINAL.value
_PROVISIONAL = ObservationStatus.PROVISIONAL.value
_MAX_MEMO = 10_000  # distinct values a column converter remembers
_KEY_NAMES = {"authority_id": "authority", "indicator_id": "indicator", "period_start": "period"}


@dataclass(frozen=True, slots=True)
class BatchContext:
    batch_id: int
    source_id: int
    received_at: datetime


def _memo(process: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    """A column converter that converts each distinct value once (dates repeat)."""
    seen: dict[Any, Any] = {None: None}

    def convert(values: Sequence[Any]) -> list[Any]:
        try:
            return list(map(seen.__getitem__, values))
        except KeyError:
            if len(seen) > _MAX_MEMO:
                seen.clear()
                seen[None] = None
            seen.update((v, process(v)) for v in set(values).difference(seen))
            return list(map(seen.__getitem__, values))

    return convert


def _iso(value: Any) -> str:
    """A date in a JSON array of key values: the text SQLite stores for it."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"no key value of type {type(value).__name__} is expected")


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
        self.touched: Counter[int] = Counter()  # records written per authority
        self._rows: list[int] = []  # buffered: row numbers, and the records column by column
        self._pending: list[list[Any]] = [[] for _ in self.info.columns]
        self._key_at = [self.info.index(c) for c in self.info.key]
        self._inserting: asyncio.Future[None] | None = None
        self._status = self.info.index("status")
        self._authority = self.info.index("authority_id")
        self._columns = (*self.info.columns, *_PROVENANCE)
        self._postgres = connection.dialect.name == "postgresql"
        self._convert = self._converters()
        names = [_KEY_NAMES.get(c, c.removesuffix("_id")) for c in self.info.key]
        self._key_fields = ", ".join(n for n in names if n != "period_end")
        self._lookup = self._lookup_statement()
        stamp = self.table.c.received_at.type.bind_processor(connection.dialect)
        self._received_at = (
            batch.received_at if self._postgres or stamp is None else stamp(batch.received_at)
        )

    def _lookup_statement(self) -> Select[Any]:
        """The current records of this source whose key columns each hold one of a list of
        values. On SQLite each list is one JSON array parameter, so the statement is compiled
        once and the plan still seeks the index on the key. On PostgreSQL an IN list: its plan
        is made for the values given (an array parameter in a prepared statement may get a
        generic plan that scans the chunk's indicators instead)."""
        t = self.table
        key_columns = [t.c[c] for c in self.info.key]
        conditions: list[ColumnElement[bool]] = []
        for i, column in enumerate(key_columns):
            if self._postgres:
                wanted = bindparam(f"key{i}", expanding=True, type_=column.type)
                conditions.append(column.in_(wanted))
            else:
                values = func.json_each(bindparam(f"key{i}", type_=String)).table_valued("value")
                conditions.append(column.in_(select(values.c.value)))
        return select(*key_columns, t.c.id, t.c.status, t.c.batch_id).where(
            t.c.source_id == self.batch.source_id, t.c.superseded_at.is_(None), *conditions
        )

    def _converters(self) -> list[tuple[int, Callable[[Sequence[Any]], list[Any]]]]:
        """Driver-level values, worked out once per distinct value, so that the driver's thread
        binds plain values: on SQLite dates become the ISO text its date adapter would make.

        Numbers are floats or ints already and enumerations checked values: left as they are.
        """
        if self._postgres:
            return []
        dialect = self.connection.dialect
        out = []
        for i, name in enumerate(self.info.columns):
            column_type = self.table.c[name].type
            if isinstance(column_type, Float | Integer | Enum):
                continue
            process: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
            if process is None and isinstance(column_type, Date):
                process = date.isoformat
            if process is not None:
                out.append((i, _memo(process)))
        return out

    async def add(self, block: Block) -> None:
        if not block.rows:
            return
        self._rows.extend(block.rows)
        for pending, column in zip(self._pending, block.columns, strict=True):
            pending.extend(column)
        k = self.chunk_rows
        while len(self._rows) >= k:
            rows, self._rows = self._rows[:k], self._rows[k:]
            columns = [c[:k] for c in self._pending]
            self._pending = [c[k:] for c in self._pending]
            await self._write(rows, columns)

    async def finish(self) -> None:
        """Write what is buffered and wait for the last insert."""
        if self._rows:
            rows, columns = self._rows, self._pending
            self._rows, self._pending = [], [[] for _ in self.info.columns]
            await self._write(rows, columns)
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

    async def _write(self, rows: list[int], columns: list[list[Any]]) -> None:
        keys = list(zip(*(columns[i] for i in self._key_at), strict=True))
        if len(set(keys)) != len(keys):
            rows, columns, keys = self._unique(rows, columns, keys)
        await self._settle()  # the previous chunk's rows must be visible to this lookup
        current = await self._current(columns, keys)
        supersedes: list[int | None] | None = None
        dropped: set[int] = set()
        if current:
            supersedes = [None] * len(rows)
            status = columns[self._status]
            for i in [i for i, key in enumerate(keys) if key in current]:
                found_id, found_status, found_batch = current[keys[i]]
                if found_batch == self.batch.batch_id:
                    self._problem(rows[i], "repeats an earlier row of this batch")
                    dropped.add(i)
                elif found_status == _FINAL and status[i] == _PROVISIONAL:
                    reason = (
                        f"a final value is stored (batch {found_batch}); "
                        "a provisional one may not replace it"
                    )
                    self._problem(rows[i], reason)
                    dropped.add(i)
                else:
                    supersedes[i] = found_id
        if dropped:
            assert supersedes is not None
            kept = [i for i in range(len(rows)) if i not in dropped]
            columns = [[c[i] for i in kept] for c in columns]
            supersedes = [supersedes[i] for i in kept]
        replaced = [found for found in supersedes or () if found is not None]
        if replaced:
            stamp = update(self.table).where(self.table.c.id.in_(replaced))
            await self.connection.execute(stamp.values(superseded_at=self.batch.received_at))
            self.superseded += len(replaced)
        count = len(rows) - len(dropped)
        if not count:
            return
        self.inserted += count
        self.touched.update(columns[self._authority])
        values = self._values(columns, supersedes)
        if not self._postgres:
            # SQLite's driver thread needs the GIL for every row: run beside the parsing, it
            # would wait on it. So the insert is done before the next chunk is read.
            await self._insert(values)
            return
        # PostgreSQL writes the rows in its own process while the next chunk is read.
        self._inserting = asyncio.ensure_future(self._insert(values))
        await asyncio.sleep(0)  # hand the rows over now

    def _unique(
        self, rows: list[int], columns: list[list[Any]], keys: list[tuple[Any, ...]]
    ) -> tuple[list[int], list[list[Any]], list[tuple[Any, ...]]]:
        """The chunk less rows whose key an earlier row has (each is a problem)."""
        first: dict[tuple[Any, ...], int] = {}
        kept: list[int] = []
        for i, (row, key) in enumerate(zip(rows, keys, strict=True)):
            earlier = first.setdefault(key, row)
            if earlier == row:
                kept.append(i)
            else:
                self._problem(row, f"repeats row {earlier}")
        return (
            [rows[i] for i in kept],
            [[c[i] for i in kept] for c in columns],
            [keys[i] for i in kept],
        )

    def _values(
        self, columns: list[list[Any]], supersedes: list[int | None] | None
    ) -> list[tuple[Any, ...]]:
        """What the driver inserts: the records' columns, converted, then their provenance."""
        converted: list[Any] = list(columns)
        for i, convert in self._convert:
            converted[i] = convert(columns[i])
        b = self.batch
        provenance = (repeat(b.source_id), repeat(b.batch_id), repeat(self._received_at))
        last = repeat(None) if supersedes is None else supersedes
        return list(zip(*converted, *provenance, last, strict=False))  # the repeats are endless

    def _problem(self, row: int, reason: str) -> None:
        """A problem with the row's key: the fields that make two rows one fact."""
        self.problems.add(row, self._key_fields, None, f"{reason} (same {self._key_fields})")

    async def _current(
        self, columns: list[list[Any]], keys: list[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], tuple[int, str, int]]:
        """The current records of this source that these keys would correct.

        One query per chunk: each key column is matched against the chunk's distinct values
        (an index range), and exact keys are picked out of the answer.
        """
        if not keys:
            return {}
        values: dict[str, Any] = {}
        for i, at in enumerate(self._key_at):
            distinct = list(set(columns[at]))
            values[f"key{i}"] = distinct if self._postgres else json.dumps(distinct, default=_iso)
        width = len(self._key_at)
        found = {}
        wanted: set[tuple[Any, ...]] | None = None
        for r in await self.connection.execute(self._lookup, values):
            if wanted is None:
                wanted = set(keys)
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
