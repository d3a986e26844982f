"""Reads of the access log, filtered by policies/audit.polar (kinds AccessRecord, AccessTouch).

One statement per list: records with their principal and organisation; the codes of what a page
touched; an authority's access summarised per organisation, purpose and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, String, Table, distinct, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hub.authz import Kind
from hub.models import Agreement, AgreementVersion, Authority, Organisation, Principal, Source
from hub.models.audit import AccessRecord, AccessTouch
from hub.query.pages import Page, PageRequest, keyset, to_page
from hub.query.reader import Reader

RECORD: Table = AccessRecord.__table__  # type: ignore[assignment]
TOUCH: Table = AccessTouch.__table__  # type: ignore[assignment]
_AUTHORITY: Table = Authority.__table__  # type: ignore[assignment]
_ORGANISATION: Table = Organisation.__table__  # type: ignore[assignment]
_PRINCIPAL: Table = Principal.__table__  # type: ignore[assignment]
_SOURCE: Table = Source.__table__  # type: ignore[assignment]


class utc_day(FunctionElement[str]):
    """The UTC calendar day of a timestamp, as YYYY-MM-DD, on both backends."""

    type = String()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as text (hub.models.base.UTCDateTime).
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@dataclass(frozen=True, slots=True)
class AccessFilter:
    since: datetime | None = None
    until: datetime | None = None
    organisation: str | None = None
    principal: str | None = None
    authority: str | None = None
    source: str | None = None
    outcome: str | None = None


def _authority_ids(code: str) -> Any:
    return select(_AUTHORITY.c.id).where(
        or_(_AUTHORITY.c.gss_code == code, _AUTHORITY.c.code == code)
    )


def _source_ids(code: str) -> Any:
    return select(_SOURCE.c.id).where(_SOURCE.c.code == code)


async def access_records(reader: Reader, f: AccessFilter, page: PageRequest) -> Page[Row[Any]]:
    """Access records the principal may read, oldest first (chain order)."""
    stmt = (
        select(
            RECORD,
            _PRINCIPAL.c.name.label("principal_name"),
            _ORGANISATION.c.code.label("organisation_code"),
        )
        .outerjoin(_PRINCIPAL, _PRINCIPAL.c.id == RECORD.c.principal_id)
        .outerjoin(_ORGANISATION, _ORGANISATION.c.id == RECORD.c.organisation_id)
        .where(reader.may_read(Kind.ACCESS_RECORD, RECORD))
    )
    if f.since is not None:
        stmt = stmt.where(RECORD.c.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(RECORD.c.at < f.until)
    if f.organisation is not None:
        stmt = stmt.where(_ORGANISATION.c.code == f.organisation)
    if f.principal is not None:
        stmt = stmt.where(_PRINCIPAL.c.name == f.principal)
    if f.outcome is not None:
        stmt = stmt.where(RECORD.c.outcome == f.outcome)
    if f.authority is not None:
        touching = select(TOUCH.c.record_id).where(
            TOUCH.c.authority_id.in_(_authority_ids(f.authority))
        )
        stmt = stmt.where(RECORD.c.id.in_(touching))
    if f.source is not None:
        touching = select(TOUCH.c.record_id).where(TOUCH.c.source_id.in_(_source_ids(f.source)))
        stmt = stmt.where(RECORD.c.id.in_(touching))
    return to_page(await reader.rows(keyset(stmt, RECORD.c.id, page)), page)


async def codes(
    reader: Reader, authority_ids: set[int], source_ids: set[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """GSS codes of authorities and codes of sources (public reference data), by id."""
    authorities = await reader.rows(
        select(_AUTHORITY.c.id, _AUTHORITY.c.gss_code).where(_AUTHORITY.c.id.in_(authority_ids))
    )
    sources = await reader.rows(
        select(_SOURCE.c.id, _SOURCE.c.code).where(_SOURCE.c.id.in_(source_ids))
    )
    return ({r.id: r.gss_code for r in authorities}, {r.id: r.code for r in sources})


async def access_to_authorities(
    reader: Reader,
    authority: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Sequence[Row[Any]]:
    """Who read authorities' data: per authority, organisation, role, purpose and UTC day, the
    requests and rows. Only touches the principal may read (an authority officer: its own)."""
    day = utc_day(RECORD.c.at)
    stmt = (
        select(
            _AUTHORITY.c.gss_code.label("authority"),
            _ORGANISATION.c.code.label("organisation"),
            RECORD.c.role,
            RECORD.c.purpose,
            day.label("day"),
            Agreement.reference.label("agreement"),
            AgreementVersion.version.label("agreement_version"),
            func.count(distinct(RECORD.c.id)).label("requests"),
            func.sum(TOUCH.c.rows).label("rows"),
        )
        .select_from(TOUCH)
        .join(RECORD, RECORD.c.id == TOUCH.c.record_id)
        .join(_AUTHORITY, _AUTHORITY.c.id == TOUCH.c.authority_id)
        .outerjoin(_ORGANISATION, _ORGANISATION.c.id == RECORD.c.organisation_id)
        .outerjoin(AgreementVersion, AgreementVersion.id == TOUCH.c.agreement_version_id)
        .outerjoin(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .where(reader.may_read(Kind.ACCESS_TOUCH, TOUCH))
        .group_by(
            _AUTHORITY.c.gss_code,
            _ORGANISATION.c.code,
            RECORD.c.role,
            RECORD.c.purpose,
            day,
            Agreement.reference,
            AgreementVersion.version,
        )
        .order_by(day, _AUTHORITY.c.gss_code, _ORGANISATION.c.code, RECORD.c.role, RECORD.c.purpose)
    )
    if authority is not None:
        stmt = stmt.where(TOUCH.c.authority_id.in_(_authority_ids(authority)))
    if since is not None:
        stmt = stmt.where(RECORD.c.at >= since)
    if until is not None:
        stmt = stmt.where(RECORD.c.at < until)
    return await reader.rows(stmt)
