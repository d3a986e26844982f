"""Reading one adapter spec from YAML, and checking it whole.

A spec is written for people who do not read Python, so a mistake in one must be reported with
where it is and what was expected: every problem is collected before SpecError is raised.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from hub.ingest.periods import PeriodKind
from hub.ingest.records import KINDS, RecordKind, targets_of
from hub.ingest.spec import (
    AdapterSpec,
    CodeEntry,
    DatasetSpec,
    FieldSpec,
    FieldType,
    Format,
    SpecError,
)
from hub.models.enums import FlagKind, Framework, ObservationStatus

# Which field types may fill which record targets.
_TYPES_FOR_TARGET: dict[str, frozenset[FieldType]] = {
    "authority": frozenset({FieldType.AUTHORITY}),
    "indicator": frozenset({FieldType.INDICATOR}),
    "period": frozenset({FieldType.PERIOD}),
    "value": frozenset({FieldType.NUMBER, FieldType.INTEGER}),
    "target": frozenset({FieldType.NUMBER, FieldType.INTEGER}),
    "score": frozenset({FieldType.INTEGER, FieldType.CODE}),
    "judgement": frozenset({FieldType.TEXT, FieldType.CODE}),
    "direction_of_travel": frozenset({FieldType.TEXT, FieldType.CODE}),
    "framework": frozenset({FieldType.CODE}),
    "kind": frozenset({FieldType.CODE}),
    "title": frozenset({FieldType.TEXT, FieldType.CODE}),
    "detail": frozenset({FieldType.TEXT}),
    "published_on": frozenset({FieldType.DATE}),
    "raised_on": frozenset({FieldType.DATE}),
    "lifted_on": frozenset({FieldType.DATE}),
    "status": frozenset({FieldType.STATUS}),
}
# Targets whose values are a closed vocabulary of the hub: constants and code values must be in it.
ENUM_TARGETS: dict[str, frozenset[str]] = {
    "framework": frozenset(m.value for m in Framework),
    "kind": frozenset(m.value for m in FlagKind),
    "status": frozenset(m.value for m in ObservationStatus),
}
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


class _Reader:
    """Reads typed values out of parsed YAML, noting each problem with its location."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def get(
        self,
        data: dict[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        where: str,
        default: Any = ...,
    ) -> Any:
        """`data[key]` if it is a `kind`; else `default`, noting a problem unless it is absent."""
        if key not in data or data[key] is None:
            if default is ...:
                self.problems.append(f"{where}: '{key}' is required")
            return None if default is ... else default
        value = data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            self.problems.append(f"{where}: '{key}' must be a {names}, not {value!r}")
            return None if default is ... else default
        return value

    def enum(self, enum: type[StrEnum], value: Any, where: str) -> Any:
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            self.problems.append(f"{where}: {value!r} is not one of {allowed}")
            return None

    def unknown_keys(self, data: dict[str, Any], known: set[str], where: str) -> None:
        for key in sorted(set(data) - known):
            self.problems.append(f"{where}: unknown key '{key}'")


def _code_lists(r: _Reader, raw: dict[str, Any]) -> dict[str, tuple[CodeEntry, ...]]:
    lists: dict[str, tuple[CodeEntry, ...]] = {}
    for name, entries in raw.items():
        where = f"code_lists.{name}"
        if not isinstance(entries, list) or not entries:
            r.problems.append(f"{where}: must be a non-empty list of entries")
            continue
        parsed: list[CodeEntry] = []
        for i, entry in enumerate(entries):
            at = f"{where}[{i}]"
            if not isinstance(entry, dict):
                r.problems.append(f"{at}: must be a mapping with a 'value'")
                continue
            r.unknown_keys(entry, {"value", "score", "accept"}, at)
            value = r.get(entry, "value", str, at)
            accept = r.get(entry, "accept", list, at, [])
            if any(not isinstance(a, (str, int)) for a in accept):
                r.problems.append(f"{at}: 'accept' must list strings")
                accept = []
            if value is not None:
                score = r.get(entry, "score", int, at, None)
                parsed.append(CodeEntry(value, score, tuple(str(a) for a in accept)))
        spellings = [s.casefold() for e in parsed for s in (e.value, *e.accept)]
        if len(spellings) != len(set(spellings)):
            r.problems.append(f"{where}: a spelling is accepted for two entries")
        lists[name] = tuple(parsed)
    return lists


