"""Fixtures shared by every test: every storage and API test runs on SQLite and PostgreSQL."""

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.db import create_engine, session_factory, unit_of_work
from hub.demo import DEMO_PRINCIPALS, load_demo
from hub.migrate import upgrade
from hub.settings import Settings
from tests.support import BACKENDS, PG_ENV, PG_SKIP, StatementCounter, World, fresh_database


def pytest_report_header() -> str:
    if os.environ.get(PG_ENV):
        return f"PostgreSQL tests: on ({PG_ENV} is set)"
    return PG_SKIP


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not os.environ.get(PG_ENV):
        terminalreporter.write_line(PG_SKIP)


async def _migrated(url: str) -> AsyncEngine:
    engine = create_engine(Settings(database_url=url))
    await upgrade(engine)
    return engine


@pytest.fixture(params=BACKENDS)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database of its own for one test, on each backend."""
    async with fresh_database(request.param, tmp_path) as url:
        migrated = await _migrated(url)
        yield migrated
        await migrated.dispose()


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with fresh_database("sqlite", tmp_path) as url:
        migrated = await _migrated(url)
        yield migrated
        await migrated.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with fresh_database(request.param, tmp_path_factory.mktemp("world")) as url:
        app = create_app(Settings(database_url=url))
        engine: AsyncEngine = app.state.engine
        await upgrade(engine)
        await load_demo(engine, "tiny")
        counter = StatementCounter(engine, app.state.access_log.thread_engine)
        world = World(request.param, url, app, engine, counter)
        async with unit_of_work(session_factory(engine)) as session:
            for org_code, role, name in DEMO_PRINCIPALS:
                world.tokens[role] = await issue_token(
                    session, org_code=org_code, role=role, name=name
                )
        yield world
        await engine.dispose()
