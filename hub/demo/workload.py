"""`load_demo`: reference data plus the synthetic workload, in one transaction.

Order: reference rows, demo principals, one applied ingest batch per source, observations (bulk,
the only large table), assessments and flags, agreements and mutuality statements, concerns,
then each batch's row count. Everything but the reference rows is skipped when the database
already holds the demo, which makes a second run a no-op.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.demo import catalogue
from hub.demo.agreements import Party, build_agreements
from hub.demo.assessments import Council, assessment_rows, flag_rows
from hub.demo.bulk import bulk_mode, insert_rows, renderer
from hub.demo.observations import (
    SeriesAuthority,
    SeriesIndicator,
    asc_observation_rows,
    ni_chunks,
    quarter_cells,
)
from hub.demo.periods import demo_quarters
from hub.demo.reference import code_ids, load_reference_rows, table_of
from hub.demo.scenario import CONCERNS, DEMO_PRINCIPALS, DIFFICULTY
from hub.demo.state import DEMO_FORMAT, demo_loaded, table_counts
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
from hub.models.enums import BatchStatus, Role


@dataclass(frozen=True, slots=True)
class Scale:
    quarters: int  # the newest quarters of 2000-Q2 .. 2010-Q1
    indicators: tuple[int, ...]  # NI numbers


SCALES: dict[str, Scale] = {
    "tiny": Scale(8, (*range(1, 11), 59, 192)),
    "small": Scale(8, tuple(range(1, catalogue.NI_COUNT + 1))),
    "full": Scale(40, tuple(range(1, catalogue.NI_COUNT + 1))),
}
OBSERVATION_COLUMNS = (
    "authority_id",
    "indicator_id",
    "source_id",
    "period",
    "period_start",
    "period_end",
    "value",
    "target",
    "status",
    "batch_id",
    "received_at",
)
# When each source's demo batch arrived: after the newest period it carries.
_BATCH_AT = {
    "ac-cpa": datetime(2009, 3, 6, 9, tzinfo=UTC),
    "ac-caa": datetime(2009, 12, 10, 9, tzinfo=UTC),
    "ac-use-of-resources": datetime(2009, 12, 10, 9, tzinfo=UTC),
    "ofsted-childrens-services": datetime(2008, 12, 11, 9, tzinfo=UTC),
    "cqc-adult-social-care": datetime(2023, 11, 30, 9, tzinfo=UTC),
}
_LAA_BATCH_AT = datetime(2010, 5, 14, 9, tzinfo=UTC)
_CONCERN_AT = datetime(2010, 2, 1, 9, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Ids:
    orgs: dict[str, int]
    sources: dict[str, int]  # the catalogue's sources only
    indicators: dict[str, int]
    councils: list[Council]


async def _ids(connection: AsyncConnection) -> _Ids:
    sources = await code_ids(connection, Source)
    rows = await connection.execute(
        select(
            Authority.id,
            Authority.code,
            Authority.gss_code,
            Authority.short_name,
            Authority.type,
            Region.name,
        )
        .join(Region, Region.id == Authority.region_id)
        .order_by(Authority.id)
    )
    councils = [Council(*row, in_difficulty=row[1] in DIFFICULTY) for row in rows]
    return _Ids(
        orgs=await code_ids(connection, Organisation),
        sources={s.code: sources[s.code] for s in catalogue.sources()},
        indicators=await code_ids(connection, Indicator),
        councils=councils,
    )


async def _principals(connection: AsyncConnection, org_ids: dict[str, int]) -> dict[Role, int]:
    table = table_of(Principal)
    key = (table.c.organisation_id, table.c.name, table.c.id)
    present = {(o, n) for o, n, _ in await connection.execute(select(*key))}
    missing = [
        {"organisation_id": org_ids[p.org_code], "name": p.name, "role": p.role.value}
        for p in DEMO_PRINCIPALS
        if (org_ids[p.org_code], p.name) not in present
    ]
    if missing:
        await connection.execute(insert(table), missing)
    by_key = {(o, n): i for o, n, i in await connection.execute(select(*key))}
    return {p.role: by_key[(org_ids[p.org_code], p.name)] for p in DEMO_PRINCIPALS}


async def _batches(
    connection: AsyncConnection, scale: str, ids: _Ids, submitter: int
) -> dict[str, int]:
    """One applied batch per source; the Audit Commission's are its demo submitter's."""
    table = table_of(IngestBatch)
    owners = {s.code: s.organisation for s in catalogue.sources()}
    rows = []
    for code in ids.sources:
        at = _BATCH_AT.get(code, _LAA_BATCH_AT)
        rows.append(
            {
                "source_id": ids.sources[code],
                "organisation_id": ids.orgs[owners[code]],
                "principal_id": submitter if owners[code] == "audit-commission" else None,
                "idempotency_key": f"{DEMO_FORMAT}:{scale}:{code}",
                "format": DEMO_FORMAT,
                "status": BatchStatus.APPLIED.value,
                "received_at": at,
                "completed_at": at + timedelta(minutes=5),
            }
        )
    await connection.execute(insert(table), rows)
    keys = await connection.execute(
        select(table.c.idempotency_key, table.c.id).where(table.c.format == DEMO_FORMAT)
    )
    return {str(k).split(":")[2]: i for k, i in keys}


async def _observations(
    connection: AsyncConnection, spec: Scale, ids: _Ids, batches: dict[str, int]
) -> Counter[int]:
    """Insert every NI and ASC observation; returns rows per batch id."""
    table = table_of(Observation)
    render_date = renderer(connection, table, "period_start")
    render_time = renderer(connection, table, "received_at")
    cells = quarter_cells(demo_quarters(spec.quarters), render_date, render_time)
    series_authorities = [
        SeriesAuthority(c.id, c.gss_code, c.type, c.in_difficulty) for c in ids.councils
    ]
    series_indicators = []
    for number in spec.indicators:
        info = catalogue.ni_indicator(number)
        series_indicators.append(
            SeriesIndicator(ids.indicators[info.code], number, info.unit, info.polarity)
        )
    per_batch: Counter[int] = Counter()
    source_of = {}
    for council in ids.councils:
        laa = catalogue.laa_source_code(council.region)
        source_of[council.id] = (ids.sources[laa], batches[laa])
        per_batch[batches[laa]] += len(series_indicators) * len(cells)
    asc, _skipped = asc_observation_rows(
        {c.gss_code: c.id for c in ids.councils},
        ids.indicators,
        ids.sources["cqc-adult-social-care"],
        batches["cqc-adult-social-care"],
        render_date,
        render_time,
    )
    per_batch[batches["cqc-adult-social-care"]] += len(asc)
    async with bulk_mode(connection, table):
        chunks = ni_chunks(series_authorities, series_indicators, cells, source_of)
        await insert_rows(connection, table, OBSERVATION_COLUMNS, chunks)
        await insert_rows(connection, table, OBSERVATION_COLUMNS, [asc])
    return per_batch


async def _judgements(
    connection: AsyncConnection, ids: _Ids, batches: dict[str, int]
) -> Counter[int]:
    assessments = assessment_rows(ids.councils, ids.sources, batches)
    laa_of = {r: catalogue.laa_source_code(r) for r in catalogue.REGION_SLUGS}
    flags = flag_rows({c.code: c for c in ids.councils}, ids.sources, batches, laa_of)
    await connection.execute(insert(table_of(Assessment)), assessments)
    await connection.execute(insert(table_of(Flag)), flags)
    return Counter(row["batch_id"] for row in [*assessments, *flags])


async def _agreements(connection: AsyncConnection, ids: _Ids, principals: dict[Role, int]) -> None:
    parties = [
        Party(
            id=c.id,
            code=c.code,
            short_name=c.short_name,
            riep_id=ids.orgs[catalogue.riep_code(c.region)],
            laa_source_id=ids.sources[catalogue.laa_source_code(c.region)],
        )
        for c in ids.councils
    ]
    plans, statements = build_agreements(
        parties, ids.sources, ids.orgs["idea"], principals[Role.HUB_ADMIN]
    )
    agreement, version = table_of(Agreement), table_of(AgreementVersion)
    await connection.execute(insert(agreement), [p.row for p in plans])
    agreement_ids = await code_ids(connection, Agreement, key="reference")
    versions = [
        {**v.row, "agreement_id": agreement_ids[p.row["reference"]]}
        for p in plans
        for v in p.versions
    ]
    await connection.execute(insert(version), versions)
    rows = await connection.execute(select(version.c.agreement_id, version.c.version, version.c.id))
    version_ids = {(a, n): i for a, n, i in rows}
    coverage, recipients, purposes = [], [], []
    for p in plans:
        for v in p.versions:
            vid = version_ids[(agreement_ids[p.row["reference"]], v.row["version"])]
            coverage += [
                {"version_id": vid, "source_id": s, "theme_code": t} for s, t in v.coverage
            ]
            recipients += [{"version_id": vid, "organisation_id": o} for o in v.recipients]
            purposes += [{"version_id": vid, "purpose": x} for x in v.purposes]
    await connection.execute(insert(table_of(AgreementCoverage)), coverage)
    await connection.execute(insert(table_of(AgreementRecipient)), recipients)
    await connection.execute(insert(table_of(AgreementPurpose)), purposes)
    await connection.execute(insert(table_of(MutualityStatement)), statements)


async def _concerns(connection: AsyncConnection, ids: _Ids, principals: dict[Role, int]) -> None:
    by_code = {c.code: c for c in ids.councils}
    rows = []
    for n, plan in enumerate(CONCERNS):
        at = _CONCERN_AT + timedelta(days=9 * n)
        rows.append(
            {
                "authority_id": by_code[plan.authority].id,
                "raised_by_organisation_id": ids.orgs[plan.raised_by],
                "raised_by_principal_id": (
                    principals[Role.RIEP_ANALYST] if plan.raised_by == "riep-north-east" else None
                ),
                "subject": plan.subject,
                "detail": plan.detail,
                "status": plan.status,
                "created_at": at,
                "updated_at": at + timedelta(days=14),
            }
        )
    await connection.execute(insert(table_of(Concern)), rows)


async def load_demo(engine: AsyncEngine, scale: str = "small") -> dict[str, int]:
    """Load the reference data and the demo workload at `scale` (tiny, small or full), unless
    the database already holds the demo; returns the row count of every table."""
    if scale not in SCALES:
        raise ValueError(f"unknown demo scale {scale!r}; choose one of {', '.join(SCALES)}")
    if await demo_loaded(engine):
        return await table_counts(engine)
    async with engine.begin() as connection:
        await load_reference_rows(connection)
        ids = await _ids(connection)
        principals = await _principals(connection, ids.orgs)
        batches = await _batches(connection, scale, ids, principals[Role.SUBMITTER])
        rows = await _observations(connection, SCALES[scale], ids, batches)
        rows += await _judgements(connection, ids, batches)
        await _agreements(connection, ids, principals)
        await _concerns(connection, ids, principals)
        table = table_of(IngestBatch)
        for batch_id, count in rows.items():
            await connection.execute(
                update(table).where(table.c.id == batch_id).values(row_count=count)
            )
    return await table_counts(engine)
