"""The demo's state in a database: is it there, at what scale; how many rows; empty it all.

`reset_demo` deletes every row of every table but Alembic's (the access log and tokens too), so
`hub demo --reset` starts from a clean, migrated database.
"""

from __future__ import annotations

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.demo.reference import table_of
from hub.models import Base, IngestBatch
from hub.models.enums import BatchStatus

DEMO_FORMAT = "demo"


def _has_tables(connection: Connection) -> bool:
    return inspect(connection).has_table(table_of(IngestBatch).name)


async def loaded_scale(engine: AsyncEngine) -> str | None:
    """The scale of the demo this database holds, or None (also for an unmigrated database)."""
    async with engine.connect() as connection:
        if not await connection.run_sync(_has_tables):
            return None
        key = await connection.scalar(
            select(IngestBatch.idempotency_key)
            .where(IngestBatch.format == DEMO_FORMAT, IngestBatch.status == BatchStatus.APPLIED)
            .limit(1)
        )
    return None if key is None else str(key).split(":")[1]


async def demo_loaded(engine: AsyncEngine) -> bool:
    return await loaded_scale(engine) is not None


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows in every table of the hub's schema."""
    counts: dict[str, int] = {}
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(
                await connection.scalar(select(func.count()).select_from(table)) or 0
            )
    return counts


async def reset_demo(engine: AsyncEngine) -> None:
    """Delete every row of every table but Alembic's, on SQLite or PostgreSQL."""
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        names = [n for n in names if n != "alembic_version"]
        if not names:
            return
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            await connection.commit()
            return
        # With foreign keys on, SQLite looks for children of every deleted row (observation
        # refers to itself, unindexed): minutes. Off, `DELETE FROM t` just empties the table.
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            for name in names:
                await connection.exec_driver_sql(f'DELETE FROM "{name}"')  # noqa: S608
            await connection.commit()
        finally:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
