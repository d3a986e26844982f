"""JSON written by PostgreSQL, for the paths that send a large list as the database wrote it
(hub.query.series_json, hub.query.nodes_json).

Those paths answer only selections of plain fields: no aliases, fragments, directives or
arguments, each field as GraphQL would serialise it (enums as their names, the stored value in
capitals; dates as ISO dates; floats as JSON numbers; IDs as strings). Anything else takes the
Python path, which answers every selection.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    FromClause,
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
from hub.query.reader import Reader

Column = Callable[[Any], ColumnElement[Any]]
TYPENAME = "__typename"  # asked for by clients such as Apollo on every object


def typename(name: str) -> Column:
    """`__typename` of an object of GraphQL type `name`: constant text."""
    return lambda _row: cast(constant(_checked(name)), Text)


# GraphQL field -> the column it shows as stored, of an indicator's and an authority's row:
# read alike from a table's columns (the SQL that writes the JSON here) and from a fetched row
# (the JSON hub.query.nodes_py writes in Python).
INDICATOR_COLUMNS = {
    "code": "code",
    "title": "title",
    "unit": "unit",
    "themeCode": "theme_code",
    "isDemo": "is_demo",
}
AUTHORITY_COLUMNS = {
    "gssCode": "gss_code",
    "code": "code",
    "snac": "snac",
    "name": "name",
    "shortName": "short_name",
    "type": "type",
}


def column_readers(columns: dict[str, str]) -> dict[str, Callable[[Any], Any]]:
    """Each field's reader of its column, from a table's columns or from a row."""
    return {field: attrgetter(column) for field, column in columns.items()}


# GraphQL field of Indicator -> its value, from the indicator's row
INDICATOR_FIELDS: dict[str, Column] = {
    **column_readers(INDICATOR_COLUMNS),
    "polarity": lambda i: func.upper(i.polarity),
    TYPENAME: typename("Indicator"),
}
# GraphQL field of Authority -> its value, from the authority's row
AUTHORITY_FIELDS: dict[str, Column] = {
    **column_readers(AUTHORITY_COLUMNS),
    TYPENAME: typename("Authority"),
}


def available(reader: Reader) -> bool:
    """SQLite 3.40 has no ordered aggregates: only PostgreSQL writes the lists."""
    return reader.engine.dialect.name == "postgresql"


def plain(selections: Sequence[Any], allowed: set[str] | dict[str, Any]) -> tuple[str, ...] | None:
    """The names of the selected fields in their order, each once; None if any is not plain
    or not allowed."""
    names: list[str] = []
    for s in selections:
        if not isinstance(s, SelectedField) or s.alias or s.directives or s.arguments:
            return None
        if s.name not in allowed:
            return None
        if s.name not in names:  # a field asked twice is answered once
            names.append(s.name)
    return tuple(names)


def nested(selections: Sequence[Any], name: str, allowed: dict[str, Any]) -> tuple[str, ...] | None:
    """The plain fields of the one object field `name`; None if it is asked more than once
    (GraphQL merges their selections: the Python path does that) or is not plain."""
    chosen = [s for s in selections if isinstance(s, SelectedField) and s.name == name]
    if len(chosen) != 1:
        return None
    return plain(chosen[0].selections, allowed) or None


def decisions(reader: Reader) -> tuple[Any, ...]:
    """What the policy lets the caller read of the rows a written statement shows
    (observations, and the reference rows of their indicators and authorities): part of the
    key under which the statement is built once (hub.query.bound)."""
    return reader.read_decisions(Kind.OBSERVATION, Kind.REFERENCE)


def owners(rows: FromClause, versions: Select[Any] | None, per_authority: bool = True) -> Subquery:
    """[authority_id, source_id, rows, version_id] of `rows`, as JSON text: what the access
    record counts, and the agreement version behind each authority's rows (`versions`, from
    Gate.versions_beside; null where none was needed). One row per authority (with its
    authority_id), or one row in all."""
    counts = (
        select(rows.c.authority_id, rows.c.source_id, func.count().label("n"))
        .group_by(rows.c.authority_id, rows.c.source_id)
        .subquery("counts")
    )
    c = counts.c
    version: ColumnElement[Any] = literal_column("NULL")
    joined: FromClause = counts
    if versions is not None:
        by_authority = versions.subquery("granting")
        joined = counts.outerjoin(by_authority, by_authority.c.authority_id == c.authority_id)
        version = by_authority.c.version_id
    each = func.json_build_array(c.authority_id, c.source_id, c.n, version)
    counted = cast(func.json_agg(each), Text).label("counted")
    if not per_authority:
        return select(counted).select_from(joined).subquery("owners")
    return (
        select(c.authority_id, counted)
        .select_from(joined)
        .group_by(c.authority_id)
        .subquery("owners")
    )


def count_owners(
    counted: str | None, into: Counter[tuple[int, int]], granted: dict[int, int | None]
) -> None:
    """Add the rows `owners` counted to a tally by (authority_id, source_id), and the
    versions behind them to `granted`, by authority_id."""
    if counted is not None:
        for authority_id, source_id, n, version_id in orjson.loads(counted):
            into[(authority_id, source_id)] += n
            granted[authority_id] = version_id


# JSON is written as text, compact like the rest of the response (PostgreSQL's json_build_object
# and json_agg put spaces after colons and commas): keys and separators are constants, each
# value is to_json's text, each list array_to_json's.


def json_object(members: dict[str, ColumnElement[str]]) -> ColumnElement[str]:
    text: ColumnElement[str] = constant("{")
    for n, (name, value) in enumerate(members.items()):
        text = text + constant(("," if n else "") + f'"{_checked(name)}":') + value
    return text + constant("}")


def json_list(
    item: ColumnElement[str],
    order_by: ColumnElement[Any],
    only: ColumnElement[bool] | None = None,
) -> ColumnElement[str]:
    """An aggregate: the group's JSON texts (those meeting `only`) as one JSON list, in order
    (none: []). string_agg, not array_agg and array_to_string: a third faster for a region's
    panel."""
    joined: Any = func.string_agg(item, aggregate_order_by(constant(","), order_by))
    if only is not None:
        joined = joined.filter(only)
    return constant("[") + func.coalesce(joined, constant("")) + constant("]")


def json_value(value: ColumnElement[Any]) -> ColumnElement[str]:
    return func.coalesce(cast(func.to_json(value), Text), constant("null"))


def constant(text: str) -> ColumnElement[str]:
    """Constant text of these modules (JSON punctuation and field names), written into the SQL."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def _checked(name: str) -> str:
    if not name.isalpha() and name != TYPENAME:
        raise ValueError(f"not a field name: {name!r}")
    return name
