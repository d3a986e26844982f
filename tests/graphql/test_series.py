"""Series: the same values as `observations` for every role, in one statement, traced alike."""

from typing import Any

import pytest

from hub.models.enums import Role
from hub.query import series
from tests.audit.helpers import last_record, touches_of
from tests.support import World

BOTH = """
query Both($region: String!, $indicators: [String!]) {
  region(code: $region) {
    authorities {
      code
      observations(indicators: $indicators, first: 5000) {
        nodes { period value status indicator { code } }
        pageInfo { hasNextPage }
      }
      series(indicators: $indicators) {
        indicator { code title unit polarity themeCode isDemo }
        periods periodStarts values targets statuses
      }
    }
  }
}
"""
SERIES = """
query Series($region: String!, $indicators: [String!]) {
  region(code: $region) { authorities { code
    series(indicators: $indicators) { indicator { code } periods values statuses } } }
}
"""
INDICATORS = [f"NI{n}" for n in range(1, 11)]
NORTH_EAST = "E12000001"  # the demo's agreements there cover, limit, suspend and withdraw


def _observed(authority: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (n["indicator"]["code"], n["period"], n["value"], n["status"])
        for n in authority["observations"]["nodes"]
    )


def _series(authority: dict[str, Any]) -> list[tuple[Any, ...]]:
    found = []
    for s in authority["series"]:
        assert len(s["periods"]) == len(s["values"]) == len(s["statuses"]) == len(s["targets"])
        assert s["periodStarts"] == sorted(s["periodStarts"])
        found += [
            (s["indicator"]["code"], p, v, st)
            for p, v, st in zip(s["periods"], s["values"], s["statuses"], strict=True)
        ]
    return sorted(found)


async def test_series_hold_what_observations_hold_for_every_role(world: World) -> None:
    variables = {"region": NORTH_EAST, "indicators": INDICATORS}
    seen_by: dict[Role, set[str]] = {}
    for role in world.tokens:
        body = await world.graphql(role, BOTH, variables)
        assert "errors" not in body, (role, body)
        total = set()
        for authority in body["data"]["region"]["authorities"]:
            assert authority["observations"]["pageInfo"]["hasNextPage"] is False
            assert _series(authority) == _observed(authority), (role, authority["code"])
            codes = [s["indicator"]["code"] for s in authority["series"]]
            assert codes == sorted(codes)
            assert len(codes) == len(set(codes))
            if authority["series"]:
                total.add(authority["code"])
        seen_by[role] = total
    # The policy still decides: the auditor and the administrator receive no values at all,
    # an authority officer only their own council's, the analysts only what agreements share.
    assert seen_by[Role.AUDITOR] == seen_by[Role.HUB_ADMIN] == set()
    assert seen_by[Role.AUTHORITY_OFFICER] == {"NET"}
    assert "NTY" not in seen_by[Role.RIEP_ANALYST]
    assert "DUR" in seen_by[Role.RIEP_ANALYST]


async def test_authorities_without_an_agreement_have_no_series(world: World) -> None:
    body = await world.graphql(
        Role.RIEP_ANALYST, SERIES, {"region": NORTH_EAST, "indicators": INDICATORS}
    )
    by_code = {a["code"]: a["series"] for a in body["data"]["region"]["authorities"]}
    for code in ("NTY", "NBL", "HPL", "RCC"):  # none, draft, withdrawn, suspended
        assert by_code[code] == [], code
    assert by_code["DUR"]  # an active, full agreement


async def test_series_are_one_statement_whatever_the_region(world: World) -> None:
    reads = {}
    for region in (NORTH_EAST, "E12000008"):  # 12 authorities, then 74
        with world.statements.counting() as counter:
            body = await world.graphql(
                Role.IDEA_ANALYST, SERIES, {"region": region, "indicators": INDICATORS}
            )
        assert "errors" not in body
        assert counter.reading("observation") == 1, counter.statements
        reads[region] = counter.reads
        # PostgreSQL writes the series as JSON in the values' statement, indicators included;
        # SQLite reads the values (codes, themes), then one statement for every indicator
        expected = 1 if world.backend == "postgresql" else 2
        assert counter.reading("indicator") == expected, counter.statements
    assert len(reads[NORTH_EAST]) == len(reads["E12000008"])


async def test_series_rows_are_in_the_access_record(world: World) -> None:
    body = await world.graphql(
        Role.RIEP_ANALYST, SERIES, {"region": NORTH_EAST, "indicators": INDICATORS}
    )
    values = sum(
        len(s["values"]) for a in body["data"]["region"]["authorities"] for s in a["series"]
    )
    assert values > 0
    record = await last_record(world.engine)
    assert record.operation_name == "Series"
    assert {t["kind"] for t in record.touched} == {"Observation"}
    assert sum(t["rows"] for t in record.touched) == values
    touches = await touches_of(world.engine, record.id)
    assert sum(t.rows for t in touches) == values
    # every authority whose values were sent is named, under the agreement that shared them
    gss = {a["code"] for a in body["data"]["region"]["authorities"] if a["series"]}
    assert len({t.authority_id for t in touches}) == len(gss)


async def test_too_many_values_are_refused_not_cut(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(series, "MAX_SERIES_VALUES", 5)
    body = await world.graphql(
        Role.IDEA_ANALYST, SERIES, {"region": NORTH_EAST, "indicators": INDICATORS}
    )
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"TOO_MANY_ROWS"}
