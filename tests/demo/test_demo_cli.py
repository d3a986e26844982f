"""`hub demo` against a temporary SQLite file: loads once, then says so; tokens authenticate."""

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hub.auth.tokens import authenticate
from hub.cli import app
from hub.db import create_engine, session_factory
from hub.demo import DEMO_PRINCIPALS
from hub.models.enums import Role
from hub.settings import Settings, get_settings


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


async def hub_demo(*args: str) -> Result:
    """Run `hub demo ARGS` in a worker thread: the command runs its own event loop."""
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, ["demo", *args], env={"COLUMNS": "200"})


async def test_demo_loads_once_and_prints_working_tokens(database_url: str) -> None:
    first = await hub_demo("--scale", "tiny")
    assert first.exit_code == 0, first.output
    assert "demo loaded at scale tiny" in first.stdout
    assert re.search(r"observation\s+39,888", first.stdout)
    tokens = re.findall(r"Bearer (hub_[A-Za-z0-9_-]+)", first.stdout)
    assert len(tokens) == len(DEMO_PRINCIPALS)
    assert "curl -s http://" in first.stdout

    engine = create_engine(Settings(database_url=database_url))
    try:
        async with session_factory(engine)() as session:
            principal = await authenticate(session, tokens[0])
        assert principal is not None
        assert principal.role is Role.HUB_ADMIN
    finally:
        await engine.dispose()

    again = await hub_demo("--scale", "tiny", "--no-tokens")
    assert again.exit_code == 0, again.output
    assert "already holds the demo (scale tiny)" in again.stdout
    assert "Bearer" not in again.stdout


async def test_reset_reloads(database_url: str) -> None:
    assert (await hub_demo("--scale", "tiny", "--no-tokens")).exit_code == 0
    result = await hub_demo("--scale", "tiny", "--reset", "--no-tokens")
    assert result.exit_code == 0, result.output
    assert "demo loaded at scale tiny" in result.stdout
