"""The fast path: a block of CSV rows converted column by column instead of row by row.

Most blocks are clean. Converting a whole column with `map` over a converter's cache (or over
`float`) costs a fraction of the row-by-row path; any doubt (a blank where one is not allowed, a
value that does not convert, a bound crossed) raises SlowPath, and the block is validated again
row by row, which reports each problem precisely. Both paths produce the same records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from hub.ingest.fields import Cached, Converter
from hub.ingest.spec import FieldSpec, FieldType

ColumnConverter = Callable[[Sequence[Any]], list[Any]]


class SlowPath(Exception):
    """This block needs the row-by-row path."""


def _cached(convert: Cached) -> ColumnConverter:
    lookup = convert.cache.__getitem__

    def run(values: Sequence[Any]) -> list[Any]:
        try:
            return list(map(lookup, values))
        except KeyError:
            pass
        try:
            for value in set(values).difference(convert.cache):
                convert(value)  # each new value once: it is cached, unless the cache is full
            return list(map(lookup, values))
        except KeyError:
            pass
        except ValueError:
            raise SlowPath from None
        return [convert(v) for v in values]

    return run


def _bounded(f: FieldSpec, numbers: list[Any]) -> None:
    if f.min is not None and min(numbers) < f.min:
        raise SlowPath
    if f.max is not None and max(numbers) > f.max:
        raise SlowPath


def _numbers(f: FieldSpec, kind: type) -> ColumnConverter:
    def run(values: Sequence[Any]) -> list[Any]:
        try:
            numbers = list(map(kind, values))
        except (ValueError, TypeError):
            raise SlowPath from None
        if kind is float and not all(map(math.isfinite, numbers)):
            raise SlowPath
        _bounded(f, numbers)
        return numbers

    return run


def _each(convert: Converter) -> ColumnConverter:
    def run(values: Sequence[Any]) -> list[Any]:
        try:
            return [convert(v) for v in values]
        except ValueError:
            raise SlowPath from None

    return run


def column_converter(f: FieldSpec, convert: Converter) -> ColumnConverter:
    """Convert a column of CSV text for field `f`; raises SlowPath on any doubt."""
    if isinstance(convert, Cached):
        whole = _cached(convert)
    elif f.type is FieldType.NUMBER:
        whole = _numbers(f, float)
    elif f.type is FieldType.INTEGER:
        whole = _numbers(f, int)
    else:
        whole = _each(convert)

    def run(values: Sequence[Any]) -> list[Any]:
        if "" not in values:
            return whole(values)
        if f.default is not None:
            return whole([f.default if v == "" else v for v in values])
        if f.required:
            raise SlowPath
        given = [v for v in values if v != ""]
        converted = iter(whole(given) if given else ())
        return [None if v == "" else next(converted) for v in values]

    return run
