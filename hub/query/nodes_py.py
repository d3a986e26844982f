"""Pages of observations written as JSON in Python, where the database cannot write them
(SQLite 3.40 has no ordered aggregates: hub.query.written).

The rows are the Python path's own (hub.query.performance, noted for the access record there);
only the completion differs: a page asking for the plain fields hub.query.nodes_json answers
is turned into JSON here, node by node, instead of field by field through GraphQL. A region's
panel as objects is 2,720 nodes: on SQLite this took a tenth off its time (docs/performance.md,
decision 52).
Each value is what GraphQL would send: IDs as strings, dates as ISO dates, enums by name.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Row

from hub.query.nodes_json import Shape, WrittenPage
from hub.query.written import AUTHORITY_COLUMNS, INDICATOR_COLUMNS, column_readers

Value = Callable[[Any], Any]


class Unanswerable(Exception):
    """A node needs what only the Python path answers (it says why)."""


def _date(name: str) -> Value:
    return lambda row: getattr(row, name).isoformat()


def _float(name: str) -> Value:
    """A value GraphQL's Float sends as it is; anything else the Python path reports."""

    def value(row: Any) -> float | None:
        found = getattr(row, name)
        if found is None or (isinstance(found, float) and math.isfinite(found)):
            return found
        raise Unanswerable(name)

    return value


def _constant(value: str) -> Value:
    return lambda _row: value


# GraphQL field -> its value, from the row (an observation's, an indicator's, an authority's)
NODE_VALUES: dict[str, Value] = {
    "id": lambda o: str(o.id),
    "period": lambda o: o.period,
    "periodStart": _date("period_start"),
    "periodEnd": _date("period_end"),
    "value": _float("value"),
    "target": _float("target"),
    "status": lambda o: o.status.upper(),
    "__typename": _constant("Observation"),
}
INDICATOR_VALUES: dict[str, Value] = {
    **column_readers(INDICATOR_COLUMNS),
    "polarity": lambda i: i.polarity.upper(),
    "__typename": _constant("Indicator"),
}
AUTHORITY_VALUES: dict[str, Value] = {
    **column_readers(AUTHORITY_COLUMNS),
    "__typename": _constant("Authority"),
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
    nested = {
        "indicator": _Objects(indicators, shape.indicator, INDICATOR_VALUES),
        "authority": _Objects(authorities, shape.authority, AUTHORITY_VALUES),
    }
    by_id = {"indicator": "indicator_id", "authority": "authority_id"}
    values = [
        (n, NODE_VALUES[n]) if n not in nested else (n, _lookup(nested[n], by_id[n]))
        for n in shape.fields
    ]
    try:
        nodes = [{name: value(row) for name, value in values} for row in rows]
    except Unanswerable:
        return None
    end_id = rows[-1].id if rows else None
    return WrittenPage(orjson.dumps(nodes).decode(), end_id, has_next)


def _lookup(objects: _Objects, column: str) -> Value:
    return lambda row: objects[getattr(row, column)]
