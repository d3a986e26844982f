"""Comparison groups: region, authority type and national spread, an authority's quartile and
the median trend, counting only records whose agreements allow aggregates."""

import statistics
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from hub.models import Agreement, AgreementVersion, Authority, Indicator, Observation, Source
from hub.models.enums import ObservationStatus, Polarity, Role
from hub.query.aggregates import quartile, summarise
from tests.support import World

READ = """query($period: String!, $authority: String! = "E08000021") {
  observations(filter: {indicators: ["NI1"]}, first: 5000) {
    nodes { period value authority { gssCode type region { code } } }
  }
  indicatorComparison(indicator: "NI1", period: $period, authority: $authority) {
    authority value polarity nationalQuartile bottomQuartile
    regional { count median lowerQuartile upperQuartile region }
    sameType { count median authorityType }
    national { count minimum lowerQuartile median upperQuartile maximum }
  }
}"""
TREND = """query($region: String, $from: Date, $to: Date) {
  indicatorTrend(indicator: "NI1", region: $region, periodFrom: $from, periodTo: $to) {
    period periodStart regionalMedian regionalCount nationalMedian nationalCount
  }
}"""
SUMMARY = """query($period: String!, $region: String) {
  indicatorSummary(indicator: "NI1", period: $period, region: $region) { count median }
}"""


def _data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _no_aggregates(world: World) -> set[str]:
    """GSS codes of authorities whose current agreement shares values but not aggregates."""
    stmt = (
        select(Authority.gss_code)
        .join(Agreement, Agreement.authority_id == Authority.id)
        .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
        .where(AgreementVersion.is_current.is_(True), AgreementVersion.allow_aggregates.is_(False))
    )
    async with world.engine.connect() as connection:
        return set((await connection.execute(stmt)).scalars().all())


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


async def _readable(world: World, token: str | None, role: Role | None) -> list[Any]:
    body = await world.graphql(role, READ, {"period": "2009-Q1"}, token=token)
    return [n for n in _data(body)["observations"]["nodes"] if n["period"] == "2009-Q1"]


async def test_groups_count_only_records_whose_agreements_allow_aggregates(world: World) -> None:
    excluded = await _no_aggregates(world)
    assert excluded, "the demo must have an agreement without aggregates"
    data = _data(await world.graphql(Role.IDEA_ANALYST, READ, {"period": "2009-Q1"}))
    readable = await _readable(world, None, Role.IDEA_ANALYST)
    assert any(n["authority"]["gssCode"] in excluded for n in readable), "test could not fail"
    # Birmingham's agreement names only its RIEP: the IDeA cannot read its values, but they
    # count in the benchmarks because the agreement allows aggregates.
    riep_wm = await world.token("riep-west-midlands", Role.RIEP_ANALYST)
    birmingham = [
        n for n in await _readable(world, riep_wm, None) if n["authority"]["gssCode"] == "E08000025"
    ]
    assert birmingham, "test could not fail"
    assert not any(n in birmingham for n in readable), "test could not fail"
    counted = [n for n in readable + birmingham if n["authority"]["gssCode"] not in excluded]
    assert len({n["authority"]["gssCode"] for n in counted}) == len(counted)  # one value each
    national = sorted(n["value"] for n in counted)
    lower, middle, upper = statistics.quantiles(national, n=4, method="inclusive")
    c = data["indicatorComparison"]
    assert c["national"] == {
        "count": len(national),
        "minimum": national[0],
        "lowerQuartile": pytest.approx(lower),
        "median": pytest.approx(middle),
        "upperQuartile": pytest.approx(upper),
        "maximum": national[-1],
    }
    newcastle = next(n for n in readable if n["authority"]["gssCode"] == "E08000021")
    region, kind = newcastle["authority"]["region"]["code"], newcastle["authority"]["type"]
    in_region = [n["value"] for n in counted if n["authority"]["region"]["code"] == region]
    of_type = [n["value"] for n in counted if n["authority"]["type"] == kind]
    assert c["regional"]["count"] == len(in_region)
    assert c["regional"]["region"] == region
    assert c["regional"]["median"] == pytest.approx(_median(in_region))
    assert c["sameType"] == {
        "count": len(of_type),
        "median": pytest.approx(_median(of_type)),
        "authorityType": kind,
    }
    assert c["value"] == newcastle["value"]
    assert c["polarity"] == "HIGHER_IS_BETTER"
    expected = quartile(newcastle["value"], summarise(national), Polarity.HIGHER_IS_BETTER)
    assert c["nationalQuartile"] == expected
    assert c["bottomQuartile"] == (expected == 1)


