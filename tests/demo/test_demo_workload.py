"""The synthetic workload: observations, judgements, agreements; determinism; running it again."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.demo import DEMO_PRINCIPALS, DIFFICULTY, demo_loaded, load_demo, loaded_scale, reset_demo
from hub.demo.catalogue import REGION_SLUGS, ni_polarity
from hub.demo.refdata import asc_rows, authorities
from hub.demo.state import table_counts
from hub.models import (
    Agreement,
    AgreementCoverage,
    AgreementPurpose,
    AgreementRecipient,
    AgreementVersion,
    Assessment,
    Authority,
    Concern,
    Flag,
    Indicator,
    IngestBatch,
    MutualityStatement,
    Observation,
    Organisation,
    Principal,
    Region,
    Source,
)
from hub.models.enums import AgreementState, FlagKind, Framework, Polarity, Purpose, Role
from tests.demo.demo_checks import judgement_checksum, observation_checksum, tiny_demo

TINY_NI = 353 * 12 * 8


def _asc_expected() -> int:
    known = {a.gss_code for a in authorities()}
    return sum(1 for r in asc_rows() if r.value is not None and r.gss_code in known)


async def test_observation_counts_periods_and_status(demo_engine: AsyncEngine) -> None:
    query = (
        select(Indicator.code.like("NI%"), Observation.period, Observation.status, func.count())
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .group_by(Indicator.code.like("NI%"), Observation.period, Observation.status)
    )
    async with demo_engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    ni = {(period, status): n for is_ni, period, status, n in rows if is_ni}
    asc = {(period, status): n for is_ni, period, status, n in rows if not is_ni}
    assert sum(ni.values()) == TINY_NI
    assert sorted(p for p, _ in ni) == [
        f"{y}-Q{q}"
        for y, q in [(2008, 2), (2008, 3), (2008, 4)]
        + [(2009, n) for n in (1, 2, 3, 4)]
        + [(2010, 1)]
    ]
    assert {s for p, s in ni if p == "2010-Q1"} == {"provisional"}
    assert {s for p, s in ni if p != "2010-Q1"} == {"final"}
    assert sum(asc.values()) == _asc_expected()
    assert {s for _, s in asc} == {"final"}
    assert "2015-16" in {p for p, _ in asc}


async def test_dates_are_stored_as_the_orm_stores_them(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        by_date = await connection.scalar(
            select(func.count()).where(Observation.period_start == date(2009, 7, 1))
        )
        by_time = await connection.scalar(
            select(func.count()).where(
                Observation.received_at == datetime(2009, 11, 11, 9, tzinfo=UTC)
            )
        )
        row = (
            await connection.execute(select(Observation).where(Observation.period == "2009-Q3"))
        ).first()
    assert by_date == by_time == 353 * 12
    assert row is not None
    assert row.period_end == date(2009, 9, 30)
    assert row.received_at == datetime(2009, 11, 11, 9, tzinfo=UTC)


async def test_ni_values_come_from_the_region_go_and_are_plausible(
    demo_engine: AsyncEngine,
) -> None:
    query = (
        select(Region.name, Source.code, Indicator.unit, Observation.value, Observation.target)
        .join(Authority, Authority.id == Observation.authority_id)
        .join(Region, Region.id == Authority.region_id)
        .join(Source, Source.id == Observation.source_id)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Indicator.code.like("NI%"))
    )
    async with demo_engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    assert all(source == f"go-{REGION_SLUGS[region]}-laa" for region, source, *_ in rows)
    assert all(value is not None and value >= 0 for *_, value, _ in rows)
    assert all(value <= 100 for _, _, unit, value, _ in rows if unit in ("percent", "score"))
    targets = sum(1 for *_, target in rows if target is not None)
    assert 0.05 * len(rows) < targets < 0.3 * len(rows)


async def test_authorities_in_difficulty_get_worse(demo_engine: AsyncEngine) -> None:
    query = (
        select(Authority.code, Indicator.code, Observation.period, Observation.value)
        .join(Authority, Authority.id == Observation.authority_id)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Indicator.code.like("NI%"), Observation.period.in_(["2008-Q2", "2010-Q1"]))
    )
    series: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    async with demo_engine.connect() as connection:
        for authority, indicator, period, value in await connection.execute(query):
            series[(authority, indicator)][period] = value
    worse: dict[bool, list[bool]] = {True: [], False: []}
    for (authority, indicator), values in series.items():
        polarity = ni_polarity(int(indicator[2:]))
        if polarity is Polarity.NEUTRAL:
            continue
        change = values["2010-Q1"] - values["2008-Q2"]
        good = 1 if polarity is Polarity.HIGHER_IS_BETTER else -1
        worse[authority in DIFFICULTY].append(change * good < 0)
    assert sum(worse[True]) / len(worse[True]) > 0.6
    assert sum(worse[False]) / len(worse[False]) < 0.5


async def test_one_applied_batch_per_source_counts_its_rows(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        batches = (await connection.execute(select(IngestBatch))).all()
        rows = 0
        for model in (Observation, Assessment, Flag):
            rows += await connection.scalar(select(func.count()).select_from(model)) or 0
        mismatched = await connection.scalar(
            select(func.count())
            .select_from(Observation)
            .join(IngestBatch, IngestBatch.id == Observation.batch_id)
            .where(IngestBatch.source_id != Observation.source_id)
        )
    assert len(batches) == 14
    assert {(b.format, b.status) for b in batches} == {("demo", "applied")}
    assert sum(b.row_count for b in batches) == rows
    assert mismatched == 0


async def test_assessments_and_flags(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        assessments = (
            await connection.execute(
                select(Authority.code, Authority.type, Assessment).join(
                    Authority, Authority.id == Assessment.authority_id
                )
            )
        ).all()
        flags = (
            await connection.execute(
                select(Authority.code, Source.code, Flag.kind)
                .join(Authority, Authority.id == Flag.authority_id)
                .join(Source, Source.id == Flag.source_id)
            )
        ).all()
    frameworks = Counter(row.framework for row in assessments)
    assert frameworks[Framework.CPA] == 152 * 4
    assert frameworks[Framework.OFSTED_APA] == 152 * 3
    assert frameworks[Framework.CAA_ORGANISATIONAL] == 353
    assert {row.type for row in assessments if row.framework is Framework.CPA} == {
        "CTY",
        "UA",
        "MD",
        "LBO",
        "CC",
    }
    assert all(0 <= row.score <= 4 for row in assessments)
    caa = {
        row.code: row.score for row in assessments if row.framework is Framework.CAA_ORGANISATIONAL
    }
    assert {caa[code] for code in DIFFICULTY} == {1}
    kinds = Counter(kind for _, _, kind in flags)
    assert kinds == {FlagKind.CAA_RED: 4, FlagKind.CAA_GREEN: 5, FlagKind.IMPROVEMENT_NOTICE: 3}
    notices = [
        (code, source) for code, source, kind in flags if kind is FlagKind.IMPROVEMENT_NOTICE
    ]
    assert all(code in DIFFICULTY and source.endswith("-laa") for code, source in notices)


async def test_agreements_tell_every_story(demo_engine: AsyncEngine) -> None:
    async with AsyncSession(demo_engine) as session:
        versions = (
            await session.execute(
                select(Authority.code, AgreementVersion)
                .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
                .join(Authority, Authority.id == Agreement.authority_id)
                .order_by(AgreementVersion.version)
            )
        ).all()
    async with demo_engine.connect() as connection:
        statements = dict(
            (
                await connection.execute(
                    select(Authority.code, MutualityStatement.state).join(
                        Authority, Authority.id == MutualityStatement.authority_id
                    )
                )
            ).all()
        )
        coverage = Counter(
            v for (v,) in await connection.execute(select(AgreementCoverage.version_id))
        )
        recipients: dict[int, set[str]] = defaultdict(set)
        for v, org in await connection.execute(
            select(AgreementRecipient.version_id, Organisation.code).join(
                Organisation, Organisation.id == AgreementRecipient.organisation_id
            )
        ):
            recipients[v].add(org)
        purposes: dict[int, set[str]] = defaultdict(set)
        for v, purpose in await connection.execute(
            select(AgreementPurpose.version_id, AgreementPurpose.purpose)
        ):
            purposes[v].add(purpose)
    current = {code: v for code, v in versions if v.is_current}
    history = [v for _, v in versions if not v.is_current]
    assert {v.state for v in current.values()} == set(AgreementState)
    assert len(current) == 348  # everyone but the five without an agreement
    assert {"NTY", "IOS", "LND", "TOR", "RUT"}.isdisjoint(current)
    assert "NTY" not in statements
    assert statements["RUT"] == "signed"
    assert current["HPL"].state is AgreementState.WITHDRAWN
    assert statements["HPL"] == "withdrawn"
    assert current["RCC"].state is AgreementState.SUSPENDED
    assert current["STY"].state is AgreementState.EXPIRED
    assert current["NBL"].state is AgreementState.DRAFT
    assert len(history) == 8  # NET, DUR and the suspended and withdrawn ones
    net = [v for code, v in versions if code == "NET"]
    assert net[0].effective_to is not None
    assert net[1].effective_to is None
    assert (net[1].effective_from - net[0].effective_to).days == 1
    assert coverage[net[0].id] == 3
    assert coverage[net[1].id] == 14
    full = current["MDB"]
    assert full.state is AgreementState.ACTIVE
    assert full.include_provisional
    assert full.review_date is None  # in force today: policies compare with the real date
    assert coverage[full.id] == 14
    assert recipients[full.id] == {"riep-north-east", "idea"}
    assert purposes[full.id] == {p.value for p in Purpose}
    assert recipients[current["BIR"].id] == {"riep-west-midlands"}
    assert Purpose.RESEARCH.value not in purposes[current["SND"].id]
    assert not current["DAL"].include_provisional


async def test_concerns_and_principals(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        concerns = (
            await connection.execute(
                select(Authority.code, Organisation.kind)
                .select_from(Concern)
                .join(Authority, Authority.id == Concern.authority_id)
                .join(Organisation, Organisation.id == Concern.raised_by_organisation_id)
            )
        ).all()
        principals = {
            (org, role, name)
            for org, role, name in await connection.execute(
                select(Organisation.code, Principal.role, Principal.name).join(
                    Organisation, Organisation.id == Principal.organisation_id
                )
            )
        }
    assert len(concerns) == 4
    assert all(code in DIFFICULTY and kind == "riep" for code, kind in concerns)
    assert principals == set(DEMO_PRINCIPALS)
    assert {p.role for p in DEMO_PRINCIPALS} == set(Role)


async def test_running_it_again_changes_nothing(demo_engine: AsyncEngine) -> None:
    before = await table_counts(demo_engine)
    checksum = await observation_checksum(demo_engine)
    assert await load_demo(demo_engine, "tiny") == before
    assert await load_demo(demo_engine, "small") == before  # another scale: still skipped
    assert await loaded_scale(demo_engine) == "tiny"
    assert await observation_checksum(demo_engine) == checksum


async def test_two_loads_are_identical_and_reset_reloads(
    demo_engine: AsyncEngine, tmp_path: Path
) -> None:
    other = await tiny_demo(tmp_path / "again.db")
    try:
        assert await observation_checksum(other) == await observation_checksum(demo_engine)
        assert await judgement_checksum(other) == await judgement_checksum(demo_engine)
        await reset_demo(other)
        assert not await demo_loaded(other)
        assert set((await table_counts(other)).values()) == {0}
        await load_demo(other, "tiny")
        assert await observation_checksum(other) == await observation_checksum(demo_engine)
    finally:
        await other.dispose()


async def test_unknown_scale_is_refused(demo_engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="unknown demo scale"):
        await load_demo(demo_engine, "huge")
