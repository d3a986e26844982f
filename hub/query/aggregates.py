"""Summaries across authorities (comparison groups): only over records the caller may
aggregate, which the policy decides per agreement (`allow_aggregates`).

Each summary is one statement returning the group's values (at most one per authority and
period); medians and quartiles are computed here, the same way on SQLite and PostgreSQL.
"""

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select

from hub.authz import Action, Kind
from hub.ingest.periods import PeriodKind, parse_period
from hub.models import Authority, Indicator, Region
from hub.models.enums import ObservationStatus, Polarity
from hub.query.bound import BUILT, param
from hub.query.bound import values as bound_values
from hub.query.performance import OBSERVATION
from hub.query.reader import Reader


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    minimum: float | None
    lower_quartile: float | None
    median: float | None
    upper_quartile: float | None
    maximum: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One authority's value for an indicator and period against its comparison groups."""

    authority: str  # GSS code
    region: str
    authority_type: str
    polarity: Polarity
    value: float | None  # None: no current value the caller may read
    regional: Summary
    same_type: Summary
    national: Summary
    national_quartile: int | None  # 1 = bottom (worst, polarity-aware) .. 4 = top


@dataclass(frozen=True, slots=True)
class TrendPoint:
    period: str
    period_start: date
    regional: Summary
    national: Summary


def summarise(values: list[float]) -> Summary:
    if not values:
        return Summary(0, None, None, None, None, None)
    ordered = sorted(values)
    if len(ordered) == 1:
        only = ordered[0]
        return Summary(1, only, only, only, only, only)
    lower, middle, upper = statistics.quantiles(ordered, n=4, method="inclusive")
    return Summary(len(ordered), ordered[0], lower, middle, upper, ordered[-1])


def quartile(value: float | None, summary: Summary, polarity: Polarity) -> int | None:
    """The quartile `value` falls in, 1 the worst for the indicator's polarity and 4 the best;
    a value on a boundary counts in the worse quartile. None without a value, a group or a
    polarity (neutral indicators have no better or worse)."""
    if value is None or summary.count == 0 or polarity is Polarity.NEUTRAL:
        return None
    cuts = (summary.lower_quartile, summary.median, summary.upper_quartile)
    bounds = [c for c in cuts if c is not None]
    if polarity is Polarity.HIGHER_IS_BETTER:
        return 1 + sum(1 for c in bounds if value > c)
    return 1 + sum(1 for c in bounds if value < c)


def _precedence() -> ColumnElement[int]:
    """Numbers an authority's current values of one indicator and period, 1 the value that
    counts. Supersession is per source (NI values arrive from the Audit Commission and from
    the GO LAA datasets), so two sources may each hold a current value; the one that counts is
    final before provisional, then the newest received, then the highest id."""
    table = OBSERVATION
    return (
        func.row_number()
        .over(
            partition_by=(table.c.authority_id, table.c.indicator_id, table.c.period),
            order_by=(
                case((table.c.status == ObservationStatus.FINAL.value, 0), else_=1),
                table.c.received_at.desc(),
                table.c.id.desc(),
            ),
        )
        .label("precedence")
    )


def in_period(period: str) -> list[ColumnElement[bool]]:
    """Rows of the period labelled `period`. Stored labels are canonical, so a parseable label
    also fixes the start date, which the (indicator, period start) index can use; without it a
    summary reads every period of the indicator (40 x more rows for a quarterly one)."""
    where = [OBSERVATION.c.period == period]
    start = _start_of(period)
    if start is not None:
        where.append(OBSERVATION.c.period_start == start)
    return where


def _start_of(period: str) -> date | None:
    """The start of the period `period` labels, if it is a canonical label."""
    try:
        parsed = parse_period(period, tuple(PeriodKind))
    except ValueError:
        return None
    return parsed.start if parsed.label == period else None


def _aggregable(
    reader: Reader,
    indicator: str | ColumnElement[Any],
    *where: ColumnElement[bool],
    groups: Sequence[ColumnElement[bool]] = (),
    one_period: bool = False,
) -> Select[Any]:
    """Current values of `indicator` the caller may aggregate, one per authority and period
    (`_precedence`), with each one's group keys. `where` narrows the observations, `groups`
    the authorities (on Authority and Region). `one_period`: `where` pins one period, so the
    rows are a few per authority at most and, where the database runs an EXISTS as written
    (`Reader.probes_lines`), each looks up its own grant lines. The authorities are joined
    after the ranking, to its few hundred rows: joined before it, PostgreSQL misjudged the
    policy's filter and compared every observation with every authority (a national
    summary: 16 ms, now 4)."""
    table = OBSERVATION
    candidates = (
        select(
            table.c.value,
            table.c.period,
            table.c.authority_id,
            table.c.period_start,
            _precedence(),
        )
        .join(Indicator, Indicator.id == table.c.indicator_id)
        .where(
            Indicator.code == indicator,
            table.c.superseded_at.is_(None),
            table.c.value.is_not(None),
            reader.gate.rows(
                Action.AGGREGATE,
                Kind.OBSERVATION,
                table,
                few_rows=one_period and reader.probes_lines,
            ),
            *where,
        )
        .subquery("aggregable")
    )
    c = candidates.c
    return (
        select(
            c.value,
            c.period,
            Region.code.label("region"),
            Authority.type.label("authority_type"),
            c.period_start,
        )
        .join(Authority, Authority.id == c.authority_id)
        .join(Region, Region.id == Authority.region_id)
        .where(c.precedence == 1, *groups)
    )


