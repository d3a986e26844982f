"""Observations: the region panel returns exactly what SQL says, in a bounded statement count."""

import inspect
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from hub.graphql.loaders import Loaders
from hub.models.enums import Role
from tests.support import World

PANEL = """
query Panel($region: String!, $indicators: [String!], $from: Date, $to: Date) {
  region(code: $region) {
    authorities {
      gssCode
      observations(indicators: $indicators, periodFrom: $from, periodTo: $to, first: 500) {
        nodes { period value status indicator { code } }
        pageInfo { hasNextPage }
      }
    }
  }
}
"""
INDICATORS = [f"NI{n}" for n in range(1, 11)]


async def _latest_eight_quarters(world: World) -> tuple[date, date]:
    async with world.engine.connect() as connection:
        starts = (
            (
                await connection.execute(
                    text(
                        "SELECT DISTINCT period_start FROM observation o JOIN indicator i "
                        "ON i.id = o.indicator_id WHERE i.code = 'NI1' ORDER BY period_start DESC"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert len(starts) >= 8
    return _as_date(starts[7]), _as_date(starts[0])


def _panel(region: str, first: date, last: date) -> dict[str, Any]:
    return {"region": region, "indicators": INDICATORS, "from": str(first), "to": str(last)}


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def _expected(world: World, region: str, first: date, last: date) -> set[tuple[Any, ...]]:
    sql = text(
        "SELECT a.gss_code, i.code, o.period, o.value FROM observation o "
        "JOIN authority a ON a.id = o.authority_id JOIN region r ON r.id = a.region_id "
        "JOIN indicator i ON i.id = o.indicator_id "
        "WHERE r.code = :region AND o.superseded_at IS NULL "
        "AND o.period_start BETWEEN :first AND :last AND i.code IN "
        "('NI1','NI2','NI3','NI4','NI5','NI6','NI7','NI8','NI9','NI10')"
    )
    async with world.engine.connect() as connection:
        rows = await connection.execute(sql, {"region": region, "first": first, "last": last})
        return {tuple(row) for row in rows}


def _received(body: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {
        (a["gssCode"], n["indicator"]["code"], n["period"], n["value"])
        for a in body["data"]["region"]["authorities"]
        for n in a["observations"]["nodes"]
    }


WEST_MIDLANDS = "E12000005"  # in the demo every authority there shares everything with its RIEP


async def test_region_panel_matches_sql(world: World) -> None:
    first, last = await _latest_eight_quarters(world)
    token = await world.token("riep-west-midlands", Role.RIEP_ANALYST)
    body = await world.graphql(None, PANEL, _panel(WEST_MIDLANDS, first, last), token=token)
    assert "errors" not in body
    received = _received(body)
    assert received == await _expected(world, WEST_MIDLANDS, first, last)
    authorities = body["data"]["region"]["authorities"]
    assert len(received) == len(authorities) * 10 * 8


async def test_panel_statement_count_does_not_grow_with_the_region(world: World) -> None:
    first, last = await _latest_eight_quarters(world)
    reads = {}
    for region in ("E12000001", "E12000008"):  # North East (12 authorities), South East (74)
        with world.statements.counting() as counter:
            body = await world.graphql(Role.IDEA_ANALYST, PANEL, _panel(region, first, last))
        assert "errors" not in body
        reads[region] = counter.reads
        # One statement fetches every authority's observations, whatever the region's size.
        assert counter.reading("observation") == 1, counter.statements
    assert len(reads["E12000001"]) == len(reads["E12000008"])
    # the token, the region, its authorities, their observations, their indicators, and, for
    # the access record, the agreement versions that shared them
    assert len(reads["E12000008"]) <= 6, reads["E12000008"]


async def test_per_authority_paging(world: World) -> None:
    query = """{ region(code: "E12000005") { authorities {
        observations(indicators: ["NI1"], first: 3) { nodes { period } pageInfo { hasNextPage } }
    } } }"""
    token = await world.token("riep-west-midlands", Role.RIEP_ANALYST)
    body = await world.graphql(None, query, token=token)
    for authority in body["data"]["region"]["authorities"]:
        assert len(authority["observations"]["nodes"]) == 3
        assert authority["observations"]["pageInfo"]["hasNextPage"] is True


PAGE = """{ id period value status }
    pageInfo { hasNextPage endCursor }"""
EACH = """query ($after: String) { region(code: "E12000005") { authorities { gssCode
    observations(indicators: ["NI1", "NI5"], first: 4, after: $after) { nodes %s } } } }"""
ONE = """query ($code: String!, $after: String) {
  observations(filter: {authorities: [$code], indicators: ["NI1", "NI5"]}, first: 4,
    after: $after) { nodes %s } }"""


async def test_each_authoritys_page_is_its_own_query_page(world: World) -> None:
    """A region's pages, one per authority in one statement, are each what the observations
    query answers for that authority alone (another statement shape), past a cursor too."""
    token = await world.token("riep-west-midlands", Role.RIEP_ANALYST)
    first = await world.graphql(None, EACH % PAGE, token=token)
    authorities = first["data"]["region"]["authorities"]
    cursor = authorities[2]["observations"]["pageInfo"]["endCursor"]
    for after in (None, cursor):
        body = await world.graphql(None, EACH % PAGE, {"after": after}, token=token)
        compared = 0
        for authority in body["data"]["region"]["authorities"]:
            alone = await world.graphql(
                None, ONE % PAGE, {"code": authority["gssCode"], "after": after}, token=token
            )
            assert authority["observations"] == alone["data"]["observations"]
            compared += bool(authority["observations"]["nodes"])
        assert compared >= 5  # pages with rows, not only empty ones


async def test_top_level_observations_filter(world: World) -> None:
    query = """{ observations(filter: {authorities: ["E08000026"], indicators: ["NI1", "NI2"]},
                              first: 1000) {
        nodes { authority { gssCode } indicator { code } } pageInfo { hasNextPage } } }"""
    token = await world.token("riep-west-midlands", Role.RIEP_ANALYST)
    body = await world.graphql(None, query, token=token)
    nodes = body["data"]["observations"]["nodes"]
    assert nodes
    assert {n["authority"]["gssCode"] for n in nodes} == {"E08000026"}
    assert {n["indicator"]["code"] for n in nodes} == {"NI1", "NI2"}


async def test_administrator_and_auditor_receive_no_performance_data(world: World) -> None:
    query = """{ observations(filter: {region: "E12000001"}, first: 10) { nodes { value } }
                 assessments(first: 10) { nodes { score } }
                 flags(first: 10) { nodes { title } } }"""
    for role in (Role.HUB_ADMIN, Role.AUDITOR):
        data = (await world.graphql(role, query))["data"]
        assert [data[k]["nodes"] for k in ("observations", "assessments", "flags")] == [[], [], []]


# `nodes: nodes` (an alias) keeps the Python path on PostgreSQL too, which would otherwise
# write these nodes in SQL (tests/graphql/test_nodes_json.py)
NATIONAL = """query($indicator: String!, $start: Date) {
  observations(filter: {indicators: [$indicator], periodFrom: $start, periodTo: $start},
               first: 400) { nodes: nodes { authority { gssCode name } value } } }"""


async def test_a_national_table_reads_its_authorities_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each node's authority comes from one statement read before the nodes are completed
    (no awaitable per node); a query that does not select it does not read it."""
    start = (await _latest_eight_quarters(world))[1]
    variables = {"indicator": "NI1", "start": start.isoformat()}
    given: list[bool] = []
    now = Loaders.now

    def spy(self: Loaders, table: Any, row_id: Any) -> Any:
        found = now(self, table, row_id)
        given.append(inspect.isawaitable(found))
        return found

    monkeypatch.setattr(Loaders, "now", spy)
    with world.statements.counting() as counter:
        body = await world.graphql(Role.IDEA_ANALYST, NATIONAL, variables)
    assert "errors" not in body
    nodes = body["data"]["observations"]["nodes"]
    assert len(nodes) > 10
    assert len(given) == len(nodes)
    assert not any(given)  # rows, not awaitables
    assert _authority_reads(counter.statements) == 1
    async with world.engine.connect() as connection:
        names = dict((await connection.execute(text("SELECT gss_code, name FROM authority"))).all())
    assert all(names[n["authority"]["gssCode"]] == n["authority"]["name"] for n in nodes)
    without = NATIONAL.replace("authority { gssCode name } ", "")
    with world.statements.counting() as counter:
        body = await world.graphql(Role.IDEA_ANALYST, without, variables)
    assert len(body["data"]["observations"]["nodes"]) == len(nodes)
    assert _authority_reads(counter.statements) == 0


def _authority_reads(statements: list[str]) -> int:
    """Statements that read authority rows themselves (the policy's grant lines join the
    authority table too)."""
    return sum(s.lstrip().startswith("SELECT authority.") for s in statements)


async def test_the_authority_is_read_ahead_through_fragments(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = (await _latest_eight_quarters(world))[1]
    query = """query($start: Date) { observations(filter: {indicators: ["NI1"],
      periodFrom: $start, periodTo: $start}) { ...page } }
      fragment page on ObservationConnection { nodes { ... on Observation { ...where } } }
      fragment where on Observation { authority { gssCode } }"""
    given: list[bool] = []
    now = Loaders.now
    monkeypatch.setattr(
        Loaders, "now", lambda s, t, i: given.append(inspect.isawaitable(r := now(s, t, i))) or r
    )
    body = await world.graphql(Role.IDEA_ANALYST, query, {"start": start.isoformat()})
    assert "errors" not in body, body
    assert len(given) == len(body["data"]["observations"]["nodes"]) > 0
    assert not any(given)
