"""Load the reference data: themes, regions, authorities, organisations, sources, indicators.

Idempotent by code: a row whose code is already present is left alone, a missing one is added,
so running it again, or over a database another tool seeded, changes nothing it need not. The one
correction it always makes is a district's county (the source's own error put Forest Heath in
Surrey; see hub/reference/README.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.demo import catalogue
from hub.demo.refdata import authorities, regions
from hub.models import Authority, Indicator, Organisation, Region, Source, Theme
from hub.models.enums import OrganisationKind


def table_of(model: Any) -> Table:
    """A model's Core table (typed: mypy sees `__table__` as a FromClause)."""
    table: Table = model.__table__
    return table


async def code_ids(connection: AsyncConnection, model: Any, key: str = "code") -> dict[str, int]:
    """`key` -> id for every row of a model's table."""
    table = table_of(model)
    rows = await connection.execute(select(table.c[key], table.c.id))
    return {str(k): int(i) for k, i in rows}


async def _insert_missing(
    connection: AsyncConnection, model: Any, rows: list[dict[str, Any]], key: str = "code"
) -> int:
    table = table_of(model)
    present = set((await connection.execute(select(table.c[key]))).scalars())
    missing = [row for row in rows if row[key] not in present]
    if missing:
        await connection.execute(insert(table), missing)
    return len(missing)


async def _authorities(connection: AsyncConnection) -> None:
    region_ids = await code_ids(connection, Region, key="name")
    await _insert_missing(
        connection,
        Authority,
        [
            {
                "gss_code": a.gss_code,
                "code": a.code,
                "snac": a.snac or None,
                "name": a.name,
                "short_name": a.short_name,
                "type": a.type,
                "region_id": region_ids[a.region],
            }
            for a in authorities()
        ],
        key="gss_code",
    )
    current = {
        code: (i, county)
        for code, i, county in await connection.execute(
            select(Authority.code, Authority.id, Authority.county_id)
        )
    }
    fixes = []
    for a in authorities():
        if a.county_code is None:
            continue
        own_id, county_id = current[a.code]
        wanted = current[a.county_code][0]
        if county_id != wanted:
            fixes.append({"own": own_id, "county": wanted})
    if fixes:
        table = table_of(Authority)
        await connection.execute(
            update(table)
            .where(table.c.id == bindparam("own"))
            .values(county_id=bindparam("county")),
            fixes,
        )


async def _organisations(connection: AsyncConnection) -> None:
    region_ids = await code_ids(connection, Region, key="name")
    authority_ids = await code_ids(connection, Authority, key="gss_code")
    rows = [
        {
            "code": o.code,
            "name": o.name,
            "kind": o.kind.value,
            "region_id": region_ids[o.region] if o.region else None,
            "authority_id": None,
        }
        for o in catalogue.organisations()
    ]
    # An authority's organisation is the council itself: no region of its own to serve.
    rows += [
        {
            "code": a.gss_code,
            "name": a.name,
            "kind": OrganisationKind.AUTHORITY.value,
            "region_id": None,
            "authority_id": authority_ids[a.gss_code],
        }
        for a in authorities()
    ]
    await _insert_missing(connection, Organisation, rows)


async def load_reference_rows(connection: AsyncConnection) -> None:
    """Add whatever reference rows are missing, inside the caller's transaction."""
    await _insert_missing(connection, Theme, [{"code": c, "name": n} for c, n in catalogue.THEMES])
    await _insert_missing(connection, Region, [{"code": r.code, "name": r.name} for r in regions()])
    await _authorities(connection)
    await _organisations(connection)
    org_ids = await code_ids(connection, Organisation)
    await _insert_missing(
        connection,
        Source,
        [
            {
                "code": s.code,
                "name": s.name,
                "organisation_id": org_ids[s.organisation],
                "theme_code": s.theme,
            }
            for s in catalogue.sources()
        ],
    )
    await _insert_missing(
        connection,
        Indicator,
        [
            {
                "code": i.code,
                "title": i.title,
                "unit": i.unit,
                "polarity": i.polarity.value,
                "theme_code": i.theme,
                "is_demo": i.is_demo,
            }
            for i in catalogue.indicators()
        ],
    )


async def load_reference(engine: AsyncEngine) -> None:
    """Add any missing reference rows in a transaction of their own; safe to run again."""
    async with engine.begin() as connection:
        await load_reference_rows(connection)
