"""Bring a database to the newest Alembic revision (`hub db upgrade`)."""

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import lift_statement_timeout


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "hub:migrations")
    config.attributes["database_url"] = database_url
    return config


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    lift_statement_timeout(connection)  # a migration may rewrite large tables
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the engine's database to `revision`; safe to run again (a no-op at head)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, config, revision)
