"""What the Python writer of nodes leaves to GraphQL's own completion (which reports it):
a value GraphQL's Float cannot send, and a reference row this request did not read."""

import math
from datetime import date
from types import SimpleNamespace
from typing import Any, NamedTuple

import orjson
import pytest

from hub.query import nodes_py
from hub.query.nodes_json import Shape

SHAPE = Shape(("id", "value", "status", "indicator"), ("code",), ())
INDICATORS = {7: SimpleNamespace(code="NI1")}


class _Row(NamedTuple):
    """Like the rows the Python path reads: named columns, also read by position."""

    id: int
    value: Any
    status: str
    indicator_id: int
    period_start: date


def _row(value: Any, indicator_id: int = 7) -> Any:
    return _Row(3, value, "final", indicator_id, date(2009, 4, 1))


def test_a_plain_page_is_written_in_the_selection_order() -> None:
    page = nodes_py.page([_row(1.5), _row(None)], True, SHAPE, INDICATORS, {})
    assert page is not None
    assert page.end_id == 3
    assert page.has_next
    node = {"id": "3", "value": 1.5, "status": "FINAL", "indicator": {"code": "NI1"}}
    assert orjson.loads(page.nodes) == [node, {**node, "value": None}]
    assert list(orjson.loads(page.nodes)[0]) == ["id", "value", "status", "indicator"]


@pytest.mark.parametrize("value", [math.nan, math.inf, "1.5"])
def test_a_value_graphql_cannot_send_is_left_to_graphql(value: Any) -> None:
    assert nodes_py.page([_row(1.0), _row(value)], False, SHAPE, INDICATORS, {}) is None


def test_a_reference_row_not_read_is_left_to_graphql() -> None:
    assert nodes_py.page([_row(1.0, indicator_id=8)], False, SHAPE, INDICATORS, {}) is None
