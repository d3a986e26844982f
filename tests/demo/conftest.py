"""The tiny demo in a fresh SQLite file, loaded once per test module."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.demo.demo_checks import tiny_demo


@pytest.fixture(scope="module")
async def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """The tiny demo, loaded once per module into a fresh SQLite file."""
    engine = await tiny_demo(tmp_path_factory.mktemp("demo") / "hub.db")
    yield engine
    await engine.dispose()
