"""The PostgreSQL engine's session settings: plans made for each statement's actual values
(asyncpg keeps statements prepared, and PostgreSQL's generic plan for the policy's filters over
arrays of ids was several times slower), and the statement timeout beside it when set."""

from pathlib import Path

import pytest
from sqlalchemy import text

from hub.db import create_engine
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
                timeout = await connection.scalar(text("SHOW statement_timeout"))
        finally:
            await engine.dispose()
    assert mode == "force_custom_plan"
    assert timeout == ("2500ms" if timeout_ms else "0")
