"""Reads of reference data: regions, authorities, themes, indicators, sources.

Reference lists are small; the policy still says who reads them (kind "reference").
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, Table, or_, select

from hub.authz import Kind
from hub.models import Authority, Indicator, Region, Source, Theme
from hub.query.bound import BUILT, among, listed
from hub.query.bound import values as bound_values
from hub.query.pages import Page, PageRequest, keyset, to_page
from hub.query.reader import Reader

AUTHORITY: Table = Authority.__table__  # type: ignore[assignment]
REGION: Table = Region.__table__  # type: ignore[assignment]
THEME: Table = Theme.__table__  # type: ignore[assignment]
INDICATOR: Table = Indicator.__table__  # type: ignore[assignment]
SOURCE: Table = Source.__table__  # type: ignore[assignment]


async def regions(reader: Reader) -> Sequence[Row[Any]]:
    stmt = select(REGION).where(reader.may_read(Kind.REFERENCE)).order_by(REGION.c.code)
    return await reader.small_rows(stmt)


async def region_by_code(reader: Reader, code: str) -> Row[Any] | None:
    stmt = select(REGION).where(REGION.c.code == code, reader.may_read(Kind.REFERENCE))
    found = await reader.small_rows(stmt)
    return found[0] if found else None


async def authorities(
    reader: Reader, page: PageRequest, *, region: str | None = None, type_: str | None = None
) -> Page[Row[Any]]:
    stmt = select(AUTHORITY).where(reader.may_read(Kind.REFERENCE))
    if region is not None:
        stmt = stmt.where(
            AUTHORITY.c.region_id.in_(select(REGION.c.id).where(REGION.c.code == region))
        )
    if type_ is not None:
        stmt = stmt.where(AUTHORITY.c.type == type_)
    return to_page(await reader.rows(keyset(stmt, AUTHORITY.c.id, page)), page)


async def authority_by_code(reader: Reader, code: str) -> Row[Any] | None:
    """By GSS code (E06000005) or by the three-letter code (DAL)."""
    stmt = select(AUTHORITY).where(
        or_(AUTHORITY.c.gss_code == code, AUTHORITY.c.code == code),
        reader.may_read(Kind.REFERENCE),
    )
    found = await reader.small_rows(stmt)
    return found[0] if found else None


async def authorities_of_regions(
    reader: Reader, region_ids: Sequence[int], type_: str | None = None
) -> Sequence[Row[Any]]:
    """All authorities of several regions in one statement (a region has at most ~75)."""
    stmt = select(AUTHORITY).where(
        AUTHORITY.c.region_id.in_(region_ids), reader.may_read(Kind.REFERENCE)
    )
    if type_ is not None:
        stmt = stmt.where(AUTHORITY.c.type == type_)
    return await reader.small_rows(stmt.order_by(AUTHORITY.c.name))


async def by_ids(reader: Reader, table: Table, ids: Sequence[Any]) -> Sequence[Row[Any]]:
    """Rows of a reference table by primary key, for the DataLoaders. Built once per table
    (hub.query.bound), the ids one array on PostgreSQL: a national table asks for 335
    authorities, and a list written as `IN (...)` was a statement to prepare anew for each
    length of list."""
    array = reader.takes_arrays
    key = ("by_ids", table.name, reader.read_decisions(Kind.REFERENCE), array)
    stmt = BUILT.get(key, lambda: _by_ids(reader, table, array))
    return await reader.small_rows(stmt, bound_values({"ids": list(ids)}))


def _by_ids(reader: Reader, table: Table, array: bool) -> Select[Any]:
    key = next(iter(table.primary_key.columns))
    ids = listed("ids", key.type, array=array)
    return select(table).where(among(key, ids), reader.may_read(Kind.REFERENCE))


async def themes(reader: Reader) -> Sequence[Row[Any]]:
    stmt = select(THEME).where(reader.may_read(Kind.REFERENCE)).order_by(THEME.c.code)
    return await reader.rows(stmt)


async def sources(reader: Reader) -> Sequence[Row[Any]]:
    stmt = select(SOURCE).where(reader.may_read(Kind.REFERENCE)).order_by(SOURCE.c.code)
    return await reader.rows(stmt)


async def indicators(
    reader: Reader, page: PageRequest, *, theme: str | None = None
) -> Page[Row[Any]]:
    stmt = select(INDICATOR).where(reader.may_read(Kind.REFERENCE))
    if theme is not None:
        stmt = stmt.where(INDICATOR.c.theme_code == theme)
    return to_page(await reader.rows(keyset(stmt, INDICATOR.c.id, page)), page)


async def indicator_by_code(reader: Reader, code: str) -> Row[Any] | None:
    stmt = select(INDICATOR).where(INDICATOR.c.code == code, reader.may_read(Kind.REFERENCE))
    found = await reader.rows(stmt)
    return found[0] if found else None
