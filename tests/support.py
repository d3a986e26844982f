"""Test support shared by every test module: fresh databases on both backends, a demo world.

PostgreSQL runs only where HUB_TEST_DATABASE_URL names a server (e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test); each database made here is created on that
server and dropped afterwards.
"""

import os
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub.auth.tokens import issue_token
from hub.db import session_factory, unit_of_work
from hub.models.enums import Role

PG_ENV = "HUB_TEST_DATABASE_URL"
PG_SKIP = (
    f"PostgreSQL tests skipped: set {PG_ENV} to run them, e.g. "
    f"{PG_ENV}=postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def _on_server(server_url: str, sql: str) -> None:
    """Run CREATE/DROP DATABASE outside a transaction on the server of `server_url`."""
    admin = create_async_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await admin.dispose()


@asynccontextmanager
async def fresh_database(backend: str, directory: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database on `backend`, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'hub-{secrets.token_hex(4)}.db'}"
        return
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(PG_SKIP)
    name = f"hub_test_{secrets.token_hex(6)}"
    await _on_server(server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        await _on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_VERSION_LOOKUP = re.compile(r"SELECT (grant_line_\d+)\.authority_id, min\(\1\.version_id\)")
_WRITES = re.compile(r"\bAS\s*\(\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class StatementCounter:
    """Counts SQL statements an engine sends, to prove a query has no N+1."""

    def __init__(self, engine: AsyncEngine, *more: Engine | None) -> None:
        """`more`: other engines of the same app (the access log's thread engine on SQLite)."""
        self.statements: list[str] = []
        self.active = False
        for sync in (engine.sync_engine, *more):
            if sync is not None:
                event.listen(sync, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def reads(self) -> list[str]:
        """Statements that only read (a WITH of INSERTs, as PostgreSQL's access record is
        written, writes)."""
        return [
            s
            for s in self.statements
            if s.lstrip().upper().startswith(("SELECT", "WITH")) and not _WRITES.search(s)
        ]

    def reading(self, table: str) -> int:
        """Statements that read `table` (its name after FROM or JOIN)."""
        pattern = re.compile(rf"\b(FROM|JOIN)\s+{table}\b", re.IGNORECASE)
        return sum(1 for s in self.reads if pattern.search(s))

    @property
    def version_lookups(self) -> int:
        """Statements that only look up the agreement versions behind rows already read
        (Reader.granting_versions), for the access record."""
        return sum(1 for s in self.reads if _VERSION_LOOKUP.match(s.lstrip()))

    @contextmanager
    def counting(self) -> Iterator["StatementCounter"]:
        self.statements, self.active = [], True
        try:
            yield self
        finally:
            self.active = False


@dataclass
class World:
    """A migrated database with the tiny demo loaded, the app on it, and a token per role."""

    backend: str
    url: str
    app: Any
    engine: AsyncEngine
    statements: StatementCounter
    tokens: dict[Role, str] = field(default_factory=dict)

    async def token(self, org_code: str, role: Role, name: str | None = None) -> str:
        """A token for another principal of the demo world."""
        async with unit_of_work(session_factory(self.engine)) as session:
            return await issue_token(session, org_code=org_code, role=role, name=name)

    def client(self, role: Role | None = None, token: str | None = None) -> httpx.AsyncClient:
        headers = {}
        bearer = token if token is not None else (self.tokens[role] if role else None)
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=headers)

    async def graphql(
        self,
        role: Role | None,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        headers = {"X-Hub-Purpose": purpose} if purpose else {}
        async with self.client(role, token=token) as client:
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
        body: dict[str, Any] = response.json()
        return body

    async def every_page(
        self,
        role: Role | None,
        query: str,
        field: str,
        variables: dict[str, Any],
        *,
        token: str | None = None,
    ) -> list[dict[str, Any]]:
        """The nodes of every page of the connection `field`, following its cursors (`query`
        takes them as `$after`)."""
        found: list[dict[str, Any]] = []
        after = None
        for _ in range(1000):
            body = await self.graphql(role, query, {**variables, "after": after}, token=token)
            assert "errors" not in body, body
            page = body["data"][field]
            found += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]
        raise AssertionError(f"{field}: more than 1000 pages")