@pytest.mark.parametrize(
    ("role", "authority"),
    [
        (Role.IDEA_ANALYST, "E08000021"),  # Newcastle
        (Role.RIEP_ANALYST, "E08000021"),  # in the North East RIEP's region
        (Role.RIEP_ANALYST, "E09000014"),  # Haringey: London, outside it
    ],
)
async def test_withholding_aggregates_removes_an_authority_from_every_group(
    world: World, role: Role, authority: str
) -> None:
    variables = {"period": "2009-Q1", "authority": authority}
    before = _data(await world.graphql(role, READ, variables))["indicatorComparison"]
    stmt = (
        update(AgreementVersion)
        .where(
            AgreementVersion.is_current.is_(True),
            AgreementVersion.agreement_id.in_(
                select(Agreement.id)
                .join(Authority, Authority.id == Agreement.authority_id)
                .where(Authority.gss_code == authority)
            ),
        )
        .execution_options(synchronize_session=False)
    )
    async with world.engine.begin() as connection:
        await connection.execute(stmt.values(allow_aggregates=False))
    try:
        after = _data(await world.graphql(role, READ, variables))
    finally:
        async with world.engine.begin() as connection:
            await connection.execute(stmt.values(allow_aggregates=True))
    now = after["indicatorComparison"]
    for group in ("regional", "sameType", "national"):
        assert now[group]["count"] == before[group]["count"] - 1, group
    assert now["value"] == before["value"]  # still readable, just not aggregated


async def test_trend_is_one_statement_and_agrees_with_the_summaries(world: World) -> None:
    variables = {"region": "E12000001", "from": "2008-07-01", "to": "2009-12-31"}
    with world.statements.counting() as counter:
        trend = _data(await world.graphql(Role.IDEA_ANALYST, TREND, variables))["indicatorTrend"]
    assert counter.reading("observation") == 1, counter.statements
    periods = [p["period"] for p in trend]
    assert periods == ["2008-Q3", "2008-Q4", "2009-Q1", "2009-Q2", "2009-Q3", "2009-Q4"]
    assert [p["periodStart"] for p in trend] == sorted(p["periodStart"] for p in trend)
    for point in trend:
        ask = {"period": point["period"], "region": None}
        national = _data(await world.graphql(Role.IDEA_ANALYST, SUMMARY, ask))["indicatorSummary"]
        ask["region"] = "E12000001"
        regional = _data(await world.graphql(Role.IDEA_ANALYST, SUMMARY, ask))["indicatorSummary"]
        assert (point["nationalCount"], point["nationalMedian"]) == (
            national["count"],
            national["median"],
        )
        assert (point["regionalCount"], point["regionalMedian"]) == (
            regional["count"],
            regional["median"],
        )
    whole = _data(await world.graphql(Role.IDEA_ANALYST, TREND, {"region": "E12000001"}))
    assert len(whole["indicatorTrend"]) == 8
    with world.statements.counting() as counter:
        await world.graphql(Role.IDEA_ANALYST, TREND, {"region": "E12000001"})
    assert counter.reading("observation") == 1  # however many periods


async def test_groups_follow_what_the_caller_may_aggregate(world: World) -> None:
    # An agreement allowing aggregates lets its authority count in hub-wide benchmarks: a RIEP's
    # national group is the IDeA's, well beyond its region. An authority officer and an auditor
    # aggregate nothing.
    riep = _data(await world.graphql(Role.RIEP_ANALYST, TREND, {"region": "E12000001"}))
    idea = _data(await world.graphql(Role.IDEA_ANALYST, TREND, {"region": "E12000001"}))
    assert riep == idea
    assert all(p["nationalCount"] > p["regionalCount"] > 0 for p in riep["indicatorTrend"])
    london = {"period": "2009-Q1", "region": "E12000007"}
    riep_london = _data(await world.graphql(Role.RIEP_ANALYST, SUMMARY, london))
    assert riep_london["indicatorSummary"]["count"] > 0
    for role in (Role.AUTHORITY_OFFICER, Role.AUDITOR):
        assert _data(await world.graphql(role, TREND, {}))["indicatorTrend"] == []


async def test_unknown_authority_or_indicator_is_not_found(world: World) -> None:
    for indicator, authority in (("NI1", "E99999999"), ("NI999", "E08000021")):
        query = f"""{{ indicatorComparison(indicator: "{indicator}", period: "2009-Q1",
            authority: "{authority}") {{ value }} }}"""
        body = await world.graphql(Role.IDEA_ANALYST, query)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("value", "higher", "lower"),
    [
        (1.0, 1, 4),  # the minimum
        (2.0, 1, 3),  # on the lower quartile: the worse side either way
        (2.5, 2, 3),
        (3.0, 2, 2),  # on the median
        (4.0, 3, 1),  # on the upper quartile
        (5.0, 4, 1),
    ],
)
def test_quartile_is_polarity_aware_and_ties_fall_in_the_worse_quartile(
    value: float, higher: int, lower: int
) -> None:
    group = summarise([1.0, 2.0, 3.0, 4.0, 5.0])  # quartiles 2, 3, 4
    assert quartile(value, group, Polarity.HIGHER_IS_BETTER) == higher
    assert quartile(value, group, Polarity.LOWER_IS_BETTER) == lower


