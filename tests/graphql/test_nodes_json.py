"""Observations written as JSON by PostgreSQL (an authority's pages, a page of the
observations query), or on SQLite by Python from the Python path's rows (hub.query.nodes_py),
answer exactly what GraphQL's own completion answers, for every role, field and page, with
the same rows in the access record; any other selection goes the Python way."""

from typing import Any

import pytest
from strawberry.types.nodes import SelectedField

from hub.models.enums import Role
from hub.query import nodes_json, nodes_py
from hub.query.nodes_json import Shape, shape_of
from tests.audit.helpers import last_record
from tests.support import World

NODES = """__typename id period periodStart periodEnd value target status
    indicator { code title unit polarity themeCode isDemo __typename }
    authority { __typename gssCode code snac name shortName type }"""
QUERY = """query Written($region: String!, $from: Date, $first: Int, $after: String) {
  region(code: $region) { authorities { code
    observations(periodFrom: $from, first: $first, after: $after) {
      __typename pageInfo { hasNextPage endCursor } %s } } }
}"""
REGIONS = ["E12000001", "E12000008"]  # agreements of every kind in the first
TOP = """query Written($filter: ObservationFilter!, $first: Int, $after: String) {
  observations(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } %s } }"""


def _written(statements: list[str]) -> int:
    return sum("string_agg" in s and "row_number" in s for s in statements)


def _key_order(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, _key_order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_key_order(v) for v in value]
    return None


def _key(touch: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("kind", "authority_id", "source_id", "rows", "agreement_version_id")
    return tuple(touch[k] or 0 for k in keys)


async def _both_ways(
    world: World, role: Any, variables: dict[str, Any], query: str = QUERY
) -> dict[str, Any]:
    in_python: list[nodes_py.WrittenPage | None] = []

    def spied(*args: Any) -> nodes_py.WrittenPage | None:
        in_python.append(page_in_python(*args))
        return in_python[-1]

    page_in_python = nodes_py.page
    with world.statements.counting() as counter, pytest.MonkeyPatch.context() as patched:
        patched.setattr(nodes_py, "page", spied)
        written = await world.graphql(role, query % f"nodes {{ {NODES} }}", variables)
        written_in_python = list(in_python)
        in_python.clear()
        written_statements = list(counter.statements)  # the world's counter: it starts over
        written_lookups = counter.version_lookups
        written_touches = (await last_record(world.engine)).touched or []
        with world.statements.counting() as counter:
            python = await world.graphql(role, query % f"nodes: nodes {{ {NODES} }}", variables)
    python_touches = (await last_record(world.engine)).touched or []
    assert "errors" not in written, (role, written)
    assert written == python, role
    assert _key_order(written) == _key_order(python)  # the selection's order, in every object
    assert sorted(written_touches, key=_key) == sorted(python_touches, key=_key), role
    if role is Role.RIEP_ANALYST and python_touches:  # the versions are compared too
        assert any(t["agreement_version_id"] for t in python_touches)
    expected = 1 if world.backend == "postgresql" else 0
    assert _written(written_statements) == expected
    assert _written(counter.statements) == 0
    assert not in_python  # the alias: completed by GraphQL
    if not expected:  # SQLite: every page written by Python, none left to GraphQL
        assert written_in_python
        assert None not in written_in_python
    if expected:  # the written statement names the agreement versions: none looked up apart
        assert written_lookups == 0
    return written


@pytest.mark.parametrize(
    ("region", "first"), [(REGIONS[0], 0), (REGIONS[0], 3), (REGIONS[0], 200), (REGIONS[1], 20)]
)
async def test_written_nodes_answer_as_the_python_path_for_every_role(
    world: World, region: str, first: int
) -> None:
    for role in world.tokens:
        await _both_ways(world, role, {"region": region, "from": "2008-01-01", "first": first})


async def test_the_next_page_is_written_the_same(world: World) -> None:
    variables: dict[str, Any] = {"region": REGIONS[0], "from": "2008-01-01", "first": 3}
    first = await _both_ways(world, Role.RIEP_ANALYST, variables)
    pages = [a["observations"] for a in first["data"]["region"]["authorities"]]
    cursor = next(p["pageInfo"]["endCursor"] for p in pages if p["pageInfo"]["hasNextPage"])
    second = await _both_ways(world, Role.RIEP_ANALYST, {**variables, "after": cursor})
    assert any(a["observations"]["nodes"] for a in second["data"]["region"]["authorities"])


@pytest.mark.parametrize("first", [0, 7, 400])
async def test_a_page_of_the_observations_query_is_written_the_same(
    world: World, first: int
) -> None:
    variables: dict[str, Any] = {"filter": {"region": REGIONS[0]}, "first": first}
    paged = 0
    for role in world.tokens:
        body = await _both_ways(world, role, variables, TOP)
        page = body["data"]["observations"]
        if first == 7 and page["pageInfo"]["hasNextPage"]:  # and the next page
            after = {**variables, "after": page["pageInfo"]["endCursor"]}
            await _both_ways(world, role, after, TOP)
            paged += 1
    assert paged or first != 7


def _field(name: str, *selections: SelectedField, alias: str | None = None) -> SelectedField:
    return SelectedField(name, {}, {}, list(selections), alias)


def test_the_shape_keeps_the_order_and_asks_once() -> None:
    code, value = _field("code"), _field("value")
    nodes = _field("nodes", value, _field("indicator", code), value)
    field = _field("observations", _field("pageInfo", _field("hasNextPage")), nodes)
    assert shape_of(field) == Shape(("value", "indicator"), ("code",), ())


@pytest.mark.parametrize(
    "field",
    [
        _field("observations", _field("nodes", _field("value", alias="v"))),  # an alias
        _field("observations", _field("nodes", _field("value")), alias="o"),  # fine: not here
        _field("observations", _field("edges", _field("node", _field("id")))),  # edges
        _field("observations", _field("nodes", _field("value")), _field("nodes", _field("id"))),
        _field("observations", _field("nodes", _field("receivedAt"))),  # not written
        _field("observations", _field("nodes", _field("source", _field("code")))),
        _field("observations", _field("nodes", _field("grantedBy", _field("version")))),
    ],
)
def test_anything_but_plain_fields_takes_the_python_path(field: SelectedField) -> None:
    if field.alias:  # the connection's own alias is the parent's business: still written
        assert shape_of(field) is not None
        return
    assert shape_of(field) is None


async def test_the_shape_is_made_once_per_request(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every authority resolves the same `observations` field: its selection is read once."""
    made: list[Shape | None] = []

    def counted(field: SelectedField) -> Shape | None:
        made.append(shape_of(field))
        return made[-1]

    monkeypatch.setattr(nodes_json, "shape_of", counted)
    variables = {"region": REGIONS[0], "from": "2008-01-01", "first": 3}
    body = await world.graphql(Role.RIEP_ANALYST, QUERY % f"nodes {{ {NODES} }}", variables)
    assert len(body["data"]["region"]["authorities"]) > 1
    assert len(made) == 1
