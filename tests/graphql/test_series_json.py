"""Series written as JSON by PostgreSQL answer exactly what the Python path answers, for every
role and field, with the same rows in the access record; any other selection goes the Python
way. (On SQLite both queries below take the Python path.)"""

import json
from typing import Any

import pytest
from strawberry.types.nodes import SelectedField

from hub.graphql.execution import Prebuilt
from hub.http.handler import json_bytes
from hub.models.enums import Role
from hub.query import series
from hub.query.series_json import Shape, shape_of
from tests.audit.helpers import last_record
from tests.support import World

FIELDS = """indicator { code title unit polarity themeCode isDemo __typename }
    periods periodStarts values targets statuses __typename"""
# An alias equal to the field's own name changes nothing in the answer, but is not plain: the
# Python path answers it. The two answers must be the same.
ALIASED = FIELDS.replace("periods ", "periods: periods ")
QUERY = """query Written($region: String!, $from: Date) {
  region(code: $region) { authorities { code series(periodFrom: $from) { %s } } }
}"""
REGIONS = ["E12000001", "E12000008"]  # agreements of every kind in the first


def _written(statements: list[str]) -> int:
    return sum("json_agg" in s for s in statements)


@pytest.mark.parametrize("region", REGIONS)
async def test_written_series_answer_as_the_python_path_for_every_role(
    world: World, region: str
) -> None:
    variables = {"region": region, "from": "2008-01-01"}
    for role in world.tokens:
        with world.statements.counting() as counter:
            written = await world.graphql(role, QUERY % FIELDS, variables)
        written_statements = counter.statements  # `counting` starts a new list
        written_lookups = counter.version_lookups
        written_touches = (await last_record(world.engine)).touched or []
        with world.statements.counting() as counter:
            python = await world.graphql(role, QUERY % ALIASED, variables)
        python_touches = (await last_record(world.engine)).touched or []
        assert "errors" not in written, (role, written)
        assert written == python, role
        assert sorted(written_touches, key=_key) == sorted(python_touches, key=_key), role
        if role is Role.RIEP_ANALYST and python_touches:  # the versions are compared too
            assert any(t["agreement_version_id"] for t in python_touches)
        expected = 1 if world.backend == "postgresql" else 0
        assert _written(written_statements) == expected
        assert _written(counter.statements) == 0
        if expected:  # the written statement names the agreement versions: none looked up
            assert written_lookups == 0


def _key(touch: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("kind", "authority_id", "source_id", "rows", "agreement_version_id")
    return tuple(touch[k] or 0 for k in keys)


async def test_too_many_values_are_refused_on_the_written_path(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(series, "MAX_SERIES_VALUES", 5)
    body = await world.graphql(
        Role.IDEA_ANALYST, QUERY % FIELDS, {"region": REGIONS[0], "from": "2008-01-01"}
    )
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"TOO_MANY_ROWS"}


def _field(name: str, *selections: SelectedField, alias: str | None = None) -> SelectedField:
    return SelectedField(name, {}, {}, list(selections), alias)


def test_the_shape_keeps_the_order_and_asks_once() -> None:
    code, title = _field("code"), _field("title")
    field = _field("series", _field("values"), _field("indicator", title, code), _field("values"))
    assert shape_of(field) == Shape(("values", "indicator"), ("title", "code"))


@pytest.mark.parametrize(
    "field",
    [
        _field("series", _field("values", alias="v")),  # an alias
        _field("series", SelectedField("values", {"skip": {"if": False}}, {}, [], None)),
        _field("series", _field("authority", _field("name"))),  # a field with a resolver
        _field("series", _field("indicator", _field("id"))),  # not served
        _field("series", _field("indicator", _field("code")), _field("indicator", _field("unit"))),
    ],
)
def test_anything_but_plain_fields_takes_the_python_path(field: SelectedField) -> None:
    assert shape_of(field) is None


def test_written_json_is_copied_into_the_response_by_either_writer() -> None:
    body = {"data": {"series": Prebuilt('[{"values" : [1.5, null]}]')}}
    assert json.loads(json_bytes(body)) == {"data": {"series": [{"values": [1.5, None]}]}}
    # an integer past 64 bits sends the response through the standard library's writer
    body["extensions"] = {"big": 2**70}
    assert json.loads(json_bytes(body))["data"] == {"series": [{"values": [1.5, None]}]}
