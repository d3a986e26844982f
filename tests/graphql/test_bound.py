"""Written statements are built once for each shape of request and run with each request's
values (hub.query.bound): a later request with other values gets its own answer, never the
values of the first; a parameter without a value is an error."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from hub.memo import Memo
from hub.models.enums import Role
from hub.query import bound, nodes_json, series_json
from hub.query.reference import REGION
from tests.support import World

PANEL = """query Panel($region: String!, $codes: [String!], $from: Date, $to: Date) {
  region(code: $region) { authorities { code
    observations(indicators: $codes, periodFrom: $from, periodTo: $to, first: 50) {
      nodes { %s } }
    series(indicators: $codes, periodFrom: $from, periodTo: $to) { %s } } } }"""
WRITTEN = PANEL % ("period value indicator { code }", "indicator { code } periods values")
# The same question, answered in Python: an alias is not plain (see hub.query.written).
PYTHON = PANEL % (
    "period value: value indicator { code }",
    "indicator { code } periods values: values",
)
ASKED = [  # one shape (the same filters set), other values each time
    {"region": "E12000001", "codes": ["NI1", "NI2"], "from": "2008-04-01", "to": "2009-01-01"},
    {"region": "E12000008", "codes": ["NI5"], "from": "2009-04-01", "to": "2010-01-01"},
    {
        "region": "E12000001",
        "codes": ["NI3", "NI4", "NI6"],
        "from": "2007-01-01",
        "to": "2010-01-01",
    },
]


def _counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    builds: list[int] = []
    build = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return builds


async def test_each_request_gets_its_own_values(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bound, "BUILT", Memo(512))  # none built by earlier tests
    pages = _counted(monkeypatch, nodes_json, "_per_authority")
    lists = _counted(monkeypatch, series_json, "_statement")
    answers = []
    for variables in ASKED:
        written = await world.graphql(Role.IDEA_ANALYST, WRITTEN, variables)
        python = await world.graphql(Role.IDEA_ANALYST, PYTHON, variables)
        assert "errors" not in written, written
        assert written == python
        answers.append(written)
    assert answers[0] != answers[1] != answers[2]  # the values differ, so must the answers
    assert any(a["observations"]["nodes"] for a in answers[1]["data"]["region"]["authorities"])
    built = 1 if world.backend == "postgresql" else 0  # SQLite takes the Python path
    assert (len(pages), len(lists)) == (built, built)


async def test_the_statement_sent_is_the_same_whatever_the_lists_hold(world: World) -> None:
    """Lists (authority ids, indicator codes) go as array values, not as one parameter per
    item: the driver prepares one statement for every region and choice of indicators."""
    if world.backend != "postgresql":
        pytest.skip("only PostgreSQL writes these lists (SQLite takes the Python path)")
    sent: list[set[str]] = []
    for variables in ASKED:  # other regions (other numbers of authorities), other codes
        with world.statements.counting() as counter:
            written = await world.graphql(Role.IDEA_ANALYST, WRITTEN, variables)
        assert "errors" not in written, written
        sent.append({s for s in counter.statements if "string_agg" in s})
    assert len(sent[0]) == 2  # the pages and the series
    assert sent[0] == sent[1] == sent[2]


async def test_a_parameter_without_a_value_is_an_error(world: World) -> None:
    stmt = select(REGION.c.id).where(REGION.c.code == bound.param("region"))
    async with world.engine.connect() as connection:
        found = await connection.execute(stmt, bound.values({"region": "E12000001"}))
        assert len(found.all()) == 1
        with pytest.raises(StatementError, match="w_region"):
            await connection.execute(stmt)


def test_values_leave_out_what_is_not_set() -> None:
    given = {"codes": ("NI1", "NI2"), "first": 0, "after": None}
    assert bound.values(given) == {"w_codes": ["NI1", "NI2"], "w_first": 0}


# The Python path (the alias) of Query.observations, every filter set, paged by cursor.
PAGED = """query ($filter: ObservationFilter!, $after: String) {
  observations(filter: $filter, first: 7, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id v: value status authority { code } indicator { code } } } }"""
FILTERS = [  # one shape, other values: authorities by GSS and by three-letter code
    {"authorities": ["E08000021", "MDB"], "indicators": ["NI1", "NI192"], "status": "FINAL"},
    {"authorities": ["E06000047"], "indicators": ["NI8"], "status": "FINAL"},
]


async def _all_pages(world: World, f: dict[str, Any]) -> list[dict[str, Any]]:
    return await world.every_page(Role.IDEA_ANALYST, PAGED, "observations", {"filter": f})


async def test_the_python_path_pages_each_request_by_its_own_filter(world: World) -> None:
    """Statements built once (hub.query.performance) take every filter's values anew: the
    pages of a filter hold exactly the rows of its authorities asked one at a time."""
    for f in FILTERS:
        paged = await _all_pages(world, f)
        assert paged
        assert len({n["id"] for n in paged}) == len(paged)  # no row on two pages
        assert {n["indicator"]["code"] for n in paged} <= set(f["indicators"])
        assert {n["status"] for n in paged} == {"FINAL"}
        one_by_one = [
            n
            for code in f["authorities"]
            for n in await _all_pages(world, {**f, "authorities": [code]})
        ]
        assert sorted(paged, key=lambda n: int(n["id"])) == sorted(
            one_by_one, key=lambda n: int(n["id"])
        )
    assert len({n["authority"]["code"] for n in await _all_pages(world, FILTERS[0])}) == 2


async def test_reference_rows_by_id_in_one_statement_for_any_number(world: World) -> None:
    """The DataLoaders' reference rows by id (hub.query.reference.by_ids): the right rows for
    each request, and on PostgreSQL one statement text whatever the number of ids."""
    query = """query ($region: String!) { observations(filter: {region: $region}, first: 400) {
      nodes { v: value authority { code region { code } } } } }"""
    sent: list[set[str]] = []
    asked: list[int] = []
    for region in ("E12000001", "E12000008"):
        with world.statements.counting() as counter:
            body = await world.graphql(Role.IDEA_ANALYST, query, {"region": region})
        assert "errors" not in body, body
        nodes = body["data"]["observations"]["nodes"]
        assert nodes
        assert {n["authority"]["region"]["code"] for n in nodes} == {region}
        asked.append(len({n["authority"]["code"] for n in nodes}))
        sent.append({s for s in counter.statements if s.lstrip().startswith("SELECT authority.")})
    assert all(len(found) == 1 for found in sent)  # one statement each, for every authority
    assert asked[0] != asked[1]  # other numbers of ids
    if world.backend == "postgresql":
        assert sent[0] == sent[1]
