"""Zero leaks, zero wrongful denials: random agreements and data, real GraphQL over HTTP,
compared with an oracle written in plain Python from the agreement rows (small_world.py)."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.db import session_factory, unit_of_work
from hub.models.enums import Purpose, Role
from hub.settings import Settings
from tests.authz.small_world import PRINCIPALS, World, load_reference, store, visible, worlds

LIST = "{ observations(filter: {}, first: 5000) { nodes { id grantedBy { reference version } } } }"
NESTED = "{ regions { authorities { observations(first: 500) { nodes { id } } } } }"


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
        return body["data"]


@pytest.fixture
async def small(engine: AsyncEngine) -> Any:
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


async def _check(small: SmallHub, world: World, purposes: list[Purpose]) -> None:
    ids = await store(small.engine, world)
    for who, purpose in zip(PRINCIPALS, purposes, strict=True):
        expected = {ids[i] for i, r in enumerate(world.records) if visible(world, *who, purpose, r)}
        nodes = (await small.ask(who, purpose, LIST))["observations"]["nodes"]
        assert {int(n["id"]) for n in nodes} == expected, (who, purpose)
        for n in nodes:
            record = world.records[ids.index(int(n["id"]))]
            if who[1] in (Role.AUTHORITY_OFFICER, Role.SUBMITTER):
                continue  # their own data: no agreement needed, so none is named
            versions = world.agreements[record.authority]
            assert n["grantedBy"] == {
                "reference": f"ISA-{record.authority}",
                "version": len(versions),
            }
        regions = (await small.ask(who, purpose, NESTED))["regions"]
        nested = {
            int(n["id"])
            for region in regions
            for authority in region["authorities"]
            for n in authority["observations"]["nodes"]
        }
        assert nested == expected, (who, purpose, "nested")


PURPOSES = st.lists(
    st.sampled_from(list(Purpose)), min_size=len(PRINCIPALS), max_size=len(PRINCIPALS)
)
CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=25, deadline=None, suppress_health_check=CHECKS)
@given(world=worlds, purposes=PURPOSES)
async def test_each_principal_receives_exactly_what_agreements_allow(
    small: SmallHub, world: World, purposes: list[Purpose]
) -> None:
    await _check(small, world, purposes)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=CHECKS)
@given(world=worlds, purposes=PURPOSES)
async def test_each_principal_receives_exactly_what_agreements_allow_long(
    small: SmallHub, world: World, purposes: list[Purpose]
) -> None:
    await _check(small, world, purposes)
