"""Series written as JSON by PostgreSQL, for selections it can answer exactly.

The same rows as hub.query.series (the same conditions, the policy's row filter in the same
statement, every row counted for the access record), but PostgreSQL writes each authority's
list of series as JSON text, which goes into the response as it is: no row, value or object
per value in Python. A region's panel is 2,720 values; building them in Python cost more than
the database took to find them.

Only a selection of the plain fields below, without aliases, fragments or directives, takes
this way; anything else (and SQLite, whose aggregates cannot be ordered) takes
hub.query.series. Each field is written as GraphQL would serialise it: enums as their names
(the stored value in capitals), dates as ISO dates, floats as JSON numbers.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    Subquery,
    Text,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from strawberry.types.nodes import SelectedField

from hub.authz import Kind
from hub.query import series
from hub.query.performance import OBSERVATION, ObservationFilter
from hub.query.reader import Reader
from hub.query.reference import INDICATOR

Column = Callable[[Any], ColumnElement[Any]]

# GraphQL field of Series -> its value, from the chosen observation rows (one list per series)
LISTS: dict[str, Column] = {
    "periods": lambda o: o.period,
    "periodStarts": lambda o: o.period_start,
    "values": lambda o: o.value,
    "targets": lambda o: o.target,
    "statuses": lambda o: func.upper(o.status),
}
# GraphQL field of Indicator -> its value, from the indicator's row
INDICATOR_FIELDS: dict[str, Column] = {
    "code": lambda i: i.code,
    "title": lambda i: i.title,
    "unit": lambda i: i.unit,
    "polarity": lambda i: func.upper(i.polarity),
    "themeCode": lambda i: i.theme_code,
    "isDemo": lambda i: i.is_demo,
}


@dataclass(frozen=True, slots=True)
class Shape:
    """The fields a series selection asks for, in its order (the response keeps that order)."""

    fields: tuple[str, ...]  # LISTS names and "indicator"
    indicator: tuple[str, ...]  # INDICATOR_FIELDS names


def shape_of(field: SelectedField) -> Shape | None:
    """The shape of a `series` selection, or None if any part of it is not plain."""
    fields = _plain(field.selections, {*LISTS, "indicator"})
    if fields is None:
        return None
    indicator: tuple[str, ...] = ()
    if "indicator" in fields:
        chosen = [s for s in field.selections if _named(s, "indicator")]
        if len(chosen) > 1:  # GraphQL merges their selections: the Python path does that
            return None
        found = _plain(chosen[0].selections, set(INDICATOR_FIELDS))
        if not found:
            return None
        indicator = found
    return Shape(fields, indicator)


def _plain(selections: Sequence[Any], allowed: set[str]) -> tuple[str, ...] | None:
    names: list[str] = []
    for s in selections:
        if not isinstance(s, SelectedField) or s.alias or s.directives or s.arguments:
            return None
        if s.name not in allowed:
            return None
        if s.name not in names:  # a field asked twice is answered once
            names.append(s.name)
    return tuple(names)


def _named(selection: Any, name: str) -> bool:
    return isinstance(selection, SelectedField) and selection.name == name


def available(reader: Reader) -> bool:
    return reader.engine.dialect.name == "postgresql"


async def of_authorities(
    reader: Reader, authority_ids: Sequence[int], f: ObservationFilter, shape: Shape
) -> dict[int, str]:
    """Each authority's series as a JSON list (absent: none), by indicator code and period."""
    found: dict[int, str] = {}
    owners: Counter[tuple[int, int]] = Counter()
    stmt = _statement(reader, authority_ids, f, shape)
    for row in await reader.rows(stmt):
        found[row.authority_id] = row.series
        owners.update({(row.authority_id, source): n for source, n in orjson.loads(row.counted)})
    if owners.total() > series.MAX_SERIES_VALUES:
        raise series.too_many_values()
    reader.notes.add(Kind.OBSERVATION, owners)
    return found


def _statement(
    reader: Reader, authority_ids: Sequence[int], f: ObservationFilter, shape: Shape
) -> Select[Any]:
    """One row per authority: its series as a JSON list, and its rows counted by source."""
    chosen = series.chosen_rows(reader, authority_ids, f, OBSERVATION.c.id).cte("chosen")
    each = _each(reader, chosen, shape)
    listed = (
        select(
            each.c.authority_id,
            _list(func.array_agg(aggregate_order_by(each.c.series, each.c.code))).label("series"),
        )
        .group_by(each.c.authority_id)
        .subquery("listed")
    )
    owners = _owners(chosen)
    return select(
        listed.c.authority_id, listed.c.series, cast(owners.c.owners, Text).label("counted")
    ).join_from(listed, owners, owners.c.authority_id == listed.c.authority_id)


def _each(reader: Reader, chosen: CTE, shape: Shape) -> CTE:
    """One series per (authority, indicator) as a JSON object, its lists ordered by period."""
    c, i = chosen.c, INDICATOR.c
    members: dict[str, ColumnElement[str]] = {}
    for name in shape.fields:
        if name == "indicator":
            members[name] = _object({n: _json(INDICATOR_FIELDS[n](i)) for n in shape.indicator})
        else:
            listed = func.array_agg(aggregate_order_by(LISTS[name](c), c.period_start, c.id))
            members[name] = cast(func.array_to_json(listed), Text)
    return (
        select(c.authority_id, i.code, _object(members).label("series"))
        .join_from(chosen, INDICATOR, i.id == c.indicator_id)
        .where(reader.may_read(Kind.REFERENCE))
        .group_by(c.authority_id, i.id)
        .cte("each")
    )


def _owners(chosen: CTE) -> Subquery:
    """Per authority, [source_id, rows] pairs: what the access record counts."""
    counts = (
        select(chosen.c.authority_id, chosen.c.source_id, func.count().label("n"))
        .group_by(chosen.c.authority_id, chosen.c.source_id)
        .subquery("counts")
    )
    pairs = func.json_agg(func.json_build_array(counts.c.source_id, counts.c.n))
    return (
        select(counts.c.authority_id, pairs.label("owners"))
        .group_by(counts.c.authority_id)
        .subquery("owners")
    )


# JSON is written as text, compact like the rest of the response (PostgreSQL's json_build_object
# and json_agg put spaces after colons and commas): keys and separators are constants, each
# value is to_json's text, each list array_to_json's.


def _object(members: dict[str, ColumnElement[str]]) -> ColumnElement[str]:
    text: ColumnElement[str] = _constant("{")
    for n, (name, value) in enumerate(members.items()):
        text = text + _constant(("," if n else "") + f'"{_checked(name)}":') + value
    return text + _constant("}")


def _list(texts: ColumnElement[Any]) -> ColumnElement[str]:
    return _constant("[") + func.array_to_string(texts, ",") + _constant("]")


def _json(value: ColumnElement[Any]) -> ColumnElement[str]:
    return func.coalesce(cast(func.to_json(value), Text), _constant("null"))


def _constant(text: str) -> ColumnElement[str]:
    """Constant text of this module (JSON punctuation and field names), written into the SQL."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def _checked(name: str) -> str:
    if not name.isalpha():
        raise ValueError(f"not a field name: {name!r}")
    return name
