"""Turn raw rows into records of the dataset's kind, or into problems; nothing here touches SQL.

Built once per batch: each field's converter and the record slots it fills are worked out up
front, so validating a row is one pass over its values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from hub.ingest.columns import ColumnConverter, SlowPath, column_converter
from hub.ingest.fields import Cached, Converter, Lookups, converter
from hub.ingest.hooks import HOOKS, Hook
from hub.ingest.problems import Problems
from hub.ingest.records import KINDS, target_columns
from hub.ingest.spec import AdapterSpec, DatasetSpec, FieldSpec, FieldType

# authority id -> whether the submitter may report on it
MaySubmitFor = Callable[[int], bool]
# (row number, record) of the valid rows of a block
Records = list[tuple[int, tuple[Any, ...]]]


@dataclass(frozen=True, slots=True)
class Block:
    """Valid records of a block, column by column: the fast path makes no object per row, and
    the writer hands columns to the driver as they are."""

    rows: Sequence[int]  # row numbers
    columns: Sequence[Sequence[Any]]  # one per column of the record kind, each as long as rows

    @classmethod
    def of(cls, records: Records, width: int) -> Block:
        """The block of records made row by row (the careful path, JSON)."""
        if not records:
            return cls((), [()] * width)
        return cls([row for row, _ in records], list(zip(*(r for _, r in records), strict=True)))


@dataclass(frozen=True, slots=True)
class _Slot:
    field: FieldSpec
    convert: Converter
    column: ColumnConverter
    targets: tuple[int, ...]  # record positions it fills
    single: bool  # the converter's value fills one position (else it is a tuple)


class RowValidator:
    """Checks rows of one dataset for one submitter; problems go to `problems`."""

    def __init__(
        self,
        spec: AdapterSpec,
        dataset: DatasetSpec,
        lookups: Lookups,
        may_submit_for: MaySubmitFor,
        problems: Problems,
    ) -> None:
        info = KINDS[dataset.record]
        self.dataset = dataset
        self.problems = problems
        self.columns = tuple(f.column for f in dataset.fields)
        self._by_key = {f.column.strip().casefold(): i for i, f in enumerate(dataset.fields)}
        self._hook: Hook | None = HOOKS[dataset.hook] if dataset.hook else None
        self.rows = 0  # data rows read so far, valid or not (the readers keep it up to date)
        self._may_submit_for = may_submit_for
        self._allowed: dict[int, bool] = {}
        self._authority = info.index("authority_id")
        self.width = len(info.columns)
        self._template: list[Any] = [None] * self.width
        for target, value in dataset.constants.items():
            self._template[info.index(target)] = value
        slots = []
        for f in dataset.fields:
            targets = [info.index(c) for c in target_columns(dataset.record, f.to)]
            if f.score_to is not None:
                targets.append(info.index(f.score_to))
            convert = converter(f, spec, lookups)
            if isinstance(convert, Cached) and f.type is FieldType.PERIOD and len(targets) == 1:
                convert = Cached(_label_only(convert.convert))
            column = column_converter(f, convert)
            slots.append(_Slot(f, convert, column, tuple(targets), len(targets) == 1))
        self._slots = tuple(slots)
        self._authority_slot = next(i for i, s in enumerate(slots) if s.field.to == "authority")

    def plan(self, header: Sequence[str]) -> list[int | None] | None:
        """Where each field's column is in a CSV header; None (and problems) if unusable."""
        seen: dict[str, int] = {}
        for position, name in enumerate(header):
            key = name.strip().casefold()
            if key in seen:
                self.problems.add(None, name, name, "the header names this column twice")
            seen[key] = position
            if key not in self._by_key and self.dataset.extra_columns == "reject":
                known = ", ".join(self.columns)
                self.problems.add(None, name, name, f"unexpected column (expected: {known})")
        where = [seen.get(f.column.strip().casefold()) for f in self.dataset.fields]
        usable = True
        for f, at in zip(self.dataset.fields, where, strict=True):
            if at is None and f.required and f.default is None:
                self.problems.add(
                    None, f.column, None, "required column is missing from the header"
                )
                usable = False
        return where if usable else None

    def block(
        self, numbers: Sequence[int], columns: Sequence[Sequence[str]], plan: list[int | None]
    ) -> Block:
        """Records of CSV rows given column by column (as the header has them), laid out by
        `plan`."""
        if not numbers:
            return Block.of([], self.width)
        if self._hook is None:
            try:
                return self._fast(numbers, columns, plan)
            except SlowPath:
                pass
        out: Records = []
        for row, fields in zip(numbers, zip(*columns, strict=True), strict=True):
            values = [None if i is None else fields[i] for i in plan]
            if self._hook is not None:
                values = self._hooked(values)
            record = self.record(row, values)
            if record is not None:
                out.append((row, record))
        return Block.of(out, self.width)

    def _hooked(self, values: list[Any]) -> list[Any]:
        """The dataset's hook applied to one row's values (in field order)."""
        assert self._hook is not None
        rewritten = self._hook(dict(zip(self.columns, values, strict=True)))
        return [rewritten.get(column) for column in self.columns]

    def _fast(
        self, numbers: Sequence[int], columns: Sequence[Sequence[str]], plan: list[int | None]
    ) -> Block:
        """The whole block column by column (hub.ingest.columns); SlowPath on any doubt."""
        n = len(numbers)
        outputs: list[Sequence[Any]] = [(value,) * n for value in self._template]
        for slot, position in zip(self._slots, plan, strict=True):
            converted = slot.column(("",) * n if position is None else columns[position])
            if slot.single:
                outputs[slot.targets[0]] = converted
                continue
            if None in converted:
                raise SlowPath
            for at, target in enumerate(slot.targets):  # no zip(*converted): an object a row
                outputs[target] = list(map(itemgetter(at), converted))
        authorities: Sequence[int] = outputs[self._authority]
        if not all(self._may_report_on(a) for a in set(authorities)):
            raise SlowPath
        return Block(numbers, outputs)

    def from_mapping(self, row: int, data: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """A record from a JSON object; unexpected keys are problems."""
        values: list[Any] = [None] * len(self._slots)
        for key, raw in data.items():
            index = self._by_key.get(key.strip().casefold())
            if index is not None:
                values[index] = raw
            elif self.dataset.extra_columns == "reject":
                self.problems.add(row, key, raw, "unexpected field")
        if self._hook is not None:
            values = self._hooked(values)
        return self.record(row, values)

    def record(self, row: int, values: Sequence[Any]) -> tuple[Any, ...] | None:
        """A record from the raw values in field order, or None after adding its problems."""
        record = self._template.copy()
        ok = True
        for slot, raw in zip(self._slots, values, strict=True):
            f = slot.field
            if raw is None or raw == "" or (type(raw) is str and raw.isspace()):
                if f.default is None:
                    if f.required:
                        self.problems.add(row, f.column, raw, "is required")
                        ok = False
                    continue
                raw = f.default
            try:
                value = slot.convert(raw)
            except ValueError as error:
                self.problems.add(row, f.column, raw, str(error))
                ok = False
                continue
            if slot.single:
                record[slot.targets[0]] = value
            else:
                for target, part in zip(slot.targets, value, strict=True):
                    record[target] = part
        authority = record[self._authority]
        if authority is not None and not self._may_report_on(authority):
            at = self._authority_slot
            reason = "you may not submit data about this authority"
            self.problems.add(row, self._slots[at].field.column, values[at], reason)
            ok = False
        return tuple(record) if ok else None

    def _may_report_on(self, authority: int) -> bool:
        allowed = self._allowed.get(authority)
        if allowed is None:
            allowed = self._allowed[authority] = self._may_submit_for(authority)
        return allowed


def _label_only(convert: Converter) -> Converter:
    return lambda text: convert(text)[0]
