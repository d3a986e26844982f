"""The HTTP edge: health endpoints, authentication, GraphiQL."""

import gc
from pathlib import Path

import pytest
from starlette.applications import Starlette

from hub.cli.demo import EXAMPLES
from hub.cli.serve import GC_THRESHOLDS, served_app
from hub.models.enums import Role
from hub.settings import get_settings
from tests.support import World

QUERY = {"query": "{ regions { code } }"}


async def test_health_needs_no_token(world: World) -> None:
    async with world.client() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "reachable"


async def test_missing_token_is_401_and_nothing_else(world: World) -> None:
    async with world.client() as client:
        response = await client.post("/graphql", json=QUERY)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()


async def test_bad_token_is_401(world: World) -> None:
    async with world.client(token="hub_not-a-real-token") as client:
        response = await client.post("/graphql", json=QUERY)
    assert response.status_code == 401


async def test_valid_token_reads(world: World) -> None:
    async with world.client(Role.RIEP_ANALYST) as client:
        response = await client.post("/graphql", json=QUERY)
    assert response.status_code == 200
    assert len(response.json()["data"]["regions"]) == 9


async def test_graphiql_page_in_a_browser(world: World) -> None:
    async with world.client() as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_me_names_the_token_holder(world: World) -> None:
    body = await world.graphql(Role.AUDITOR, "{ me { role organisationCode } }")
    assert body["data"]["me"] == {"role": "AUDITOR", "organisationCode": "hub-audit"}


async def test_the_demo_example_requests_work_for_their_roles(world: World) -> None:
    for role in Role:
        body = await world.graphql(role, EXAMPLES[role.value])
        assert "errors" not in body, (role, body)
        assert body["data"], role


def test_the_served_app_freezes_start_up_out_of_the_collector(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`hub serve` builds the app, freezes what start-up made and makes collections rarer."""
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    get_settings.cache_clear()
    thresholds = gc.get_threshold()
    try:
        app = served_app()
        assert isinstance(app, Starlette)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        get_settings.cache_clear()
