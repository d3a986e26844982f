"""A hub of its own for the fuzz tests: a fresh database per test with the tiny demo loaded, a
token per demo role, and no rate limit (hundreds of requests per test would drain a bucket).

The shared `world` is left alone: fuzzed mutations and rejected batches change what they reach.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.db import session_factory, unit_of_work
from hub.demo import DEMO_PRINCIPALS, load_demo
from hub.models.enums import Role
from hub.settings import Settings


@dataclass
class FuzzHub:
    app: Any
    tokens: dict[Role, str] = field(default_factory=dict)

    def client(self) -> httpx.AsyncClient:
        # raise_app_exceptions=False: an unhandled exception is answered as the server would
        # answer it (a 500), and the test reports that response rather than a traceback.
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://hub.test")


@pytest.fixture
async def fuzz_hub(engine: AsyncEngine) -> AsyncIterator[FuzzHub]:
    await load_demo(engine, "tiny")
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, rate_limit_per_minute=0))
    hub = FuzzHub(app)
    async with unit_of_work(session_factory(engine)) as session:
        for org_code, role, name in DEMO_PRINCIPALS:
            hub.tokens[role] = await issue_token(session, org_code=org_code, role=role, name=name)
    yield hub
    await app.state.engine.dispose()