_FIELD_KEYS = set(FieldSpec.__dataclass_fields__)


def _field(r: _Reader, raw: Any, where: str) -> FieldSpec | None:
    if not isinstance(raw, dict):
        r.problems.append(f"{where}: must be a mapping")
        return None
    r.unknown_keys(raw, _FIELD_KEYS, where)
    column, to = r.get(raw, "column", str, where), r.get(raw, "to", str, where)
    type_ = r.enum(FieldType, r.get(raw, "type", str, where), f"{where}.type")
    periods = tuple(
        r.enum(PeriodKind, p, f"{where}.periods") for p in r.get(raw, "periods", list, where, [])
    )
    default = r.get(raw, "default", (str, int, float), where, None)
    if None in (column, to, type_) or None in periods:
        return None
    if type_ is FieldType.PERIOD and not periods:
        r.problems.append(f"{where}: a period field lists its 'periods' (quarter, ...)")
    if type_ is FieldType.CODE and not raw.get("code_list"):
        r.problems.append(f"{where}: a code field names its 'code_list'")
    pattern = r.get(raw, "pattern", str, where, None)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as error:
            r.problems.append(f"{where}: pattern {pattern!r} is not a regular expression: {error}")
    return FieldSpec(
        column=column,
        to=to,
        type=type_,
        required=r.get(raw, "required", bool, where, False),
        default=None if default is None else str(default),
        description=r.get(raw, "description", str, where, ""),
        unit=r.get(raw, "unit", str, where, None),
        min=r.get(raw, "min", float, where, None),
        max=r.get(raw, "max", float, where, None),
        pattern=pattern,
        max_length=r.get(raw, "max_length", int, where, None),
        periods=periods,
        code_list=r.get(raw, "code_list", str, where, None),
        score_to=r.get(raw, "score_to", str, where, None),
    )


_CONSTANT_TARGETS = frozenset(
    {"framework", "kind", "status", "judgement", "direction_of_travel", "title", "detail"}
)


def _check_dataset(r: _Reader, d: DatasetSpec, lists: dict[str, tuple[CodeEntry, ...]]) -> None:
    where = f"datasets.{d.name}"
    allowed = targets_of(d.record)
    filled: list[str] = list(d.constants)
    columns = [f.column.strip().casefold() for f in d.fields]
    if len(columns) != len(set(columns)):
        r.problems.append(f"{where}: two fields read the same column")
    for f in d.fields:
        at = f"{where}.fields.{f.column}"
        if f.to not in allowed:
            r.problems.append(
                f"{at}: a {d.record.value} has no '{f.to}' ({', '.join(sorted(allowed))})"
            )
            continue
        filled.append(f.to)
        if f.type not in _TYPES_FOR_TARGET[f.to]:
            ok = ", ".join(sorted(t.value for t in _TYPES_FOR_TARGET[f.to]))
            r.problems.append(f"{at}: '{f.to}' takes a field of type {ok}, not {f.type.value}")
        if f.min is not None and f.max is not None and f.min > f.max:
            r.problems.append(f"{at}: min is greater than max")
        entries = lists.get(f.code_list or "", ())
        if f.code_list is not None and f.code_list not in lists:
            r.problems.append(f"{at}: no code list '{f.code_list}'")
        vocabulary = ENUM_TARGETS.get(f.to)
        if vocabulary is not None and f.type is FieldType.CODE:
            for entry in entries:
                if entry.value not in vocabulary:
                    r.problems.append(f"{at}: code '{entry.value}' is not a {f.to} of the hub")
        if f.score_to is not None:
            filled.append(f.score_to)
            if f.score_to != "score" or "score" not in allowed:
                r.problems.append(f"{at}: score_to must be 'score', on an assessment")
            if any(e.score is None for e in entries):
                r.problems.append(f"{at}: every entry of '{f.code_list}' needs a score")
    for target, value in d.constants.items():
        vocabulary = ENUM_TARGETS.get(target)
        if target not in _CONSTANT_TARGETS or target not in allowed:
            r.problems.append(f"{where}.constants: '{target}' cannot be a constant here")
        elif vocabulary is not None and value not in vocabulary:
            r.problems.append(f"{where}.constants: {value!r} is not a {target} of the hub")
    for target in sorted({t for t in filled if filled.count(t) > 1}):
        r.problems.append(f"{where}: '{target}' is filled twice")
    for target in sorted(KINDS[d.record].required - set(filled)):
        r.problems.append(f"{where}: nothing fills '{target}', which a {d.record.value} needs")
    if d.extra_columns not in ("reject", "ignore"):
        r.problems.append(f"{where}: extra_columns is 'reject' or 'ignore'")
    if d.hook is not None:
        from hub.ingest.hooks import HOOKS  # a spec names a hook; hooks need nothing of specs

        if d.hook not in HOOKS:
            r.problems.append(f"{where}: no hook '{d.hook}' (known: {', '.join(sorted(HOOKS))})")


