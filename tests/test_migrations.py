"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from hub.db import create_engine
from hub.migrate import upgrade
from hub.models import Base
from hub.settings import Settings
from tests.support import BACKENDS, fresh_database


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_models_and_migrations_agree(backend: str, tmp_path: Path) -> None:
    async with fresh_database(backend, tmp_path) as url:
        engine = create_engine(Settings(database_url=url))
        try:
            await upgrade(engine)
            await upgrade(engine)  # at head already: a second run changes nothing
            async with engine.connect() as connection:
                assert await connection.run_sync(_differences) == []
                tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        finally:
            await engine.dispose()
    assert set(Base.metadata.tables) <= tables
