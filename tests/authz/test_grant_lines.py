"""The grant_line table stays equal to the join of the agreement tables it is derived from,
whoever writes them: the demo's bulk load, the agreement services, raw SQL, a migration's
downgrade and upgrade. The policies read their `grant` lines from it, so a line missing
would withhold data and a line left behind would leak it."""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import session_factory, unit_of_work
from hub.demo import load_demo
from hub.migrate import alembic_config, upgrade
from hub.models import (
    Agreement,
    AgreementCoverage,
    AgreementPurpose,
    AgreementRecipient,
    AgreementVersion,
    Authority,
    GrantLine,
)
from hub.models.enums import AgreementState, Purpose
from hub.services.agreements import (
    AgreementTerms,
    Coverage,
    amend_agreement,
    create_agreement,
    set_agreement_state,
)

_COLUMNS = [c.name for c in GrantLine.__table__.columns]


def _derived() -> Any:
    """The lines as the policies read them before the table: the six-way join itself."""
    v, a, au = AgreementVersion, Agreement, Authority
    r, p, c = AgreementRecipient, AgreementPurpose, AgreementCoverage
    source = {
        "coverage_id": c.id,
        "recipient_id": r.organisation_id,
        "purpose": p.purpose,
        "version_id": v.id,
        "agreement_id": v.agreement_id,
        "version": v.version,
        "is_current": v.is_current,
        "state": v.state,
        "effective_from": v.effective_from,
        "effective_to": v.effective_to,
        "review_date": v.review_date,
        "include_provisional": v.include_provisional,
        "allow_aggregates": v.allow_aggregates,
        "authority_id": a.authority_id,
        "authority_region_id": au.region_id,
        "source_id": c.source_id,
        "theme_code": c.theme_code,
    }
    return (
        select(*(source[name] for name in _COLUMNS))
        .join(a, a.id == v.agreement_id)
        .join(au, au.id == a.authority_id)
        .join(r, r.version_id == v.id)
        .join(p, p.version_id == v.id)
        .join(c, c.version_id == v.id)
    )


async def _lines(engine: AsyncEngine) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    async with engine.connect() as connection:
        kept = {tuple(r) for r in await connection.execute(select(GrantLine.__table__))}
        derived = {tuple(r) for r in await connection.execute(_derived())}
    return kept, derived


async def _assert_kept(engine: AsyncEngine) -> int:
    kept, derived = await _lines(engine)
    assert kept == derived, (sorted(kept - derived, key=str)[:5], sorted(derived - kept, key=str))
    return len(kept)


TERMS = AgreementTerms(
    state=AgreementState.ACTIVE,
    effective_from=date(2026, 4, 1),
    effective_to=None,
    review_date=None,
    coverage=(Coverage("ac-cpa", None), Coverage(None, "housing"), Coverage("ac-caa", "economy")),
    recipients=("idea", "riep-west-midlands"),
    purposes=(Purpose.IMPROVEMENT_SUPPORT, Purpose.BENCHMARKING),
    include_provisional=False,
    allow_aggregates=True,
    lawful_basis="Local Government Act 2000 s.2",
    retention="Five years",
    contact="Information governance officer",
)


async def _in_session(engine: AsyncEngine, change: Callable[[Any], Awaitable[Any]]) -> None:
    async with unit_of_work(session_factory(engine)) as session:
        await change(session)


