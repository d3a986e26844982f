"""Reads of clearing-house concerns, filtered by the policy (kind "Concern") in the statement.

Every concern a principal receives is noted on the reader, so the request's access record
says which concerns (by authority) it read.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, Table, or_, select

from hub.authz import Kind
from hub.models import Authority, Concern, Organisation, Principal
from hub.models.enums import ConcernStatus
from hub.query.pages import Page, PageRequest, keyset, to_page
from hub.query.reader import Reader

CONCERN: Table = Concern.__table__  # type: ignore[assignment]
_AUTHORITY: Table = Authority.__table__  # type: ignore[assignment]
_ORGANISATION: Table = Organisation.__table__  # type: ignore[assignment]
_PRINCIPAL: Table = Principal.__table__  # type: ignore[assignment]


def _visible(reader: Reader) -> Select[Any]:
    """Concerns the principal may read, with who raised them (organisation code, name)."""
    return (
        select(
            CONCERN,
            _ORGANISATION.c.code.label("raised_by"),
            _PRINCIPAL.c.name.label("raised_by_name"),
        )
        .join(_ORGANISATION, _ORGANISATION.c.id == CONCERN.c.raised_by_organisation_id)
        .outerjoin(_PRINCIPAL, _PRINCIPAL.c.id == CONCERN.c.raised_by_principal_id)
        .where(reader.may_read(Kind.CONCERN, CONCERN))
    )


async def _noted(reader: Reader, stmt: Select[Any]) -> Sequence[Row[Any]]:
    found = await reader.rows(stmt)
    _note(reader, found)
    return found


def _note(reader: Reader, rows: Sequence[Row[Any]]) -> None:
    for row in rows:  # concerns have no source; the trace keeps their authority
        reader.notes.touched[(str(Kind.CONCERN), row.authority_id, None)] += 1


async def concerns(
    reader: Reader,
    page: PageRequest,
    *,
    authority: str | None = None,
    status: ConcernStatus | None = None,
) -> Page[Row[Any]]:
    stmt = _visible(reader)
    if authority is not None:
        by_code = or_(_AUTHORITY.c.gss_code == authority, _AUTHORITY.c.code == authority)
        stmt = stmt.where(CONCERN.c.authority_id.in_(select(_AUTHORITY.c.id).where(by_code)))
    if status is not None:
        stmt = stmt.where(CONCERN.c.status == status)
    found = to_page(await reader.rows(keyset(stmt, CONCERN.c.id, page)), page)
    _note(reader, found.rows)  # the rows sent, not the look-ahead row
    return found


async def concern_by_id(reader: Reader, concern_id: int) -> Row[Any] | None:
    found = await _noted(reader, _visible(reader).where(CONCERN.c.id == concern_id))
    return found[0] if found else None
