"""Reads and state changes of alerts, filtered by the policy (kind "Alert") in the statement.

Who reads an alert is policies/alerts.polar's answer (analysts under an agreement sharing its
evidence, the authority's own officers); every alert returned is noted on the reader, so the
access record says whose alerts (by authority and source) it read.
Acknowledging and closing are decided by the policy's `manage` rows, compiled into the same
statement that checks the alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, Table, or_, select, update

from hub.authz import Action, Kind
from hub.db import unit_of_work
from hub.models import Alert, Authority, Principal, Region
from hub.models.alerts import AlertState, Severity
from hub.models.base import utcnow
from hub.query.pages import Page, PageRequest, keyset
from hub.query.reader import Reader

ALERT: Table = Alert.__table__  # type: ignore[assignment]
_AUTHORITY: Table = Authority.__table__  # type: ignore[assignment]
_REGION: Table = Region.__table__  # type: ignore[assignment]
_PRINCIPAL: Table = Principal.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class AlertFilter:
    authorities: tuple[str, ...] | None = None
    region: str | None = None
    states: tuple[AlertState, ...] | None = None
    severities: tuple[Severity, ...] | None = None


class AlertNotFound(LookupError):
    """Absent, or not visible to the caller: the two must look alike."""


class AlertRefused(PermissionError):
    """Visible, but the caller may not change it."""


class AlertStateError(ValueError):
    """The change does not apply to the alert's state (e.g. closing a closed alert)."""


def _visible(reader: Reader) -> Select[Any]:
    return (
        select(
            ALERT,
            ALERT.c.evidence.label("raw_evidence"),
            _PRINCIPAL.c.name.label("state_changed_by"),
        )
        .outerjoin(_PRINCIPAL, _PRINCIPAL.c.id == ALERT.c.state_changed_by_id)
        .where(reader.may_read(Kind.ALERT, ALERT))
    )


def _filtered(stmt: Select[Any], f: AlertFilter) -> Select[Any]:
    if f.authorities is not None:
        codes = list(f.authorities)
        by_code = or_(_AUTHORITY.c.gss_code.in_(codes), _AUTHORITY.c.code.in_(codes))
        stmt = stmt.where(ALERT.c.authority_id.in_(select(_AUTHORITY.c.id).where(by_code)))
    if f.region is not None:
        in_region = select(_AUTHORITY.c.id).join(_REGION, _REGION.c.id == _AUTHORITY.c.region_id)
        stmt = stmt.where(ALERT.c.authority_id.in_(in_region.where(_REGION.c.code == f.region)))
    if f.states is not None:
        stmt = stmt.where(ALERT.c.state.in_(list(f.states)))
    if f.severities is not None:
        stmt = stmt.where(ALERT.c.severity.in_(list(f.severities)))
    return stmt


async def _noted(reader: Reader, stmt: Select[Any]) -> Sequence[Row[Any]]:
    return await reader.records(Kind.ALERT, stmt)


async def alerts(reader: Reader, f: AlertFilter, page: PageRequest) -> Page[Row[Any]]:
    """The alerts the caller may see, oldest first (keyset by id)."""
    stmt = keyset(_filtered(_visible(reader), f), ALERT.c.id, page)
    return await reader.page_of_records(Kind.ALERT, stmt, page)


async def alert_by_id(
    reader: Reader, alert_id: int, f: AlertFilter | None = None
) -> Row[Any] | None:
    """One alert if the caller may see it (and it meets `f`), else None."""
    stmt = _visible(reader).where(ALERT.c.id == alert_id)
    found = await _noted(reader, _filtered(stmt, f) if f is not None else stmt)
    return found[0] if found else None


async def alerts_by_ids(
    reader: Reader, alert_ids: Sequence[int], f: AlertFilter
) -> Sequence[Row[Any]]:
    """Those of the alerts that the caller may see and that meet `f`, by id: one statement
    for a burst of new alerts (the live feed)."""
    stmt = _visible(reader).where(ALERT.c.id.in_(list(alert_ids))).order_by(ALERT.c.id)
    return await _noted(reader, _filtered(stmt, f))


_FROM = {
    AlertState.ACKNOWLEDGED: (AlertState.OPEN,),
    AlertState.CLOSED: (AlertState.OPEN, AlertState.ACKNOWLEDGED),
}


async def change_state(
    reader: Reader, alert_id: int, state: AlertState, note: str | None
) -> Row[Any]:
    """Acknowledge or close an alert as the caller; the alert as it then stands."""
    may_manage = reader.gate.rows(Action.MANAGE, Kind.ALERT, ALERT).label("may_manage")
    check = select(ALERT.c.state, may_manage).where(
        ALERT.c.id == alert_id, reader.may_read(Kind.ALERT, ALERT)
    )
    async with unit_of_work(reader.sessions) as session:
        found = (await session.execute(check)).one_or_none()
        if found is None:
            raise AlertNotFound(alert_id)
        if not found.may_manage:
            raise AlertRefused(alert_id)
        if found.state not in _FROM[state]:
            raise AlertStateError(f"the alert is {AlertState(found.state).value}")
        changed = await session.execute(
            update(ALERT)
            .where(ALERT.c.id == alert_id, ALERT.c.state == found.state)
            .values(
                state=state,
                note=note,
                state_changed_at=utcnow(),
                state_changed_by_id=reader.principal.principal_id,
            )
            .returning(ALERT.c.id)
        )
        if changed.first() is None:  # another change landed between the check and this one
            raise AlertStateError("the alert changed meanwhile; reload it")
    row = await alert_by_id(reader, alert_id)
    if row is None:  # it was visible a moment ago: only a concurrent change can hide it
        raise AlertNotFound(alert_id)
    return row
