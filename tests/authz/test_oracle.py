"""Zero leaks, zero wrongful denials: random agreements and data, real GraphQL over HTTP,
compared with an oracle written in plain Python from the agreement rows (small_world.py)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.models.enums import Purpose, Role
from tests.authz.conftest import SmallHub
from tests.authz.small_world import PRINCIPALS, World, store, visible, worlds

LIST = "{ observations(filter: {}, first: 5000) { nodes { id grantedBy { reference version } } } }"
NESTED = "{ regions { authorities { observations(first: 500) { nodes { id } } } } }"


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
@settings(max_examples=200, deadline=None, suppress_health_check=CHECKS)
@given(world=worlds, purposes=PURPOSES)
async def test_each_principal_receives_exactly_what_agreements_allow_long(
    small: SmallHub, world: World, purposes: list[Purpose]
) -> None:
    await _check(small, world, purposes)
