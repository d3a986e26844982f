"""The same load on PostgreSQL (COPY, constraints dropped and restored): the same rows as SQLite.

Runs only where HUB_TEST_DATABASE_URL names a PostgreSQL server, e.g.
HUB_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test; the database it loads is
created for the test and dropped afterwards.
"""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.demo import demo_loaded, load_demo, reset_demo
from hub.demo.state import table_counts
from tests.demo.demo_checks import judgement_checksum, migrated, observation_checksum
from tests.support import fresh_database

pytestmark = pytest.mark.postgres


async def _constraints(engine: AsyncEngine) -> set[str]:
    sql = (
        "SELECT conname FROM pg_constraint WHERE conrelid = 'observation'::regclass "
        "UNION ALL SELECT indexname FROM pg_indexes WHERE tablename = 'observation'"
    )
    async with engine.connect() as connection:
        return set((await connection.execute(text(sql))).scalars())


async def test_postgres_load_matches_sqlite(demo_engine: AsyncEngine, tmp_path: Path) -> None:
    async with fresh_database("postgresql", tmp_path) as url:
        engine = await migrated(url)
        try:
            constraints = await _constraints(engine)
            counts = await load_demo(engine, "tiny")
            assert counts == await table_counts(demo_engine)
            assert await _constraints(engine) == constraints  # restored after the bulk load
            assert await observation_checksum(engine) == await observation_checksum(demo_engine)
            assert await judgement_checksum(engine) == await judgement_checksum(demo_engine)
            assert await load_demo(engine, "tiny") == counts  # again: a no-op
            await reset_demo(engine)
            assert not await demo_loaded(engine)
            await load_demo(engine, "tiny")
            assert await observation_checksum(engine) == await observation_checksum(demo_engine)
        finally:
            await engine.dispose()
