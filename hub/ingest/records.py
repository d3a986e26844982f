"""The three kinds of record a batch can carry, as the writer stores them.

Each kind names its columns (in the order a validated record holds them) and its natural key: a
new record whose key matches a current one is a correction and supersedes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Table

from hub.models import Assessment, Flag, Observation


class RecordKind(StrEnum):
    OBSERVATION = "observation"
    ASSESSMENT = "assessment"
    FLAG = "flag"


@dataclass(frozen=True, slots=True)
class KindInfo:
    model: str  # the model's name, as access records name what they touched
    table: Table
    columns: tuple[str, ...]  # what a validated record holds, in this order
    key: tuple[str, ...]  # with the source: what makes two records versions of one fact
    required: frozenset[str]  # spec targets that must be given (a field or a constant)

    def index(self, column: str) -> int:
        return self.columns.index(column)


# Spec targets that fill more than one column: `authority` -> authority_id, `period` -> three.
TARGET_COLUMNS: dict[str, tuple[str, ...]] = {
    "authority": ("authority_id",),
    "indicator": ("indicator_id",),
}

KINDS: dict[RecordKind, KindInfo] = {
    RecordKind.OBSERVATION: KindInfo(
        model=Observation.__name__,
        table=Observation.__table__,  # type: ignore[arg-type]
        columns=(
            "authority_id",
            "indicator_id",
            "period",
            "period_start",
            "period_end",
            "value",
            "target",
            "status",
        ),
        key=("authority_id", "indicator_id", "period_start", "period_end"),
        required=frozenset({"authority", "indicator", "period", "status"}),
    ),
    RecordKind.ASSESSMENT: KindInfo(
        model=Assessment.__name__,
        table=Assessment.__table__,  # type: ignore[arg-type]
        columns=(
            "authority_id",
            "framework",
            "period",
            "score",
            "judgement",
            "direction_of_travel",
            "published_on",
            "status",
        ),
        key=("authority_id", "framework", "period"),
        required=frozenset({"authority", "framework", "period", "published_on", "status"}),
    ),
    RecordKind.FLAG: KindInfo(
        model=Flag.__name__,
        table=Flag.__table__,  # type: ignore[arg-type]
        columns=(
            "authority_id",
            "kind",
            "title",
            "detail",
            "raised_on",
            "lifted_on",
            "status",
        ),
        key=("authority_id", "kind", "title", "raised_on"),
        required=frozenset({"authority", "kind", "title", "raised_on", "status"}),
    ),
}


def target_columns(kind: RecordKind, target: str) -> tuple[str, ...]:
    """The record columns a spec target fills (`period` of an observation fills three)."""
    if target == "period" and kind is RecordKind.OBSERVATION:
        return ("period", "period_start", "period_end")
    return TARGET_COLUMNS.get(target, (target,))


def targets_of(kind: RecordKind) -> frozenset[str]:
    """Every name a spec field may map to for records of `kind`."""
    info = KINDS[kind]
    names = {
        c.removesuffix("_id") if c in ("authority_id", "indicator_id") else c for c in info.columns
    }
    names -= {"period_start", "period_end"}
    return frozenset(names)
