"""An app with its own settings on the demo world's database, for the limits and headers tests."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from hub.app import create_app
from hub.settings import Settings
from tests.support import World

AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app_client(world: World) -> AppClient:
    """`async with app_client(token, **settings) as client:` a client of an app with those
    settings on the world's database, sending `token` as its bearer."""

    @asynccontextmanager
    async def client(token: str | None, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(Settings(database_url=world.url, **settings))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://hub.test", headers=headers
            ) as http:
                yield http
        finally:
            await app.state.engine.dispose()

    return client
