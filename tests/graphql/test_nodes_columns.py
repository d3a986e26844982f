"""A page of observations whose selection is written as JSON (by PostgreSQL, hub.query.nodes_json,
or on SQLite by Python, hub.query.nodes_py) reads only the columns that selection shows: each
column more is carried through the ranking, and on SQLite converted, on every row. What it
answers, and what GraphQL answers where the writer leaves a page to it, stays the same."""

import re
from typing import Any

import pytest
from sqlalchemy import text

from hub.models.enums import Role
from tests.support import World

REGION = "E12000001"
PANEL = """query Narrow($region: String!) { region(code: $region) { authorities { code
  observations(first: 50) { %s } } } }"""
TOP = """query Narrow($region: String!) {
  observations(filter: {region: $region}, first: 50) { %s } }"""
NARROW = "id value indicator { code }"
# The same field asked twice in one place: GraphQL answers the two selections merged.
TWICE = {
    "per authority": """query Twice($region: String!) { region(code: $region) { authorities {
      code observations(first: 50) { nodes { id value } }
      observations(first: 50) { nodes { id receivedAt } } } } }""",
    "query": """query Twice($region: String!) {
      observations(filter: {region: $region}, first: 50) { nodes { id value } }
      observations(filter: {region: $region}, first: 50) { nodes { id receivedAt } } }""",
}
NOT_SHOWN = {"received_at", "target", "period_start", "period_end", "period"}


# The observation columns a statement names: SQLite's pages read their rows as `shown`,
# once each authority's first rows are chosen (hub.query.performance._of_each_authority).
_COLUMN = re.compile(r"\b(?:observation|shown)\.(\w+)")


def _page_statement(statements: list[str]) -> str:
    (found,) = [s for s in statements if "FROM observation" in s and "value" in _COLUMN.findall(s)]
    return found


async def _both_ways(world: World, query: str) -> tuple[dict[str, Any], list[str]]:
    """The narrow selection as written, its statements, and the same answered by GraphQL
    (an alias makes the selection not plain, so the Python path reads every column)."""
    with world.statements.counting() as counter:
        written = await world.graphql(
            Role.RIEP_ANALYST, query % f"nodes {{ {NARROW} }}", {"region": REGION}
        )
        statements = list(counter.statements)
    aliased = await world.graphql(
        Role.RIEP_ANALYST, query % f"n: nodes {{ {NARROW} }}", {"region": REGION}
    )
    assert _values(written) == _values(aliased)
    return written, statements


def _values(body: dict[str, Any]) -> Any:
    """The answer with the alias taken off, and its errors by path (numbers compared as
    numbers: PostgreSQL writes 291.0 as 291)."""
    errors = sorted(
        (e["message"], repr(e["path"]).replace("'n'", "'nodes'")) for e in body.get("errors", [])
    )
    return _unaliased(body.get("data")), errors


def _unaliased(value: Any) -> Any:
    if isinstance(value, dict):
        return {("nodes" if k == "n" else k): _unaliased(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unaliased(v) for v in value]
    return value


def _nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    if "observations" in data:
        return list(data["observations"]["nodes"])
    return [n for a in data["region"]["authorities"] for n in a["observations"]["nodes"]]


@pytest.mark.parametrize("query", [PANEL, TOP], ids=["per authority", "query"])
async def test_a_narrow_page_reads_only_its_columns(world: World, query: str) -> None:
    written, statements = await _both_ways(world, query)
    assert "errors" not in written
    assert "'value'" in repr(written["data"])
    page = _page_statement(statements)
    read = set(_COLUMN.findall(page.split("FROM observation")[0]))
    assert {"id", "value", "indicator_id"} <= read
    assert not read & NOT_SHOWN


@pytest.mark.parametrize("query", [PANEL, TOP], ids=["per authority", "query"])
async def test_a_page_left_to_graphql_answers_from_the_narrow_rows(
    world: World, query: str
) -> None:
    """A value Float cannot send makes the writer leave the page to GraphQL's completion,
    which reads only the selected fields of the same narrow rows, and reports that value."""
    if world.backend != "sqlite":
        pytest.skip("PostgreSQL stores no infinite value as a float it writes")
    before, _ = await _both_ways(world, query)
    shown = [n for n in _nodes(before["data"]) if n["value"] is not None]
    row_id, value = int(shown[0]["id"]), shown[0]["value"]
    async with world.engine.begin() as connection:
        await connection.execute(
            text("UPDATE observation SET value = 9e999 WHERE id = :id"), {"id": row_id}
        )
    try:
        written, _ = await _both_ways(world, query)
        assert [e["message"] for e in written["errors"]] == [
            "Float cannot represent non numeric value: inf"
        ]
    finally:
        async with world.engine.begin() as connection:
            await connection.execute(
                text("UPDATE observation SET value = :v WHERE id = :id"), {"v": value, "id": row_id}
            )


@pytest.mark.parametrize("where", list(TWICE))
async def test_a_field_asked_twice_answers_both_selections(world: World, where: str) -> None:
    """Neither the written paths nor a narrow read may serve one copy's selection alone: each
    node carries both copies' fields, also when a value Float cannot send leaves its page to
    GraphQL (which then reads the merged selection's columns)."""
    variables = {"region": REGION}
    body = await world.graphql(Role.RIEP_ANALYST, TWICE[where], variables)
    assert "errors" not in body, body
    nodes = _nodes(body["data"])
    assert nodes
    assert all(set(n) == {"id", "value", "receivedAt"} and n["receivedAt"] for n in nodes)
    if world.backend != "sqlite":
        return  # PostgreSQL stores no infinite value as a float it writes
    shown = next(n for n in nodes if n["value"] is not None)
    row_id, value = int(shown["id"]), shown["value"]
    async with world.engine.begin() as connection:
        await connection.execute(
            text("UPDATE observation SET value = 9e999 WHERE id = :id"), {"id": row_id}
        )
    try:
        body = await world.graphql(Role.RIEP_ANALYST, TWICE[where], variables)
        assert [e["message"] for e in body["errors"]] == [
            "Float cannot represent non numeric value: inf"
        ]
        assert all(n is None or n["receivedAt"] for n in _nodes(body["data"]))
    finally:
        async with world.engine.begin() as connection:
            await connection.execute(
                text("UPDATE observation SET value = :v WHERE id = :id"), {"v": value, "id": row_id}
            )
