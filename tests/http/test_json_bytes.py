"""Responses are written by orjson: the same bytes as the standard library's compact JSON, and
what orjson refuses is still written (by the standard library)."""

import json

from hypothesis import given
from hypothesis import strategies as st

from hub.http.handler import json_bytes

_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


def _stdlib(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@given(st.dictionaries(st.text(), _VALUES, max_size=5))
def test_the_same_json_as_the_standard_library(body: dict[str, object]) -> None:
    written = json_bytes(body)
    assert json.loads(written) == json.loads(_stdlib(body))


def test_a_dashboard_answer_is_byte_for_byte_the_same() -> None:
    nodes = [
        {"period": "2009-Q3", "value": 12.5 + i / 7, "status": "FINAL", "name": "Öxford"}
        for i in range(50)
    ]
    body = {"data": {"nodes": nodes, "none": None, "yes": True, "n": 3}}
    assert json_bytes(body) == _stdlib(body)


def test_what_orjson_refuses_is_written_all_the_same() -> None:
    body = {"data": {"variables": {"big": 2**70}}}  # a JSON scalar echoing a client's number
    assert json.loads(json_bytes(body)) == body