def test_quartile_is_undefined_without_a_value_a_group_or_a_polarity() -> None:
    group = summarise([1.0, 2.0, 3.0])
    assert quartile(None, group, Polarity.HIGHER_IS_BETTER) is None
    assert quartile(2.0, summarise([]), Polarity.HIGHER_IS_BETTER) is None
    assert quartile(2.0, group, Polarity.NEUTRAL) is None
    assert quartile(7.0, summarise([7.0]), Polarity.HIGHER_IS_BETTER) == 1  # alone: a tie


async def test_an_authority_counts_once_when_two_sources_hold_a_current_value(
    world: World,
) -> None:
    # Supersession is per source: a GO LAA value beside the Audit Commission's is current too.
    variables = {"period": "2009-Q1"}
    summary = {"period": "2009-Q1", "region": None}
    before = _data(await world.graphql(Role.IDEA_ANALYST, READ, variables))["indicatorComparison"]
    total = _data(await world.graphql(Role.IDEA_ANALYST, SUMMARY, summary))["indicatorSummary"]
    async with world.engine.connect() as connection:
        original = (
            (
                await connection.execute(
                    select(Observation.__table__)
                    .join(Authority, Authority.id == Observation.authority_id)
                    .join(Indicator, Indicator.id == Observation.indicator_id)
                    .where(
                        Authority.gss_code == "E08000021",
                        Indicator.code == "NI1",
                        Observation.period == "2009-Q1",
                        Observation.superseded_at.is_(None),
                    )
                )
            )
            .mappings()
            .one()
        )
        other = (
            await connection.execute(
                select(Source.id).where(Source.id != original["source_id"]).limit(1)
            )
        ).scalar_one()
    twin = {k: v for k, v in original.items() if k != "id"}
    twin.update(
        source_id=other,
        value=original["value"] + 1000.0,
        status=ObservationStatus.PROVISIONAL,
        received_at=original["received_at"] + timedelta(days=1),
    )
    async with world.engine.begin() as connection:
        twin_id = (
            await connection.execute(insert(Observation).values(twin).returning(Observation.id))
        ).scalar_one()
    try:
        # Final beats a newer provisional value.
        now = _data(await world.graphql(Role.IDEA_ANALYST, READ, variables))
        assert now["indicatorComparison"] == before
        again = await world.graphql(Role.IDEA_ANALYST, SUMMARY, summary)
        assert _data(again)["indicatorSummary"] == total
        # Both final: the newest received counts, in the groups and as the authority's value.
        async with world.engine.begin() as connection:
            await connection.execute(
                update(Observation)
                .where(Observation.id == twin_id)
                .values(status=ObservationStatus.FINAL)
            )
        now = _data(await world.graphql(Role.IDEA_ANALYST, READ, variables))
        c = now["indicatorComparison"]
        assert c["value"] == twin["value"]
        for group in ("regional", "sameType", "national"):
            assert c[group]["count"] == before[group]["count"], group
        assert c["national"]["maximum"] == twin["value"]
        again = await world.graphql(Role.IDEA_ANALYST, SUMMARY, summary)
        assert _data(again)["indicatorSummary"]["count"] == total["count"]
    finally:
        async with world.engine.begin() as connection:
            await connection.execute(delete(Observation).where(Observation.id == twin_id))


async def test_a_summary_reads_the_period_label_as_stored(world: World) -> None:
    """Stored labels are canonical: another spelling of a period, or no period at all, finds
    no value; the canonical label, asked before and after them, finds the same ones (the
    statement is built once for each set of values given, hub.query.aggregates)."""
    ask = {"period": "2009-Q1", "region": None}
    canonical = _data(await world.graphql(Role.IDEA_ANALYST, SUMMARY, ask))["indicatorSummary"]
    assert canonical["count"] > 0
    for label in ("2009-q1", "Q1 2009"):
        other = await world.graphql(Role.IDEA_ANALYST, SUMMARY, {**ask, "period": label})
        assert _data(other)["indicatorSummary"] == {"count": 0, "median": None}, label
    again = await world.graphql(Role.IDEA_ANALYST, SUMMARY, ask)
    assert _data(again)["indicatorSummary"] == canonical


async def test_a_summary_probes_each_rows_lines_on_sqlite_only(world: World) -> None:
    """One period's values are a few per authority: on SQLite each looks up its own grant
    lines (a correlated EXISTS, no CTE of every candidate line); PostgreSQL plans the
    memberships. The answer is checked against the trend, which keeps the memberships, in
    test_trend_is_one_statement_and_agrees_with_the_summaries."""
    ask = {"period": "2009-Q1", "region": None}
    with world.statements.counting() as counter:
        body = await world.graphql(Role.IDEA_ANALYST, SUMMARY, ask)
    assert _data(body)["indicatorSummary"]["count"] > 0
    (summary,) = [s for s in counter.reads if "aggregable" in s]
    probed = "EXISTS" in summary and "MATERIALIZED" not in summary
    assert probed == (world.backend == "sqlite"), summary
