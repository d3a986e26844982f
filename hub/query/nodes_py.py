"""Pages of observations written as JSON in Python, where the database cannot write them
(SQLite 3.40 has no ordered aggregates: hub.query.written).

The rows are the Python path's own (hub.query.performance, noted for the access record there);
only the completion differs: a page asking for the plain fields hub.query.nodes_json answers
is turned into JSON here, node by node, instead of field by field through GraphQL. A region's
panel as objects is 2,720 nodes: on SQLite this took a tenth off its time (docs/performance.md,
decision 52), and reading only the shown columns (nodes_json.columns) a fifth more (55).
Each value is what GraphQL would send: IDs as strings, dates as ISO dates, enums by name.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Row

from hub.query.nodes_json import NODE_COLUMNS, Shape, WrittenPage
from hub.query.written import AUTHORITY_COLUMNS, INDICATOR_COLUMNS, column_readers

Value = Callable[[Any], Any]


class Unanswerable(Exception):
    """A node needs what only the Python path answers (it says why)."""


def _float(found: Any) -> float | None:
    """A value GraphQL's Float sends as it is; anything else the Python path reports."""
    if found is None or (isinstance(found, float) and math.isfinite(found)):
        return found
    raise Unanswerable("not a finite float")


def _same(found: Any) -> Any:
    return found


# GraphQL field of Observation -> how GraphQL sends the value of its column (NODE_COLUMNS);
# the nested `indicator` and `authority` are looked up by their ids (page)
NODE_SENT: dict[str, Value] = {
    "id": str,
    "period": _same,
    "periodStart": date.isoformat,
    "periodEnd": date.isoformat,
    "value": _float,
    "target": _float,
    "status": str.upper,
}
# GraphQL field -> its value, from an indicator's or an authority's row (a few a page)
INDICATOR_VALUES: dict[str, Value] = {
    **column_readers(INDICATOR_COLUMNS),
    "polarity": lambda i: i.polarity.upper(),
    "__typename": lambda _i: "Indicator",
}
AUTHORITY_VALUES: dict[str, Value] = {
    **column_readers(AUTHORITY_COLUMNS),
    "__typename": lambda _a: "Authority",
}


class _Objects(dict[Any, dict[str, Any]]):
    """The nested object of each reference row, built once a page (a panel's 2,720 nodes
    show ten indicators)."""

    def __init__(
        self, rows: Mapping[Any, Any], fields: tuple[str, ...], values: dict[str, Value]
    ) -> None:
        super().__init__()
        self._rows, self._fields, self._values = rows, fields, values

    def __missing__(self, key: Any) -> dict[str, Any]:
        row = self._rows.get(key)
        if row is None:
            raise Unanswerable("a reference row not read")
        self[key] = made = {n: self._values[n](row) for n in self._fields}
        return made


def page(
    rows: Sequence[Row[Any]],
    has_next: bool,
    shape: Shape,
    indicators: Mapping[Any, Any],
    authorities: Mapping[Any, Any],
) -> WrittenPage | None:
    """The page with its nodes as JSON; None where a node needs what the Python path must
    answer (a reference row not read, a value that is not a finite number)."""
    if not rows:
        return WrittenPage("[]", None, has_next)
    nested = {
        "indicator": _Objects(indicators, shape.indicator, INDICATOR_VALUES),
        "authority": _Objects(authorities, shape.authority, AUTHORITY_VALUES),
    }
    # Columns by position: a page is thousands of rows, and a Row's column read by name
    # costs ten times as much (a tenth of SQLite's panel).
    position = {name: n for n, name in enumerate(rows[0]._fields)}
    values: list[tuple[str, Value]] = []
    for name in shape.fields:
        if name == "__typename":
            values.append((name, _observation_typename))
            continue
        read = itemgetter(position[NODE_COLUMNS[name]])
        sent = nested[name].__getitem__ if name in nested else NODE_SENT[name]  # by its id
        values.append((name, _composed(sent, read)))
    try:
        nodes = [{name: value(row) for name, value in values} for row in rows]
    except Unanswerable:
        return None
    return WrittenPage(orjson.dumps(nodes).decode(), rows[-1].id, has_next)


def _observation_typename(_row: Any) -> str:
    return "Observation"


def _composed(sent: Value, read: Value) -> Value:
    if sent is _same:
        return read
    return lambda row: sent(read(row))
