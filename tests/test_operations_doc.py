"""docs/operations.md: a backup taken while the hub is in use restores to a database on which
`hub audit verify` passes and a query answers; the `hub` commands the page shows exist."""

import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from hub.app import create_app
from hub.audit.verify import verify
from hub.auth.tokens import issue_token
from hub.cli import app as cli
from hub.db import create_engine, session_factory, unit_of_work
from hub.demo import load_demo
from hub.migrate import upgrade
from hub.models.enums import Role
from hub.settings import Settings
from tests.support import fresh_database

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
HUB = str(Path(sys.executable).with_name("hub"))
KEY = "operations-doc-test-signing-key-0123456789"
QUERY = '{ authority(code: "E08000021") { name observations(first: 3) { nodes { value } } } }'


def _hub(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_AUDIT_SIGNING_KEY": KEY}
    return subprocess.run(
        [HUB, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def _in_use(url: str) -> str:
    """A demo database that has served requests; returns an authority officer's token."""
    app = create_app(Settings(database_url=url, audit_signing_key=KEY))
    engine = app.state.engine
    try:
        await upgrade(engine)
        await load_demo(engine, "tiny")
        async with unit_of_work(session_factory(engine)) as session:
            token = await issue_token(session, org_code="E08000021", role=Role.AUTHORITY_OFFICER)
        for _ in range(3):
            assert (await _query(app, token))["data"]["authority"]["name"]
    finally:
        await engine.dispose()
    return token


@asynccontextmanager
async def app_engine_for(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=url))
    try:
        yield engine
    finally:
        await engine.dispose()


async def _query(app: object, token: str) -> dict[str, object]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        response = await client.post(
            "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def _restored_works(url: str, token: str) -> None:
    verified = _hub(url, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    app = create_app(Settings(database_url=url, audit_signing_key=KEY))
    try:
        body = await _query(app, token)
    finally:
        await app.state.engine.dispose()  # type: ignore[attr-defined]
    assert "errors" not in body, body
    nodes = body["data"]["authority"]["observations"]["nodes"]  # type: ignore[index]
    assert nodes
    async with app_engine_for(url) as engine:  # and the query's own record extends the chain
        assert (await verify(engine, KEY.encode())).ok


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command is not installed")
@pytest.mark.parametrize("how", ["backup", "vacuum"])
async def test_sqlite_backup_restores(tmp_path: Path, how: str) -> None:
    live = tmp_path / "hub.db"
    token = await _in_use(f"sqlite+aiosqlite:///{live}")
    command = ".backup 'hub-backup.db'" if how == "backup" else "VACUUM INTO 'hub-backup.db'"
    assert f'sqlite3 hub.db "{command}"' in DOC  # the command the page shows
    await asyncio.to_thread(
        subprocess.run, ["sqlite3", "hub.db", command], cwd=tmp_path, check=True, timeout=60
    )
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(tmp_path / "hub-backup.db", restored / "hub.db")
    await _restored_works(f"sqlite+aiosqlite:///{restored / 'hub.db'}", token)


@pytest.mark.postgres
@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump and pg_restore are not on the PATH",
)
async def test_postgresql_dump_restores(tmp_path: Path) -> None:
    async with fresh_database("postgresql", tmp_path) as url:
        token = await _in_use(url)
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = tmp_path / "hub.dump"
        await asyncio.to_thread(
            subprocess.run,
            ["pg_dump", "--format=custom", f"--file={dump}", libpq],
            check=True,
            timeout=120,
        )
        async with fresh_database("postgresql", tmp_path) as restored_url:
            target = make_url(restored_url).set(drivername="postgresql")
            await asyncio.to_thread(
                subprocess.run,
                [
                    "pg_restore",
                    "--no-owner",
                    f"--dbname={target.render_as_string(hide_password=False)}",
                    str(dump),
                ],
                check=True,
                timeout=120,
            )
            await _restored_works(restored_url, token)


def test_the_commands_shown_exist() -> None:
    """Every `hub ...` command line in the page's code blocks names a real command."""
    blocks = "\n".join(DOC.split("```")[1::2])
    shown = {
        tuple(w for w in match.groups() if w)
        for match in re.finditer(r"\.venv/bin/hub ([a-z]+)(?: ([a-z]+))?", blocks)
    }
    assert {("db", "upgrade"), ("audit", "verify"), ("serve",)} <= shown
    for words in shown:
        result = CliRunner().invoke(cli, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