async def indicator_summary(
    reader: Reader,
    *,
    indicator: str,
    period: str,
    region: str | None = None,
    authority_type: str | None = None,
) -> Summary:
    """Median and quartiles of one indicator and period across the authorities of a group.
    Built once for each caller's decision and which values are given (hub.query.bound): a
    national table's statement took about half a millisecond to build and key."""
    given = {
        "indicator": indicator,
        "period": period,
        "start": _start_of(period),
        "region": region,
        "authority_type": authority_type,
    }
    decision = reader.gate.decision(Action.AGGREGATE, Kind.OBSERVATION)
    key = ("indicator_summary", decision, _names_given(given), reader.probes_lines)
    stmt = BUILT.get(key, lambda: _summary_statement(reader, _names_given(given)))
    rows = await reader.rows(stmt, bound_values(given))
    return summarise([float(r.value) for r in rows])


def _names_given(given: dict[str, Any]) -> tuple[str, ...]:
    return tuple(name for name, value in given.items() if value is not None)


def _summary_statement(reader: Reader, given: tuple[str, ...]) -> Select[Any]:
    where = [OBSERVATION.c.period == param("period")]
    if "start" in given:
        where.append(OBSERVATION.c.period_start == param("start"))
    groups = []
    if "region" in given:
        groups.append(Region.code == param("region"))
    if "authority_type" in given:
        groups.append(Authority.type == param("authority_type"))
    return _aggregable(reader, param("indicator"), *where, groups=groups, one_period=True)


def _by_code(code: str) -> ColumnElement[bool]:
    return (Authority.gss_code == code) | (Authority.code == code)


async def indicator_comparison(
    reader: Reader, *, indicator: str, period: str, authority: str
) -> Comparison | None:
    """An authority's value against its region, its type and the nation; None if the authority
    or the indicator does not exist. Three statements, whatever the group sizes."""
    subject = await reader.rows(
        select(
            Authority.id,
            Authority.gss_code,
            Authority.type,
            Region.code.label("region"),
            select(Indicator.polarity)
            .where(Indicator.code == indicator)
            .scalar_subquery()
            .label("polarity"),
        )
        .join(Region, Region.id == Authority.region_id)
        .where(_by_code(authority))
    )
    if not subject or subject[0].polarity is None:
        return None
    who = subject[0]
    table = OBSERVATION
    readable = (
        select(table.c.value, table.c.authority_id, table.c.source_id, _precedence())
        .join(Indicator, Indicator.id == table.c.indicator_id)
        .where(
            Indicator.code == indicator,
            table.c.authority_id == who.id,
            *in_period(period),
            table.c.superseded_at.is_(None),
            reader.may_read(Kind.OBSERVATION, table),
        )
        .subquery("readable")
    )
    r = readable.c
    own = await reader.records(
        Kind.OBSERVATION,
        select(r.value, r.authority_id, r.source_id).where(r.precedence == 1),
    )
    value = float(own[0].value) if own and own[0].value is not None else None
    rows = await reader.rows(_aggregable(reader, indicator, *in_period(period), one_period=True))
    national = summarise([float(r.value) for r in rows])
    polarity = Polarity(who.polarity)
    return Comparison(
        authority=who.gss_code,
        region=who.region,
        authority_type=who.type,
        polarity=polarity,
        value=value,
        regional=summarise([float(r.value) for r in rows if r.region == who.region]),
        same_type=summarise([float(r.value) for r in rows if r.authority_type == who.type]),
        national=national,
        national_quartile=quartile(value, national, polarity),
    )


async def indicator_trend(
    reader: Reader,
    *,
    indicator: str,
    region: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
) -> list[TrendPoint]:
    """Regional and national spread of an indicator per period (by period start, inclusive),
    oldest first, in one statement."""
    table = OBSERVATION
    where = []
    if period_from is not None:
        where.append(table.c.period_start >= period_from)
    if period_to is not None:
        where.append(table.c.period_start <= period_to)
    stmt = _aggregable(reader, indicator, *where)
    national: dict[tuple[date, str], list[float]] = defaultdict(list)
    regional: dict[tuple[date, str], list[float]] = defaultdict(list)
    for row in await reader.rows(stmt):
        key = (row.period_start, row.period)
        national[key].append(float(row.value))
        if region is not None and row.region == region:
            regional[key].append(float(row.value))
    return [
        TrendPoint(
            period=period,
            period_start=start,
            regional=summarise(regional.get((start, period), [])),
            national=summarise(values),
        )
        for (start, period), values in sorted(national.items())
    ]
