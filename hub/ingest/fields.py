"""Field converters: one raw value (CSV text or a JSON scalar) to what the record stores.

A converter raises ValueError whose message is the reason a submitter reads in the row report.
Converters are built once per batch from the spec, so the per-row work is a few dict lookups.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hub.ingest.periods import parse_period
from hub.ingest.spec import AdapterSpec, FieldSpec, FieldType
from hub.models.enums import ObservationStatus

Converter = Callable[[Any], Any]
_MAX_CACHED = 4096  # distinct period or date spellings remembered per batch


@dataclass(frozen=True, slots=True)
class Lookups:
    """Reference data a batch is checked against, loaded once per batch."""

    authorities: dict[str, int]  # GSS and three-letter codes, upper case -> id
    indicators: dict[str, int]  # code, upper case -> id
    authority_regions: dict[int, int]  # authority id -> region id


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError("must be text or a number")
    return str(raw)


class Cached:
    """`convert` of the stripped text, remembered by the raw value (codes and periods repeat).

    `cache` is read directly by the column fast path (hub.ingest.columns).
    """

    def __init__(self, convert: Converter) -> None:
        self.convert = convert
        self.cache: dict[Any, Any] = {}

    def __call__(self, raw: Any) -> Any:
        if raw is True or raw is False:  # equal to 1 and 0 as dict keys
            raise ValueError("must be text or a number")
        try:
            return self.cache[raw]
        except KeyError:
            value = self.convert(_text(raw))
            if len(self.cache) < _MAX_CACHED:
                self.cache[raw] = value
            return value
        except TypeError:  # an unhashable JSON value: a list or an object
            raise ValueError("must be text or a number") from None


def _bounded(f: FieldSpec, value: float) -> None:
    if f.min is not None and value < f.min:
        raise ValueError(f"is below the minimum {f.min:g}")
    if f.max is not None and value > f.max:
        raise ValueError(f"is above the maximum {f.max:g}")


def _number(f: FieldSpec) -> Converter:
    def convert(raw: Any) -> float:
        kind = type(raw)
        if kind is str:
            try:
                value = float(raw)
            except ValueError:
                raise ValueError("is not a number") from None
        elif kind is float or kind is int:
            value = float(raw)
        else:
            raise ValueError("is not a number")
        if not math.isfinite(value):
            raise ValueError("is not a finite number")
        _bounded(f, value)
        return value

    return convert


def _integer(f: FieldSpec) -> Converter:
    def convert(raw: Any) -> int:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d+\s*", raw):
            value = int(raw)
        else:
            raise ValueError("is not a whole number")
        _bounded(f, value)
        return value

    return convert


def _text_field(f: FieldSpec) -> Converter:
    pattern = re.compile(f.pattern) if f.pattern else None

    def convert(raw: Any) -> str:
        text = _text(raw)
        if f.max_length is not None and len(text) > f.max_length:
            raise ValueError(f"is longer than {f.max_length} characters")
        if pattern is not None and not pattern.fullmatch(text):
            raise ValueError(f"does not match the pattern {f.pattern}")
        return text

    return convert


def _date(text: str) -> date:
    try:
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a date (2009-12-09 or 09/12/2009)") from None


def _code(f: FieldSpec, spec: AdapterSpec) -> Converter:
    entries = spec.code_lists[f.code_list or ""]
    by_spelling = {s.casefold(): e for e in entries for s in (e.value, *e.accept)}
    allowed = ", ".join(e.value for e in entries)

    def convert(raw: Any) -> Any:
        entry = by_spelling.get(_text(raw).casefold())
        if entry is None:
            raise ValueError(f"is not in the code list {f.code_list} ({allowed})")
        return entry.value if f.score_to is None else (entry.value, entry.score)

    return convert


_STATUSES = {s.value: s.value for s in ObservationStatus}


def _status(text: str) -> str:
    try:
        return _STATUSES[text.casefold()]
    except KeyError:
        raise ValueError("is not a status (provisional or final)") from None


def _lookup(table: dict[str, int], what: str, pattern: str | None) -> Converter:
    compiled = re.compile(pattern) if pattern else None
    article = "an" if what[0] in "aeiou" else "a"

    def convert(text: str) -> int:
        code = text.upper().replace(" ", "")
        if compiled is not None and not compiled.fullmatch(code):
            raise ValueError(f"is not {article} {what} code this dataset accepts ({pattern})")
        try:
            return table[code]
        except KeyError:
            raise ValueError(f"is not a known {what} code") from None

    return Cached(convert)


def converter(f: FieldSpec, spec: AdapterSpec, lookups: Lookups) -> Converter:
    """The converter for one field of `spec`."""
    match f.type:
        case FieldType.AUTHORITY:
            return _lookup(lookups.authorities, "authority", f.pattern)
        case FieldType.INDICATOR:
            return _lookup(lookups.indicators, "indicator", f.pattern)
        case FieldType.PERIOD:

            def period(text: str) -> tuple[str, date, date]:
                found = parse_period(text, f.periods)
                return found.label, found.start, found.end

            return Cached(period)
        case FieldType.NUMBER:
            return _number(f)
        case FieldType.INTEGER:
            return _integer(f)
        case FieldType.TEXT:
            return _text_field(f)
        case FieldType.DATE:
            return Cached(_date)
        case FieldType.CODE:
            return _code(f, spec)
        case FieldType.STATUS:
            return Cached(_status)
