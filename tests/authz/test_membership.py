"""hub.authz.sql compiles grant checks as memberships (uncorrelated IN) where the policy links
row and line by equalities, else as a correlated EXISTS; both must select exactly the rows a
plain reading of the decision allows, NULLs included."""

import random
from collections.abc import Callable
from itertools import product
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)

from hub.authz import sql
from hub.authz.constraints import AllOf, Compare, Condition, Field, RowDecision, Value

META = MetaData()
ROW = Table(
    "row_",
    META,
    Column("id", Integer, primary_key=True),
    Column("authority_id", Integer),
    Column("source_id", Integer),
    Column("theme_code", String),
    Column("status", String),
)
LINE = Table(
    "line",
    META,
    Column("version_id", Integer, primary_key=True),
    Column("authority_id", Integer),
    Column("source_id", Integer, nullable=True),
    Column("theme_code", String, nullable=True),
    Column("include_provisional", Boolean),
    Column("state", String),
    Column("rank", Integer),
)


def row(name: str) -> Field:
    return Field("row", name)


def grant(name: str) -> Field:
    return Field("grant", name)


def eq(left: Field, right: Field | Value) -> Compare:
    return Compare("eq", left, right)


ACTIVE = [AllOf((eq(grant("state"), Value("active")),))]
SAME_AUTHORITY = [AllOf((eq(grant("authority_id"), row("authority_id")),))]
COVERS = [
    AllOf((eq(grant("theme_code"), Value(None)), eq(grant("source_id"), row("source_id")))),
    AllOf((eq(grant("source_id"), Value(None)), eq(grant("theme_code"), row("theme_code")))),
    AllOf((eq(grant("source_id"), row("source_id")), eq(grant("theme_code"), row("theme_code")))),
]
RELEASES = [
    AllOf((eq(row("status"), Value("final")),)),
    AllOf((eq(row("status"), Value("provisional")), eq(grant("include_provisional"), Value(True)))),
]


def decision(*factors: list[AllOf]) -> RowDecision:
    """Every combination of the factors' choices, as a policy's partial evaluation gives it."""
    return RowDecision(
        tuple(AllOf(tuple(p for c in combo for p in c.parts)) for combo in product(*factors))
    )


def holds(condition: Condition, r: dict[str, Any], g: dict[str, Any]) -> bool:
    assert isinstance(condition, Compare)
    values = [
        (r if t.var == "row" else g)[t.name] if isinstance(t, Field) else t.value
        for t in (condition.left, condition.right)
    ]
    if condition.op == "eq":
        if isinstance(condition.right, Value) and condition.right.value is None:
            return values[0] is None
        return None not in values and values[0] == values[1]
    return None not in values and values[0] < values[1]


def allowed(d: RowDecision, rows: list[dict[str, Any]], lines: list[dict[str, Any]]) -> set[int]:
    return {
        r["id"]
        for r in rows
        if any(all(holds(p, r, g) for p in a.parts) for a in d.alternatives for g in lines)
    }


def world(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    maybe = lambda values: rng.choice([None, *values])  # noqa: E731
    rows = [
        {
            "id": i,
            "authority_id": rng.randint(1, 4),
            "source_id": maybe([1, 2, 3]),
            "theme_code": maybe(["a", "b"]),
            "status": rng.choice(["final", "provisional"]),
        }
        for i in range(1, 120)
    ]
    lines = [
        {
            "version_id": i,
            "authority_id": rng.randint(1, 4),
            "source_id": maybe([1, 2, 3]),
            "theme_code": maybe(["a", "b"]),
            "include_provisional": rng.random() < 0.5,
            "state": rng.choice(["active", "active", "withdrawn"]),
            "rank": rng.randint(0, 5),
        }
        for i in range(1, 12)
    ]
    return rows, lines


def selected(
    d: RowDecision,
    rows: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    compile_filter: Callable[[RowDecision, Any, Any], ColumnElement[bool]] = sql.row_filter,
) -> set[int]:
    engine = create_engine("sqlite://")
    META.create_all(engine)
    fields = {c.key: c for c in ROW.c}
    condition = compile_filter(d, fields, lambda: LINE.alias())
    with engine.begin() as connection:
        connection.execute(ROW.insert(), rows)
        connection.execute(LINE.insert(), lines)
        found = {r.id for r in connection.execute(select(ROW.c.id).where(condition))}
    engine.dispose()
    return found


def compiled(d: RowDecision) -> str:
    return str(select(ROW.c.id).where(sql.row_filter(d, {c.key: c for c in ROW.c}, lambda: LINE)))


@pytest.mark.parametrize("seed", range(12))
def test_memberships_select_what_the_decision_allows(seed: int) -> None:
    d = decision(ACTIVE, SAME_AUTHORITY, COVERS, RELEASES)
    text = compiled(d)
    assert " IN (SELECT" in text
    assert "EXISTS" not in text
    rows, lines = world(seed)
    assert selected(d, rows, lines) == allowed(d, rows, lines)


@pytest.mark.parametrize("seed", range(6))
def test_a_link_other_than_equality_keeps_the_exists(seed: int) -> None:
    below = [AllOf((Compare("lt", row("authority_id"), grant("rank")),))]
    d = decision(ACTIVE, below, COVERS)
    assert "EXISTS" in compiled(d)
    rows, lines = world(seed)
    assert selected(d, rows, lines) == allowed(d, rows, lines)


def test_too_many_combinations_keep_the_exists() -> None:
    # 3 x 3 x 2 = 18 combinations, past MAX_MEMBERSHIPS: one EXISTS instead of 18 subqueries.
    d = decision(ACTIVE, SAME_AUTHORITY, COVERS, COVERS, RELEASES)
    assert "EXISTS" in compiled(d)
    rows, lines = world(3)
    assert selected(d, rows, lines) == allowed(d, rows, lines)


OWN = [AllOf((eq(row("authority_id"), Value(1)),))]  # a rule needing no agreement


@pytest.mark.parametrize("seed", range(12))
def test_probing_selects_what_the_decision_allows(seed: int) -> None:
    rows, lines = world(seed)
    for d in (
        decision(ACTIVE, SAME_AUTHORITY, COVERS, RELEASES),
        decision(ACTIVE, [AllOf((Compare("lt", row("authority_id"), grant("rank")),))], COVERS),
        RowDecision(decision(ACTIVE, SAME_AUTHORITY, COVERS).alternatives + tuple(OWN)),
    ):
        probing = selected(d, rows, lines, sql.row_filter_probing)
        assert probing == allowed(d, rows, lines)
        assert probing == selected(d, rows, lines)


def test_probing_is_one_exists_on_the_lines_with_the_shared_parts_on_top() -> None:
    d = decision(ACTIVE, SAME_AUTHORITY, COVERS, RELEASES)
    text = str(select(ROW.c.id).where(sql.row_filter_probing(d, dict(ROW.c), lambda: LINE)))
    assert text.count("EXISTS") == 1
    assert " IN (" not in text
    assert "MATERIALIZED" not in text
    # The authority link is an AND of its own, which an index on the lines' authority serves.
    assert "WHERE line.authority_id = row_.authority_id AND" in text.replace("\n", " ")