_DATASET_KEYS = {"name", "source", "record", "description", "fields", "constants"}
_DATASET_KEYS |= {"extra_columns", "hook"}


def _dataset(r: _Reader, raw: Any, i: int) -> DatasetSpec | None:
    where = f"datasets[{i}]"
    if not isinstance(raw, dict):
        r.problems.append(f"{where}: must be a mapping")
        return None
    r.unknown_keys(raw, _DATASET_KEYS, where)
    name = r.get(raw, "name", str, where)
    if name is not None:
        where = f"datasets.{name}"
        if not _NAME.fullmatch(name):
            r.problems.append(f"{where}: a name is lower-case letters, digits, '-' and '_'")
    source = r.get(raw, "source", str, where)
    record = r.enum(RecordKind, r.get(raw, "record", str, where), f"{where}.record")
    raw_fields = r.get(raw, "fields", list, where) or []
    fields = [_field(r, f, f"{where}.fields[{j}]") for j, f in enumerate(raw_fields)]
    constants = r.get(raw, "constants", dict, where, {})
    if None in (name, source, record) or None in fields:
        return None
    return DatasetSpec(
        name=name,
        source=source,
        record=record,
        fields=tuple(f for f in fields if f is not None),
        description=r.get(raw, "description", str, where, ""),
        constants={str(k): str(v) for k, v in constants.items()},
        extra_columns=r.get(raw, "extra_columns", str, where, "reject"),
        hook=r.get(raw, "hook", str, where, None),
    )


def parse_spec(data: Any, path: Path) -> AdapterSpec:
    """An adapter spec from parsed YAML; SpecError lists every problem found."""
    r = _Reader()
    if not isinstance(data, dict):
        raise SpecError(path, ["the file must be a mapping (adapter, title, datasets, ...)"])
    r.unknown_keys(
        data, {"adapter", "title", "organisation", "formats", "code_lists", "datasets"}, ""
    )
    name = r.get(data, "adapter", str, "adapter")
    formats = [r.enum(Format, f, "formats") for f in r.get(data, "formats", list, "formats") or []]
    if not formats:
        r.problems.append("formats: list at least one of csv, json, ndjson")
    lists = _code_lists(r, r.get(data, "code_lists", dict, "code_lists", {}))
    datasets = [
        _dataset(r, d, i) for i, d in enumerate(r.get(data, "datasets", list, "datasets") or [])
    ]
    names = [d.name for d in datasets if d is not None]
    if not names:
        r.problems.append("datasets: list at least one dataset")
    if len(names) != len(set(names)):
        r.problems.append("datasets: two datasets have the same name")
    for d in datasets:
        if d is not None:
            _check_dataset(r, d, lists)
    spec = AdapterSpec(
        name=name,
        title=r.get(data, "title", str, "title"),
        organisation=r.get(data, "organisation", str, "organisation"),
        formats=tuple(f for f in formats if f is not None),
        datasets=tuple(d for d in datasets if d is not None),
        code_lists=lists,
        path=path,
    )
    if r.problems:
        raise SpecError(path, r.problems)
    return spec


def load_spec(path: Path) -> AdapterSpec:
    """Read and check one spec file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise SpecError(path, [f"cannot be read as YAML: {error}"]) from error
    return parse_spec(data, path)
