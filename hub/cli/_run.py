"""Shared plumbing for commands: run a coroutine against the configured database."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import create_engine
from hub.settings import get_settings

T = TypeVar("T")


def with_engine(work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work` on an engine for HUB_DATABASE_URL and dispose of the engine afterwards."""

    async def run() -> T:
        engine = create_engine(get_settings())
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())
