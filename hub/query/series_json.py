"""Series written as JSON by PostgreSQL, for selections it can answer exactly.

The same rows as hub.query.series (the same conditions, the policy's row filter in the same
statement, every row counted for the access record), but PostgreSQL writes each authority's
list of series as JSON text, which goes into the response as it is: no row, value or object
per value in Python. A region's panel is 2,720 values; building them in Python cost more than
the database took to find them.

Only a selection of the plain fields below takes this way (see hub.query.written); anything
else, and SQLite, takes hub.query.series.

Each statement is built once for each shape of request (hub.query.bound).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, Text, cast, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from strawberry.types.nodes import SelectedField

from hub.authz import Kind
from hub.query import bound, series
from hub.query.performance import OBSERVATION, ObservationFilter
from hub.query.reader import Reader
from hub.query.reference import INDICATOR
from hub.query.written import (
    INDICATOR_FIELDS,
    TYPENAME,
    Column,
    count_owners,
    decisions,
    json_list,
    json_object,
    json_value,
    nested,
    owners,
    plain,
    typename,
)

# GraphQL field of Series -> its value, from the chosen observation rows (one list per series)
LISTS: dict[str, Column] = {
    "periods": lambda o: o.period,
    "periodStarts": lambda o: o.period_start,
    "values": lambda o: o.value,
    "targets": lambda o: o.target,
    "statuses": lambda o: func.upper(o.status),
}


@dataclass(frozen=True, slots=True)
class Shape:
    """The fields a series selection asks for, in its order (the response keeps that order)."""

    fields: tuple[str, ...]  # LISTS names and "indicator"
    indicator: tuple[str, ...]  # INDICATOR_FIELDS names


def shape_of(field: SelectedField) -> Shape | None:
    """The shape of a `series` selection, or None if any part of it is not plain."""
    fields = plain(field.selections, {*LISTS, "indicator", TYPENAME})
    if fields is None:
        return None
    indicator: tuple[str, ...] = ()
    if "indicator" in fields:
        found = nested(field.selections, "indicator", INDICATOR_FIELDS)
        if found is None:
            return None
        indicator = found
    return Shape(fields, indicator)


async def of_authorities(
    reader: Reader, authority_ids: Sequence[int], f: ObservationFilter, shape: Shape
) -> dict[int, str]:
    """Each authority's series as a JSON list (absent: none), by indicator code and period."""
    found: dict[int, str] = {}
    sent: Counter[tuple[int, int]] = Counter()
    granted: dict[int, int | None] = {}
    key = ("series", decisions(reader), shape, bound.set_fields(f))
    stmt = bound.BUILT.get(key, lambda: _statement(reader, f, shape))
    for row in await reader.rows(stmt, series.chosen_values(authority_ids, f)):
        found[row.authority_id] = row.series
        count_owners(row.counted, sent, granted)
    if sent.total() > series.MAX_SERIES_VALUES:
        raise series.too_many_values()
    reader.notes.add(Kind.OBSERVATION, sent, granted)
    return found


def _statement(reader: Reader, f: ObservationFilter, shape: Shape) -> Select[Any]:
    """One row per authority: its series as a JSON list, and its rows counted by source,
    with the agreement version behind them. Built once for each shape (hub.query.bound)."""
    chosen = series.chosen_rows(reader, None, f, OBSERVATION.c.id).cte("chosen")
    each = _each(reader, chosen, shape)
    listed = (
        select(
            each.c.authority_id,
            json_list(each.c.series, each.c.code).label("series"),
        )
        .group_by(each.c.authority_id)
        .subquery("listed")
    )
    counted = owners(chosen, reader.versions_beside(Kind.OBSERVATION, OBSERVATION))
    return select(listed.c.authority_id, listed.c.series, counted.c.counted).join_from(
        listed, counted, counted.c.authority_id == listed.c.authority_id
    )


def _each(reader: Reader, chosen: CTE, shape: Shape) -> CTE:
    """One series per (authority, indicator) as a JSON object, its lists ordered by period."""
    c, i = chosen.c, INDICATOR.c
    members: dict[str, ColumnElement[str]] = {}
    for name in shape.fields:
        if name == TYPENAME:
            members[name] = json_value(typename("Series")(c))
        elif name == "indicator":
            members[name] = json_object(
                {n: json_value(INDICATOR_FIELDS[n](i)) for n in shape.indicator}
            )
        else:
            listed = func.array_agg(aggregate_order_by(LISTS[name](c), c.period_start, c.id))
            members[name] = cast(func.array_to_json(listed), Text)
    return (
        select(c.authority_id, i.code, json_object(members).label("series"))
        .join_from(chosen, INDICATOR, i.id == c.indicator_id)
        .where(reader.may_read(Kind.REFERENCE))
        .group_by(c.authority_id, i.id)
        .cte("each")
    )
