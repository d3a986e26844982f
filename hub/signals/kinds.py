"""The evaluators: one small function per rule kind, each one SQL statement over a scope.

Each kind's `select` returns the rows that trigger it, computed by the database over the scope
only (never the whole history); `finding` turns one such row into what the alert keeps. A kind
that does not apply to a scope returns None. The indicator kinds are in hub.signals.indicators.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Row, Select, func, select, union
from sqlalchemy.sql.elements import Label

from hub.models.alerts import CommitmentKind
from hub.models.enums import FlagKind, Framework, MutualityState, ObservationStatus
from hub.signals.findings import (
    ASSESS,
    COMMIT,
    FLAG,
    MUTUAL,
    OBS,
    SRC,
    Finding,
    Scope,
    evidence,
    status_of,
)
from hub.signals.indicators import (
    bottom_quartile_finding,
    bottom_quartile_select,
    indicator_worsening_finding,
    indicator_worsening_select,
)
from hub.signals.rules import Rule


@dataclass(frozen=True, slots=True)
class RuleKind:
    parameters: Mapping[str, type]
    select: Callable[[Rule, Scope], Select[Any] | None]
    finding: Callable[[Rule, Row[Any]], Finding]
    check: Callable[[Mapping[str, Any]], str | None] = lambda _: None  # what is wrong, if any


def _one_of(name: str, allowed: type[StrEnum] | tuple[str, ...]) -> Callable[..., str | None]:
    known = tuple(m.value for m in allowed) if isinstance(allowed, type) else allowed

    def check(parameters: Mapping[str, Any]) -> str | None:
        given = parameters[name]
        values = given if isinstance(given, list) else [given]
        wrong = [v for v in values if v not in known]
        return f"{name}: {wrong} not among {list(known)}" if wrong else None

    return check


def _at_least(name: str, least: float, most: float | None = None) -> Callable[..., str | None]:
    def check(parameters: Mapping[str, Any]) -> str | None:
        value = parameters[name]
        if value < least or (most is not None and value > most):
            return f"{name} must be between {least} and {most or 'any'}"
        return None

    return check


def _batch_authorities(batch_id: int) -> CompoundSelect[Any]:
    return union(
        *(select(t.c.authority_id).where(t.c.batch_id == batch_id) for t in (OBS, ASSESS, FLAG))
    )


# --- assessments ------------------------------------------------------------------------


def score_fall_select(rule: Rule, scope: Scope) -> Select[Any] | None:
    """A current assessment of the batch scoring at least `min_drop` below the one before it
    (same authority, framework and source, by period); equal scores are no fall."""
    if scope.batch_id is None:
        return None
    order = (ASSESS.c.period, ASSESS.c.published_on, ASSESS.c.id)
    # One series per authority, framework and source: supersession is per source, so two
    # sources' current assessments are two series, never compared with each other.
    series_of = (ASSESS.c.authority_id, ASSESS.c.framework, ASSESS.c.source_id)

    def previous(column: ColumnElement[Any], name: str) -> Label[Any]:
        return func.lag(column).over(partition_by=series_of, order_by=order).label(name)

    touched = select(ASSESS.c.authority_id).where(ASSESS.c.batch_id == scope.batch_id)
    series = (
        select(
            ASSESS.c.id,
            ASSESS.c.authority_id,
            ASSESS.c.source_id,
            ASSESS.c.period,
            ASSESS.c.score,
            ASSESS.c.status,
            ASSESS.c.batch_id,
            previous(ASSESS.c.id, "prev_id"),
            previous(ASSESS.c.period, "prev_period"),
            previous(ASSESS.c.score, "prev_score"),
            previous(ASSESS.c.status, "prev_status"),
        )
        .where(
            ASSESS.c.framework == rule.param("framework"),
            ASSESS.c.superseded_at.is_(None),
            ASSESS.c.authority_id.in_(touched),
        )
        .subquery()
    )
    return (
        select(series, SRC.c.theme_code)
        .join(SRC, SRC.c.id == series.c.source_id)
        .where(
            series.c.batch_id == scope.batch_id,
            series.c.prev_score - series.c.score >= rule.param("min_drop"),
        )
    )


def score_fall_finding(rule: Rule, row: Row[Any]) -> Finding:
    framework = rule.param("framework")
    return Finding(
        authority_id=row.authority_id,
        subject=framework,
        source_id=row.source_id,
        theme_code=row.theme_code,
        status=status_of(row.status, row.prev_status),
        evidence=[
            evidence(
                "assessment",
                row.prev_id,
                f"{framework} {row.prev_period}: score {row.prev_score}",
                period=row.prev_period,
                value=row.prev_score,
            ),
            evidence(
                "assessment",
                row.id,
                f"{framework} {row.period}: score {row.score}",
                period=row.period,
                value=row.score,
            ),
        ],
        description=f"{framework} score fell from {row.prev_score} ({row.prev_period}) "
        f"to {row.score} ({row.period})",
    )


def assessment_value_select(rule: Rule, scope: Scope) -> Select[Any] | None:
    """A current assessment of the batch, in one of `frameworks`, whose `field` is one of
    `values`."""
    if scope.batch_id is None:
        return None
    field = ASSESS.c[rule.param("field")]
    return (
        select(ASSESS, field.label("matched"), SRC.c.theme_code)
        .join(SRC, SRC.c.id == ASSESS.c.source_id)
        .where(
            ASSESS.c.batch_id == scope.batch_id,
            ASSESS.c.superseded_at.is_(None),
            ASSESS.c.framework.in_(rule.param("frameworks")),
            field.in_(rule.param("values")),
        )
    )


def assessment_value_finding(rule: Rule, row: Row[Any]) -> Finding:
    said = f"{row.framework} {row.period}: {rule.param('field').replace('_', ' ')} {row.matched}"
    return Finding(
        authority_id=row.authority_id,
        subject=str(row.framework),
        source_id=row.source_id,
        theme_code=row.theme_code,
        status=status_of(row.status),
        evidence=[
            evidence(
                "assessment",
                row.id,
                said,
                period=row.period,
                on=row.published_on,
                value=row.score,
                judgement=row.matched,
            )
        ],
        description=said,
    )


# --- flags ------------------------------------------------------------------------------


def flag_raised_select(rule: Rule, scope: Scope) -> Select[Any] | None:
    """A current, unlifted flag of `flag_kind` in the batch."""
    if scope.batch_id is None:
        return None
    return (
        select(FLAG, SRC.c.theme_code)
        .join(SRC, SRC.c.id == FLAG.c.source_id)
        .where(
            FLAG.c.batch_id == scope.batch_id,
            FLAG.c.superseded_at.is_(None),
            FLAG.c.lifted_on.is_(None),
            FLAG.c.kind == rule.param("flag_kind"),
        )
    )


def flag_raised_finding(rule: Rule, row: Row[Any]) -> Finding:
    said = f"{row.kind} raised on {row.raised_on.isoformat()}: {row.title}"
    return Finding(
        authority_id=row.authority_id,
        subject=f"{row.kind}:{row.title}"[:128],
        source_id=row.source_id,
        theme_code=row.theme_code,
        status=status_of(row.status),
        evidence=[evidence("flag", row.id, said, on=row.raised_on, flag=str(row.kind))],
        description=said,
    )


# --- commitments and mutuality ----------------------------------------------------------


def _authorities(scope: Scope) -> CompoundSelect[Any] | tuple[int, ...]:
    return _batch_authorities(scope.batch_id) if scope.batch_id else scope.authority_ids


def commitment_overdue_select(rule: Rule, scope: Scope) -> Select[Any] | None:
    """An authority of the scope whose latest recorded commitment of the kind is older than
    `max_age_days` (an authority with none recorded is not flagged: nothing is known)."""
    kind = COMMIT.c.kind == rule.param("commitment")
    latest = (
        select(COMMIT.c.authority_id, func.max(COMMIT.c.completed_on).label("completed_on"))
        .where(kind, COMMIT.c.authority_id.in_(_authorities(scope)))
        .group_by(COMMIT.c.authority_id)
        .subquery()
    )
    oldest_allowed = scope.today - timedelta(days=rule.param("max_age_days"))
    return (
        select(COMMIT.c.authority_id, COMMIT.c.completed_on, func.max(COMMIT.c.id).label("id"))
        .join(
            latest,
            (latest.c.authority_id == COMMIT.c.authority_id)
            & (latest.c.completed_on == COMMIT.c.completed_on),
        )
        .where(kind, latest.c.completed_on < oldest_allowed)
        .group_by(COMMIT.c.authority_id, COMMIT.c.completed_on)
    )


def commitment_overdue_finding(rule: Rule, row: Row[Any]) -> Finding:
    kind = rule.param("commitment").replace("_", " ")
    said = f"latest {kind} completed on {row.completed_on.isoformat()}"
    return Finding(
        authority_id=row.authority_id,
        subject=rule.param("commitment"),
        source_id=None,
        theme_code=None,
        status=ObservationStatus.FINAL,
        evidence=[evidence("commitment", row.id, said, on=row.completed_on)],
        description=f"{said}, more than {rule.param('max_age_days')} days ago",
    )


def mutuality_withdrawn_select(rule: Rule, scope: Scope) -> Select[Any] | None:
    """An authority of the scope whose newest mutuality statement is a withdrawal."""
    if not scope.authority_ids:
        return None
    newest = (
        select(func.max(MUTUAL.c.id))
        .where(MUTUAL.c.authority_id.in_(scope.authority_ids))
        .group_by(MUTUAL.c.authority_id)
    )
    return select(MUTUAL).where(
        MUTUAL.c.id.in_(newest), MUTUAL.c.state == MutualityState.WITHDRAWN.value
    )


def mutuality_withdrawn_finding(rule: Rule, row: Row[Any]) -> Finding:
    said = f"mutuality statement signed {row.signed_on.isoformat()}, withdrawn " + (
        row.withdrawn_on.isoformat() if row.withdrawn_on else "(no date)"
    )
    return Finding(
        authority_id=row.authority_id,
        subject="mutuality",
        source_id=None,
        theme_code=None,
        status=ObservationStatus.FINAL,
        evidence=[evidence("mutuality_statement", row.id, said, on=row.withdrawn_on)],
        description=said,
    )


KINDS: dict[str, RuleKind] = {
    "score_fall": RuleKind(
        {"framework": str, "min_drop": int},
        score_fall_select,
        score_fall_finding,
        _one_of("framework", Framework),
    ),
    "assessment_value": RuleKind(
        {"frameworks": list, "field": str, "values": list},
        assessment_value_select,
        assessment_value_finding,
        lambda p: (
            _one_of("frameworks", Framework)(p)
            or _one_of("field", ("judgement", "direction_of_travel"))(p)
        ),
    ),
    "flag_raised": RuleKind(
        {"flag_kind": str}, flag_raised_select, flag_raised_finding, _one_of("flag_kind", FlagKind)
    ),
    "indicator_worsening": RuleKind(
        {"periods": int},
        indicator_worsening_select,
        indicator_worsening_finding,
        _at_least("periods", 1, 12),
    ),
    "bottom_quartile": RuleKind(
        {"periods": int, "quartile": float},
        bottom_quartile_select,
        bottom_quartile_finding,
        lambda p: _at_least("periods", 1, 12)(p) or _at_least("quartile", 0.01, 0.5)(p),
    ),
    "commitment_overdue": RuleKind(
        {"commitment": str, "max_age_days": int},
        commitment_overdue_select,
        commitment_overdue_finding,
        lambda p: _one_of("commitment", CommitmentKind)(p) or _at_least("max_age_days", 1)(p),
    ),
    "mutuality_withdrawn": RuleKind({}, mutuality_withdrawn_select, mutuality_withdrawn_finding),
}
