"""Statements built once for each shape of request, and run with each request's values.

Building a written statement (hub.query.nodes_json, series_json) took 6-7 ms of Python a
request: every subquery and CTE copies its columns, foreign keys and all. What shapes such a
statement is the policy's decisions for the caller, the selection, which filters are set and
whether a page follows a cursor; the values (authorities, codes, dates, page size) are named
parameters, given when the statement runs. Every such parameter is required: a value not
given is an error, never the value of an earlier request.
"""

import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Dialect,
    Integer,
    String,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from hub.memo import Memo

_PREFIX = "w_"  # apart from the anonymous parameters SQLAlchemy names (param_1, code_1)
BUILT = Memo(512)  # statements, by what shapes them


def param(name: str, *, type_: TypeEngine[Any] | None = None) -> BindParameter[Any]:
    """The named parameter `name` (a filter's field, or a name `values` is given)."""
    return bindparam(_PREFIX + name, type_=type_, required=True)


class JsonList(TypeDecorator[list[Any]]):
    """A list sent as one JSON text, which SQLite reads back with `json_each`."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, default=str)


def listed(name: str, item: TypeEngine[Any], *, array: bool = True) -> BindParameter[Any]:
    """A parameter holding a list (ids, codes), given as one array on PostgreSQL, where a list
    rendered as `IN (...)` made SQLAlchemy rewrite the statement on every run and the driver
    prepare one per length of list. SQLite has no arrays: `array=False` gives one JSON text,
    which `among` reads with `json_each`. A list rendered as `IN (?, ?, ...)` had SQLite
    compile a statement for each length, and took longer for a long list (335 authorities
    by id: 3.2 ms against 1.8)."""
    if array:
        return param(name, type_=ARRAY(item))
    return param(name, type_=JsonList())


def among(column: ColumnElement[Any], values: Any) -> ColumnElement[bool]:
    """`column` is one of `values`: a `listed` parameter, or a list of values."""
    if isinstance(values, BindParameter):
        if isinstance(values.type, JsonList):
            each = func.json_each(values).table_valued("value")
            return column.in_(select(each.c.value))
        return column == any_(values)
    return column.in_(values)


def count(name: str) -> BindParameter[int]:
    """An integer parameter (a page size), which SQL arithmetic and comparisons can use."""
    return param(name, type_=Integer())


def values(given: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters' values, by the names `param` was given; None values are left out (a
    statement has no parameter for a filter not set)."""
    return {
        _PREFIX + name: list(value) if isinstance(value, tuple) else value
        for name, value in given.items()
        if value is not None
    }


def fields_of(record: Any) -> dict[str, Any]:
    """A dataclass's fields by name (a filter's values, for `values`)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def set_fields(record: Any) -> tuple[str, ...]:
    """The names of a dataclass's fields that are set: part of a statement's shape."""
    return tuple(name for name, value in fields_of(record).items() if value is not None)
