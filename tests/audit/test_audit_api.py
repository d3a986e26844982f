"""Auditors read the access log through GraphQL; authorities see who read their data."""

import pytest

from hub.models.enums import Role
from tests.audit.test_requests import OBSERVATIONS
from tests.support import World

pytestmark = pytest.mark.asyncio

RECORDS = """
query Log($filter: AccessRecordFilter, $first: Int, $after: String) {
  accessRecords(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id principal organisation role purpose outcome operationName
                          touched { kind authority source rows } recordHash } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SUMMARY = """
query Mine($authority: String) {
  accessToAuthorities(authority: $authority) {
    authority organisation role purpose day agreement agreementVersion requests rows
  }
}
"""


async def _nodes(world: World, role: Role, filter: dict[str, object]) -> list[dict[str, object]]:
    body = await world.graphql(role, RECORDS, {"filter": filter, "first": 500})
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["accessRecords"]["edges"]]


async def test_auditor_filters_by_principal_and_outcome(world: World) -> None:
    await world.graphql(Role.RIEP_ANALYST, "query Trace1 { me { name } }")
    nodes = await _nodes(world, Role.AUDITOR, {"principal": "demo-riep-analyst"})
    assert nodes
    assert {n["principal"] for n in nodes} == {"demo-riep-analyst"}
    assert nodes[-1]["operationName"] == "Trace1"
    assert nodes[-1]["organisation"] == "riep-north-east"
    denied = await _nodes(world, Role.AUDITOR, {"outcome": "DENIED"})
    assert all(n["outcome"] == "DENIED" for n in denied)


async def test_auditor_filters_by_authority_and_source(world: World) -> None:
    await world.graphql(Role.RIEP_ANALYST, OBSERVATIONS, {"filter": {}})
    touched = (await _nodes(world, Role.AUDITOR, {"principal": "demo-riep-analyst"}))[-1]
    some = touched["touched"][0]
    by_authority = await _nodes(world, Role.AUDITOR, {"authority": some["authority"]})
    assert by_authority
    assert all(any(t["authority"] == some["authority"] for t in n["touched"]) for n in by_authority)
    by_source = await _nodes(world, Role.AUDITOR, {"source": some["source"]})
    assert touched["id"] in {n["id"] for n in by_source}


async def test_paging_with_cursors(world: World) -> None:
    first = await world.graphql(Role.AUDITOR, RECORDS, {"first": 2})
    page = first["data"]["accessRecords"]
    assert len(page["edges"]) == 2
    assert page["pageInfo"]["hasNextPage"]
    after = page["pageInfo"]["endCursor"]
    second = await world.graphql(Role.AUDITOR, RECORDS, {"first": 2, "after": after})
    ids = [int(e["node"]["id"]) for e in page["edges"] + second["data"]["accessRecords"]["edges"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4


async def test_others_read_only_their_own_records(world: World) -> None:
    await world.graphql(Role.AUDITOR, "query AuditorWasHere { me { name } }")
    nodes = await _nodes(world, Role.RIEP_ANALYST, {})
    assert nodes
    assert {n["principal"] for n in nodes} == {"demo-riep-analyst"}


async def test_auditors_still_never_read_performance_values(world: World) -> None:
    body = await world.graphql(Role.AUDITOR, OBSERVATIONS, {"filter": {}})
    assert body["data"]["observations"]["edges"] == []


async def test_an_authority_sees_who_read_its_data(world: World) -> None:
    # The RIEP analyst of the North East reads observations, Newcastle's among them.
    await world.graphql(Role.RIEP_ANALYST, OBSERVATIONS, {"filter": {"authorities": ["E08000021"]}})
    body = await world.graphql(Role.AUTHORITY_OFFICER, SUMMARY)
    assert "errors" not in body, body
    rows = body["data"]["accessToAuthorities"]
    assert rows
    assert {r["authority"] for r in rows} == {"E08000021"}
    riep = [r for r in rows if r["organisation"] == "riep-north-east"]
    assert riep
    assert riep[0]["purpose"] == "early_warning"
    assert riep[0]["rows"] > 0
    # ... under Newcastle's current agreement, the one that shared it.
    assert {(r["agreement"], r["agreementVersion"]) for r in riep} == {("ISA-NET", 2)}
    own = [r for r in rows if r["role"] == "AUTHORITY_OFFICER"]
    assert all(r["agreement"] is None for r in own)  # its own data needs no agreement
    # Asking about another authority gives nothing.
    other = await world.graphql(Role.AUTHORITY_OFFICER, SUMMARY, {"authority": "E06000002"})
    assert other["data"]["accessToAuthorities"] == []


async def test_an_analyst_sees_no_authority_summary(world: World) -> None:
    body = await world.graphql(Role.RIEP_ANALYST, SUMMARY)
    assert body["data"]["accessToAuthorities"] == []
