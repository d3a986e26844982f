"""The agreement versions an access record names come from the statements that read the rows
(Reader.with_versions, the written paths) and are the ones the separate lookup finds
(Reader.granting_versions), for every role; such a request looks none up afterwards."""

from typing import Any

import pytest

from hub.authz import Gate
from hub.models.enums import Role
from hub.query.bound import BUILT
from tests.audit.helpers import last_record
from tests.support import World

# The region's authorities with their assessments, flags and a page of observations each,
# on the Python path (an alias keeps the page off the written path, which tests of its own
# cover): every kind of row that now names its versions itself.
QUERY = """query Overview($region: String!) {
  region(code: $region) { authorities { code
    assessments { framework score }
    flags { kind }
    observations(first: 5) { nodes { id value: value } } } } }"""
REGIONS = ["E12000001", "E12000008"]

# The same kinds asked for across the hub, a page of each (Query.observations on its Python
# path: the alias again), as the national table asks.
LISTS = """query Lists($region: String!) {
  observations(filter: {region: $region}, first: 40) { nodes { id value: value } }
  assessments(filter: {region: $region}, first: 40) { nodes { framework score } }
  flags(filter: {region: $region}, first: 40) { nodes { kind } } }"""


def _touches(record: Any) -> list[tuple[Any, ...]]:
    keys = ("kind", "authority_id", "source_id", "rows", "agreement_version_id")
    return sorted(tuple(t[k] or 0 for k in keys) for t in record.touched or [])


@pytest.mark.parametrize("query", [QUERY, LISTS], ids=["overview", "lists"])
@pytest.mark.parametrize("region", REGIONS)
async def test_the_versions_beside_the_rows_are_those_looked_up(
    world: World, region: str, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = 0
    for role in world.tokens:
        with world.statements.counting() as counter:
            body = await world.graphql(role, query, {"region": region})
        beside = _touches(await last_record(world.engine))
        assert "errors" not in body, (role, body)
        assert counter.version_lookups == 0, role
        with monkeypatch.context() as patched:  # no versions beside: looked up afterwards
            patched.setattr(Gate, "versions_beside", lambda *_: None)
            BUILT.clear()  # statements built once, with their versions beside
            with world.statements.counting() as counter:
                assert await world.graphql(role, query, {"region": region}) == body
            looked_up = _touches(await last_record(world.engine))
        BUILT.clear()  # nor keep those built without them
        assert beside == looked_up, role
        named += sum(1 for t in beside if t[-1])
        if beside and role is Role.RIEP_ANALYST:
            assert counter.version_lookups >= 1  # the comparison covers the lookup
    assert named or region != REGIONS[0]  # versions were compared, not only their absence
