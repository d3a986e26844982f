"""Helpers of the HTTP tests."""

from typing import Any

from sqlalchemy import select

from hub.audit.store import RECORD
from tests.support import World

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def last_record(world: World) -> Any:
    async with world.engine.connect() as connection:
        found = await connection.execute(select(RECORD).order_by(RECORD.c.id.desc()).limit(1))
        return found.one()
