"""The small authorisation world served over HTTP, with a token for every principal."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.db import session_factory, unit_of_work
from hub.models.enums import Purpose, Role
from hub.settings import Settings
from tests.authz.small_world import PRINCIPALS, load_reference


@dataclass
class SmallHub:
    engine: AsyncEngine
    client: httpx.AsyncClient
    tokens: dict[tuple[str, Role], str]

    async def ask(self, who: tuple[str, Role], purpose: Purpose, query: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", "X-Hub-Purpose": purpose.value}
        response = await self.client.post("/graphql", json={"query": query}, headers=headers)
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def raw(self, who: tuple[str, Role], purpose: Purpose, query: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", "X-Hub-Purpose": purpose.value}
        response = await self.client.post("/graphql", json={"query": query}, headers=headers)
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def small(engine: AsyncEngine) -> AsyncIterator[SmallHub]:
    await load_reference(engine)
    tokens = {}
    async with unit_of_work(session_factory(engine)) as session:
        for org, role in PRINCIPALS:
            tokens[(org, role)] = await issue_token(session, org_code=org, role=role)
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield SmallHub(engine, client, tokens)
    await app.state.engine.dispose()
