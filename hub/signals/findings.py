"""What the rule kinds share: the scope they evaluate, what they find, the evidence kept.

A scope is what just landed: an ingest batch (its rows and the authorities, indicators and
periods it touched) or a few authorities (a mutuality statement recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Table, case

from hub.models import (
    Assessment,
    Commitment,
    Flag,
    Indicator,
    MutualityStatement,
    Observation,
    Source,
)
from hub.models.enums import ObservationStatus, Polarity

OBS: Table = Observation.__table__  # type: ignore[assignment]
ASSESS: Table = Assessment.__table__  # type: ignore[assignment]
FLAG: Table = Flag.__table__  # type: ignore[assignment]
IND: Table = Indicator.__table__  # type: ignore[assignment]
SRC: Table = Source.__table__  # type: ignore[assignment]
COMMIT: Table = Commitment.__table__  # type: ignore[assignment]
MUTUAL: Table = MutualityStatement.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Scope:
    """What to evaluate: a batch's records, or some authorities (never both)."""

    today: date
    batch_id: int | None = None
    authority_ids: tuple[int, ...] = ()
    dialect: str = "sqlite"  # a kind may phrase its statement for the backend's planner


@dataclass(frozen=True, slots=True)
class Finding:
    """One alert to raise: about whom, what, and from which records."""

    authority_id: int
    subject: str
    source_id: int | None
    theme_code: str | None
    status: ObservationStatus
    evidence: list[dict[str, Any]]
    description: str


def evidence(
    kind: str,
    record_id: int,
    text: str,
    *,
    period: str | None = None,
    on: date | None = None,
    value: float | None = None,
    judgement: str | None = None,
    flag: str | None = None,
    indicator: str | None = None,
) -> dict[str, Any]:
    return {
        "record_kind": kind,
        "record_id": record_id,
        "period": period,
        "date": on.isoformat() if on else None,
        "value": value,
        "judgement": judgement,
        "flag": flag,
        "indicator": indicator,
        "text": text,
    }


def status_of(*statuses: str | None) -> ObservationStatus:
    if any(s == ObservationStatus.PROVISIONAL.value for s in statuses):
        return ObservationStatus.PROVISIONAL
    return ObservationStatus.FINAL


def worse_first(value: ColumnElement[Any], polarity: ColumnElement[Any]) -> ColumnElement[Any]:
    """The value signed so that smaller is worse, whatever the indicator's polarity."""
    higher = Polarity.HIGHER_IS_BETTER.value
    return value * case((polarity == higher, 1), else_=-1)
