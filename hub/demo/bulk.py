"""Fast bulk inserts with the raw driver, inside the caller's transaction.

SQLAlchemy Core `insert()` with a list of dicts managed about 30,000 observation rows/s on SQLite;
the DBAPI `executemany` with plain tuples about 90,000. PostgreSQL takes rows by `COPY`
(asyncpg `copy_records_to_table`); there the per-row foreign-key triggers of `observation` cost
more than the copy itself, so `bulk_mode` drops that table's foreign keys and secondary indexes
for the load and recreates them afterwards (one validating scan each), all in the same
transaction: nothing is visible, and nothing is lost, if the load fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.demo.observations import Render, Row


def renderer(connection: AsyncConnection, table: Table, column: str) -> Render:
    """How SQLAlchemy itself would bind a Python value to `column` on this database.

    The raw driver bypasses SQLAlchemy's type processing, so dates and UTC times are rendered
    here, once per distinct value, exactly as the ORM would store them (strings on SQLite).
    """
    dialect = connection.dialect
    processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return lambda value: value
    bound = processor

    def render(value: object) -> object:
        return bound(value)

    return render


async def _driver(connection: AsyncConnection) -> Any:
    return (await connection.get_raw_connection()).driver_connection


async def insert_rows(
    connection: AsyncConnection, table: Table, columns: Sequence[str], chunks: Iterable[list[Row]]
) -> int:
    """Insert every chunk of tuples (in `columns` order) into `table`; returns the row count."""
    driver = await _driver(connection)
    total = 0
    if connection.dialect.name == "postgresql":
        for chunk in chunks:
            await driver.copy_records_to_table(table.name, records=chunk, columns=list(columns))
            total += len(chunk)
        return total
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    for chunk in chunks:
        await driver.executemany(sql, chunk)
        total += len(chunk)
    return total


async def _pg_deferrable(connection: AsyncConnection, table: str) -> tuple[list[Any], list[Any]]:
    """The table's foreign keys (name, definition) and plain indexes (name, CREATE statement)."""
    keys = await connection.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"
        ),
        {"t": table},
    )
    indexes = await connection.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisprimary "
            "AND NOT i.indisunique ORDER BY c.relname"
        ),
        {"t": table},
    )
    return list(keys), list(indexes)


@asynccontextmanager
async def bulk_mode(connection: AsyncConnection, table: Table) -> AsyncIterator[None]:
    """On PostgreSQL, load `table` without its foreign keys and secondary indexes; on SQLite
    (where dropping them measured no faster) do nothing. Constraints come back validated."""
    if connection.dialect.name != "postgresql":
        yield
        return
    keys, indexes = await _pg_deferrable(connection, table.name)
    for name, _ in keys:
        await connection.execute(text(f'ALTER TABLE {table.name} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        await connection.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _, create in indexes:
        await connection.execute(text(create))
    for name, definition in keys:
        await connection.execute(
            text(f'ALTER TABLE {table.name} ADD CONSTRAINT "{name}" {definition}')
        )
    await connection.execute(text(f"ANALYZE {table.name}"))
