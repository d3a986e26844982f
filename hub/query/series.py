"""Observations as series: one object per (authority, indicator) with its periods and values
as lists, for dashboards that ask for thousands of values at once.

A list of plain values costs the GraphQL layer far less than an object per value (no resolver
and no loader per value). The rows are the same as `observations`: the same conditions, the
policy's row filter in the same statement, and every row noted for the access record.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from sqlalchemy import Column, Integer, Select, select

from hub.authz import Kind
from hub.query.bound import among, count, fields_of, listed, values
from hub.query.performance import (
    OBSERVATION,
    ObservationFilter,
    as_stored,
    observation_conditions,
)
from hub.query.reader import Reader
from hub.query.reference import INDICATOR

MAX_SERIES_VALUES = 100_000  # values one request's series may hold; ask for fewer otherwise


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """The indicator of a series: one statement reads those of every series of a request."""

    id: int
    code: str
    title: str
    unit: str
    polarity: str
    theme_code: str
    is_demo: bool


@dataclass(slots=True)
class Series:
    authority_id: int
    indicator: IndicatorRow
    periods: list[str]
    period_starts: list[Any]
    values: list[float | None]
    targets: list[float | None]
    statuses: list[str]


def too_many_values() -> GraphQLError:
    return GraphQLError(
        f"the series would hold more than {MAX_SERIES_VALUES} values: "
        "ask for fewer indicators, authorities or periods",
        extensions={"code": "TOO_MANY_ROWS", "limit": MAX_SERIES_VALUES},
    )


def chosen_rows(
    reader: Reader, authority_ids: Sequence[int] | None, f: ObservationFilter, *more: Column[Any]
) -> Select[Any]:
    """The rows of the authorities' series (and `more` columns), bounded: one more than
    allowed tells of too many. Observation columns only, in the order of the (authority,
    indicator, period start) index: the database sorts nothing, and carries no indicator text
    per value. No authorities: a statement with named parameters for every value, built once
    (hub.query.bound), whose values `chosen_values` gives."""
    o = OBSERVATION
    bound = authority_ids is None
    ids: Any = listed("authority_ids", Integer()) if bound else authority_ids
    limit: Any = count("limit") if bound else MAX_SERIES_VALUES + 1
    return (
        select(
            o.c.authority_id,
            o.c.source_id,
            o.c.indicator_id,
            o.c.period,
            o.c.period_start,
            o.c.value,
            o.c.target,
            as_stored(o.c.status),
            *more,
        )
        .where(among(o.c.authority_id, ids), *observation_conditions(reader, f, bound=bound))
        .order_by(o.c.authority_id, o.c.indicator_id, o.c.period_start, o.c.id)
        .limit(limit)
    )


def chosen_values(authority_ids: Sequence[int], f: ObservationFilter) -> dict[str, Any]:
    """The values of the parameters of `chosen_rows(reader, None, f)`."""
    given = {**fields_of(f), "authority_ids": authority_ids, "limit": MAX_SERIES_VALUES + 1}
    return values(given)


async def series_of_authorities(
    reader: Reader, authority_ids: Sequence[int], f: ObservationFilter
) -> list[Series]:
    """Current observations of many authorities in one statement, grouped into series ordered
    by authority, indicator code and period; their indicators in one more."""
    stmt = chosen_rows(reader, authority_ids, f)
    rows = await reader.records(Kind.OBSERVATION, stmt)
    if len(rows) > MAX_SERIES_VALUES:
        raise too_many_values()
    indicators = await _indicators(reader, {row.indicator_id for row in rows})
    found = group(rows, indicators)
    found.sort(key=lambda s: (s.authority_id, s.indicator.code))
    return found


async def _indicators(reader: Reader, ids: set[int]) -> dict[int, IndicatorRow]:
    if not ids:
        return {}
    i = INDICATOR
    stmt = select(i.c.id, i.c.code, i.c.title, i.c.unit, i.c.polarity, i.c.theme_code)
    stmt = stmt.add_columns(i.c.is_demo).where(
        i.c.id.in_(sorted(ids)), reader.may_read(Kind.REFERENCE)
    )
    return {
        r.id: IndicatorRow(r.id, r.code, r.title, r.unit, r.polarity, r.theme_code, r.is_demo)
        for r in await reader.rows(stmt)
    }


def group(rows: Sequence[Any], indicators: dict[int, IndicatorRow]) -> list[Series]:
    """Consecutive rows of one (authority, indicator) become one series."""
    found: list[Series] = []
    key: tuple[int, int] | None = None
    current: Series | None = None
    # Unpacked by position: a Row's attribute access costs more than the rest of the loop.
    for authority, _source, indicator, period, start, value, target, status in rows:
        if current is None or key != (authority, indicator):
            key = (authority, indicator)
            current = Series(authority, indicators[indicator], [], [], [], [], [])
            found.append(current)
        current.periods.append(period)
        current.period_starts.append(start)
        current.values.append(value)
        current.targets.append(target)
        current.statuses.append(status)
    return found
