"""The PostgreSQL engine's settings: plans made for each statement's actual values (asyncpg
keeps statements prepared, and PostgreSQL's generic plan for the policy's filters over arrays
of ids was several times slower), no JIT compilation (it took longer than the statements it
compiled), the statement timeout beside it when set, reads outside
transactions, and the one-round-trip ping that replaces a connection the server dropped."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import create_engine, reads
from hub.settings import Settings
from tests.support import fresh_database


@pytest.mark.postgres
@pytest.mark.parametrize("timeout_ms", [0, 2500])
async def test_every_connection_plans_for_its_values(tmp_path: Path, timeout_ms: int) -> None:
    async with fresh_database("postgresql", tmp_path) as url:
        engine = create_engine(Settings(database_url=url, db_statement_timeout_ms=timeout_ms))
        try:
            async with engine.connect() as connection:
                mode = await connection.scalar(text("SHOW plan_cache_mode"))
                jit = await connection.scalar(text("SHOW jit"))
                timeout = await connection.scalar(text("SHOW statement_timeout"))
        finally:
            await engine.dispose()
    assert mode == "force_custom_plan"
    assert jit == "off"
    assert timeout == ("2500ms" if timeout_ms else "0")


@pytest.mark.postgres
async def test_reads_run_outside_a_transaction_and_writes_inside_one(tmp_path: Path) -> None:
    """Reads in autocommit (no BEGIN and ROLLBACK round trips around each), while the engine
    itself keeps its transactions for writes."""
    async with fresh_database("postgresql", tmp_path) as url:
        engine = create_engine(Settings(database_url=url))
        try:
            async with reads(engine).connect() as connection:
                await connection.execute(text("SELECT 1"))
                read_in_transaction = await _in_transaction(connection)
            async with engine.begin() as connection:
                await connection.execute(text("SELECT 1"))
                write_in_transaction = await _in_transaction(connection)
            async with engine.connect() as connection:  # the read's setting does not linger
                await connection.execute(text("SELECT 1"))
                after_in_transaction = await _in_transaction(connection)
        finally:
            await engine.dispose()
    assert (read_in_transaction, write_in_transaction, after_in_transaction) == (False, True, True)


async def _in_transaction(connection: AsyncConnection) -> bool:
    raw = await connection.get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())  # type: ignore[union-attr]


@pytest.mark.postgres
async def test_a_pooled_connection_the_server_dropped_is_replaced_unseen(tmp_path: Path) -> None:
    """The ping on checkout: a connection the server ended while it sat in the pool (a
    restart, an idle timeout) is replaced before it is lent, so the read succeeds."""
    async with fresh_database("postgresql", tmp_path) as url:
        engine = create_engine(Settings(database_url=url, db_pool_size=1))
        other = create_engine(Settings(database_url=url))
        try:
            async with reads(engine).connect() as connection:
                pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            async with other.connect() as connection:
                ended = text("SELECT pg_terminate_backend(:pid)")
                assert await connection.scalar(ended, {"pid": pid}) is True
            async with reads(engine).connect() as connection:
                again = await connection.scalar(text("SELECT pg_backend_pid()"))
        finally:
            await engine.dispose()
            await other.dispose()
    assert again != pid


def test_reads_on_sqlite_use_the_engine_itself() -> None:
    engine = create_engine(Settings(database_url="sqlite+aiosqlite://"))
    assert reads(engine) is engine
