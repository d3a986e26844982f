"""The fields a policy may read on each kind of row, as SQL expressions.

`row` fields are correlated to the table being fetched; `grant` fields come from the grant
lines of agreements: one line per agreement version x recipient x purpose x coverage.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table, select

from hub.models import GrantLine, Indicator, Source

RowFields = dict[str, ColumnElement[Any]]

_SOURCE: Table = Source.__table__  # type: ignore[assignment]
_INDICATOR: Table = Indicator.__table__  # type: ignore[assignment]


def _record_fields(table: Table, theme: ColumnElement[Any]) -> RowFields:
    # Correlated explicitly: inside the EXISTS over grant lines, auto-correlation would stop at
    # the EXISTS and silently turn these into uncorrelated subqueries.
    owner = (
        select(_SOURCE.c.organisation_id).where(_SOURCE.c.id == table.c.source_id).correlate(table)
    )
    return {
        "id": table.c.id,
        "authority_id": table.c.authority_id,
        "source_id": table.c.source_id,
        "status": table.c.status,
        "theme_code": theme,
        "source_organisation_id": owner.scalar_subquery(),
    }


def observation_fields(table: Table) -> RowFields:
    """Fields of an observation; its theme is its indicator's."""
    theme = (
        select(_INDICATOR.c.theme_code)
        .where(_INDICATOR.c.id == table.c.indicator_id)
        .correlate(table)
    )
    return _record_fields(table, theme.scalar_subquery())


def sourced_record_fields(table: Table) -> RowFields:
    """Fields of an assessment or flag; its theme is its source's."""
    theme = select(_SOURCE.c.theme_code).where(_SOURCE.c.id == table.c.source_id).correlate(table)
    return _record_fields(table, theme.scalar_subquery())


def alert_fields(table: Table) -> RowFields:
    """Fields of an alert: those of its evidence, whose theme it keeps."""
    return _record_fields(table, table.c.theme_code)


def grant_lines() -> FromClause:
    """A fresh alias of every agreement version's lines, whatever their state: the policy
    decides which states, dates and versions count. The table is the join of the agreement
    tables, kept by triggers (`GrantLine`)."""
    table: Table = GrantLine.__table__  # type: ignore[assignment]
    return table.alias()


def agreement_fields(table: Table) -> RowFields:
    return {"id": table.c.id, "authority_id": table.c.authority_id}


def concern_fields(table: Table) -> RowFields:
    return {
        "id": table.c.id,
        "authority_id": table.c.authority_id,
        "raised_by_organisation_id": table.c.raised_by_organisation_id,
    }


def access_record_fields(table: Table) -> RowFields:
    return {
        "id": table.c.id,
        "principal_id": table.c.principal_id,
        "organisation_id": table.c.organisation_id,
    }


def access_touch_fields(table: Table) -> RowFields:
    return {
        "record_id": table.c.record_id,
        "authority_id": table.c.authority_id,
        "source_id": table.c.source_id,
    }


ROW_FIELDS: dict[str, Callable[[Table], RowFields]] = {
    "AccessRecord": access_record_fields,
    "AccessTouch": access_touch_fields,
    "Agreement": agreement_fields,
    "Concern": concern_fields,
    "Observation": observation_fields,
    "Assessment": sourced_record_fields,
    "Flag": sourced_record_fields,
    "Alert": alert_fields,
}
