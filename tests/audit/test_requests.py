"""Every HTTP request leaves an access record: allowed, denied, refused or failed."""

from typing import Any

import pytest
from graphql import GraphQLNamedType, get_named_type
from graphql.type import GraphQLNonNull, GraphQLObjectType

from hub.audit.store import AccessLog
from hub.models.enums import Role
from tests.audit.helpers import last_record, records_after, touches_of
from tests.support import World

pytestmark = pytest.mark.asyncio

OBSERVATIONS = """
query Panel($filter: ObservationFilter!) {
  observations(filter: $filter, first: 50) { edges { node { id } } }
}
"""


async def test_an_allowed_query_is_recorded(world: World) -> None:
    body = await world.graphql(Role.RIEP_ANALYST, "query Who { me { name } }")
    assert "errors" not in body
    record = await last_record(world.engine)
    assert record.role == "riep_analyst"
    assert record.principal_id is not None
    assert record.organisation_id is not None
    assert record.purpose == "early_warning"
    assert (record.operation_type, record.operation_name) == ("query", "Who")
    assert record.outcome == "allowed"
    assert len(record.document_hash) == 64
    assert record.client_addr == "127.0.0.1"
    assert record.user_agent.startswith("python-httpx")
    assert record.record_hash
    assert record.prev_hash


async def test_rows_returned_are_counted_per_authority_and_source(world: World) -> None:
    body = await world.graphql(Role.RIEP_ANALYST, OBSERVATIONS, {"filter": {}})
    returned = len(body["data"]["observations"]["edges"])
    assert returned == 50  # a full page: the statement read a 51st row to learn of a next one
    record = await last_record(world.engine)
    assert sum(t["rows"] for t in record.touched) == returned  # the look-ahead row was not sent
    assert {t["kind"] for t in record.touched} == {"Observation"}
    touches = await touches_of(world.engine, record.id)
    assert sorted((t.authority_id, t.source_id, t.rows) for t in touches) == sorted(
        (t["authority_id"], t["source_id"], t["rows"]) for t in record.touched
    )


PAGED_PER_AUTHORITY = """
query Paged($region: String!) {
  region(code: $region) { authorities { gssCode
    observations(first: 3) { nodes { id } pageInfo { hasNextPage } } } }
}
"""


async def test_rows_of_pages_per_authority_are_counted_as_sent(world: World) -> None:
    body = await world.graphql(Role.RIEP_ANALYST, PAGED_PER_AUTHORITY, {"region": "E12000001"})
    pages = [a["observations"] for a in body["data"]["region"]["authorities"]]
    assert any(p["pageInfo"]["hasNextPage"] for p in pages)  # some rows were left unsent
    record = await last_record(world.engine)
    assert sum(t["rows"] for t in record.touched) == sum(len(p["nodes"]) for p in pages)


async def test_secrets_in_variables_are_redacted(world: World) -> None:
    token = world.tokens[Role.AUDITOR]
    await world.graphql(
        Role.AUDITOR,
        "query Q($apiToken: String, $x: String) { me { name } }",
        {"apiToken": "sekrit", "x": token},
    )
    record = await last_record(world.engine)
    assert record.variables == {"apiToken": "[REDACTED]", "x": "[REDACTED]"}
    assert token not in str(record._asdict())


async def test_a_refused_single_object_is_recorded_as_denied(world: World) -> None:
    body = await world.graphql(Role.AUDITOR, 'query Peek { observation(id: "1") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    record = await last_record(world.engine)
    assert (record.role, record.outcome, record.operation_name) == ("auditor", "denied", "Peek")


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_unauthenticated_requests_are_recorded(world: World, token: str | None) -> None:
    async with world.client(token=token) as client:
        response = await client.post("/graphql", json={"query": "{ me { name } }"})
    assert response.status_code == 401
    record = await last_record(world.engine)
    assert (record.outcome, record.principal_id, record.role) == ("unauthenticated", None, None)
    assert record.operation_type == "graphql"
    if token:
        assert token not in str(record._asdict())


async def test_an_unknown_purpose_is_recorded_as_an_error(world: World) -> None:
    body = await world.graphql(Role.IDEA_ANALYST, "{ me { name } }", purpose="gossip")
    assert body["errors"]
    record = await last_record(world.engine)
    assert (record.role, record.outcome, record.purpose) == ("idea_analyst", "error", None)


async def test_an_invalid_document_is_recorded_as_an_error(world: World) -> None:
    await world.graphql(Role.HUB_ADMIN, "query Bad { nonsense }")
    record = await last_record(world.engine)
    assert (record.role, record.outcome, record.operation_name) == ("hub_admin", "error", "Bad")


async def test_a_record_that_cannot_be_written_fails_the_request(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: AccessLog, fields: dict[str, Any]) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(AccessLog, "append", broken)
    async with world.client(Role.RIEP_ANALYST) as client:
        response = await client.post(
            "/graphql", json={"query": OBSERVATIONS, "variables": {"filter": {}}}
        )
    assert response.status_code == 500
    assert "observations" not in response.text


def _root_fields(world: World) -> list[tuple[str, str, Any]]:
    schema = world.app.routes[2].endpoint.schema._schema  # the /graphql route's strawberry schema
    found = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for name, field in root.fields.items():
            found.append((kind, name, field))
    return found


def _document(kind: str, name: str, field: Any) -> str:
    """The field called with no arguments: required ones missing is a validation error, which
    must be recorded just the same."""
    named: GraphQLNamedType = get_named_type(field.type)
    selection = " { __typename }" if isinstance(named, GraphQLObjectType) else ""
    if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
        return f"{kind} Walk_{name} {{ {name}{selection} }}"
    return f"{kind} Walk_{name} {{ {name}{selection} }}"


async def test_every_root_field_leaves_a_record(world: World) -> None:
    """Completeness: each query and mutation field, called by each role, is recorded with that
    principal and an outcome."""
    fields = _root_fields(world)
    assert len(fields) > 10
    for role in (Role.RIEP_ANALYST, Role.AUDITOR):
        for kind, name, field in fields:
            before = (await last_record(world.engine)).id
            async with world.client(role) as client:
                response = await client.post(
                    "/graphql", json={"query": _document(kind, name, field)}
                )
            assert response.status_code == 200, (name, response.text)
            new = await records_after(world.engine, before)
            assert len(new) == 1, name
            assert new[0].role == role.value, name
            assert new[0].operation_name == f"Walk_{name}", name
            assert new[0].operation_type == kind, name
            expected = "allowed" if "errors" not in response.json() else new[0].outcome
            assert new[0].outcome == expected, name
            assert new[0].outcome in {"allowed", "denied", "error", "limited"}, name
