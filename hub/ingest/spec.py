"""What an adapter spec is: the typed form of one YAML file under adapters/.

Reading and checking a file is hub.ingest.spec_reader; the engine only ever sees these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from hub.ingest.periods import PeriodKind
from hub.ingest.records import RecordKind


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    NDJSON = "ndjson"


class FieldType(StrEnum):
    AUTHORITY = "authority"  # GSS code (E06000005) or three-letter code (DAL)
    INDICATOR = "indicator"  # an indicator code of the hub's catalogue (NI192)
    PERIOD = "period"
    NUMBER = "number"
    INTEGER = "integer"
    TEXT = "text"
    DATE = "date"  # 2009-12-09 or 09/12/2009
    CODE = "code"  # a value of one of the spec's code lists
    STATUS = "status"  # provisional or final


class SpecError(ValueError):
    """A spec is not valid; `problems` lists every mistake with where it is."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True, slots=True)
class CodeEntry:
    value: str  # what is stored
    score: int | None = None  # also stored in the field's `score_to`, when it has one
    accept: tuple[str, ...] = ()  # further spellings, matched ignoring case


@dataclass(frozen=True, slots=True)
class FieldSpec:
    column: str  # CSV header or JSON key
    to: str  # the record target it fills
    type: FieldType
    required: bool = False
    default: str | None = None
    description: str = ""
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    max_length: int | None = None
    periods: tuple[PeriodKind, ...] = ()
    code_list: str | None = None
    score_to: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    name: str
    source: str  # a source code, or a pattern such as go-*-laa
    record: RecordKind
    fields: tuple[FieldSpec, ...]
    description: str = ""
    constants: dict[str, str] = field(default_factory=dict)
    extra_columns: str = "reject"  # or "ignore"
    hook: str | None = None  # a Python hook of hub.ingest.hooks, where a format needs code


@dataclass(frozen=True, slots=True)
class AdapterSpec:
    name: str
    title: str
    organisation: str  # the owning organisation's code, or a pattern (go-*)
    formats: tuple[Format, ...]
    datasets: tuple[DatasetSpec, ...]
    code_lists: dict[str, tuple[CodeEntry, ...]]
    path: Path