async def test_bulk_load_and_services_keep_the_lines(engine: AsyncEngine) -> None:
    await load_demo(engine, "tiny")
    assert await _assert_kept(engine) > 0, "the demo's agreements grant lines"

    async def create(session: Any) -> None:
        await create_agreement(session, authority="E08000025", terms=TERMS, by=None, reference="T")

    await _in_session(engine, create)
    before = await _assert_kept(engine)

    async def amend(session: Any) -> None:
        def narrower(t: AgreementTerms) -> AgreementTerms:
            return replace(t, coverage=t.coverage[:2], recipients=("idea",), change_note="narrower")

        await amend_agreement(session, reference="T", change=narrower, by=None)

    await _in_session(engine, amend)
    assert await _assert_kept(engine) == before + 2 * 1 * 2  # version 2's lines beside 1's

    async def suspend(session: Any) -> None:
        await set_agreement_state(
            session, reference="T", state=AgreementState.SUSPENDED, note="paused", by=None
        )

    await _in_session(engine, suspend)
    await _assert_kept(engine)
    async with engine.connect() as connection:
        current = await connection.execute(
            text(
                "SELECT DISTINCT version, state FROM grant_line JOIN agreement"
                " ON agreement.id = grant_line.agreement_id"
                " WHERE agreement.reference = 'T' AND is_current"
            )
        )
        assert current.all() == [(3, "suspended")]


_RAW_WRITES = [
    "DELETE FROM agreement_coverage WHERE id ="
    " (SELECT min(id) FROM agreement_coverage WHERE version_id = :v)",
    "DELETE FROM agreement_purpose WHERE version_id = :v AND purpose <>"
    " (SELECT min(purpose) FROM agreement_purpose WHERE version_id = :v)",
    "UPDATE agreement_purpose SET purpose = 'research' WHERE version_id = :v",
    "DELETE FROM agreement_recipient WHERE version_id = :v AND organisation_id ="
    " (SELECT min(organisation_id) FROM agreement_recipient WHERE version_id = :v)",
    "INSERT INTO agreement_recipient (version_id, organisation_id) SELECT :v, min(id)"
    " FROM organisation WHERE id NOT IN"
    " (SELECT organisation_id FROM agreement_recipient WHERE version_id = :v)",
    "UPDATE agreement_coverage SET theme_code = NULL,"
    " source_id = (SELECT min(id) FROM source) WHERE version_id = :v",
    "UPDATE agreement_version SET state = 'withdrawn', effective_to = '2027-01-31',"
    " include_provisional = NOT include_provisional WHERE id = :v",
    "UPDATE authority SET region_id = (SELECT max(id) FROM region)"
    " WHERE id = (SELECT min(authority_id) FROM agreement)",
    "UPDATE agreement SET authority_id = (SELECT max(id) FROM authority)"
    " WHERE id = (SELECT min(id) FROM agreement)",
    # A version's lines all go, by whichever of its children goes first.
    "DELETE FROM agreement_purpose WHERE version_id = :last",
    "DELETE FROM agreement_coverage WHERE version_id = :last",
    "DELETE FROM agreement_recipient WHERE version_id = :last",
]


async def test_raw_writes_keep_the_lines(engine: AsyncEngine) -> None:
    await load_demo(engine, "tiny")
    async with engine.connect() as connection:
        first, last = (
            await connection.execute(
                text("SELECT min(version_id), max(version_id) FROM agreement_coverage")
            )
        ).one()
    for write in _RAW_WRITES:
        async with engine.begin() as connection:
            await connection.execute(text(write), {"v": first, "last": last})
        await _assert_kept(engine)
    async with engine.connect() as connection:
        left = await connection.scalar(
            text("SELECT count(*) FROM grant_line WHERE version_id = :last"), {"last": last}
        )
    assert left == 0


def _migrate(connection: Connection, url: str, revision: str, up: bool) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    (command.upgrade if up else command.downgrade)(config, revision)


async def test_the_migration_builds_the_lines_from_what_is_there(engine: AsyncEngine) -> None:
    await load_demo(engine, "tiny")
    count = await _assert_kept(engine)
    url = engine.url.render_as_string(hide_password=False)
    async with engine.begin() as connection:
        await connection.run_sync(_migrate, url, "f1c2d3e4a5b6", False)
        await connection.execute(
            text("DELETE FROM agreement_purpose WHERE purpose = 'research'")
        )  # a change made while no trigger kept the lines
    await upgrade(engine)
    assert 0 < await _assert_kept(engine) <= count
