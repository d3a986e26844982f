"""Indicator rule kinds: worsening periods running, bottom national quartile periods running.

Both are polarity-aware (neutral indicators are never flagged) and look only at the periods the
batch touched and the few before each, found through the index on (indicator_id, period_start).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Row,
    Select,
    Subquery,
    and_,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import Label

from hub.models.enums import ObservationStatus, Polarity
from hub.signals.findings import IND, OBS, Finding, Scope, evidence, status_of, worse_first
from hub.signals.rules import Rule

_TRAIL = ("id", "period", "period_start", "value", "status")


def _lags(source: Any, partition: tuple[Any, ...], order: Any, depth: int) -> list[Label[Any]]:
    return [
        func.lag(source.c[name], step)
        .over(partition_by=partition, order_by=order)
        .label(f"{name}_{step}")
        for step in range(1, depth + 1)
        for name in _TRAIL
    ]


def _statuses(row: Row[Any], depth: int) -> list[str]:
    """The statuses of a run's observations: the row's and its `depth` predecessors'."""
    return [row.status] + [getattr(row, f"status_{s}") for s in range(1, depth + 1)]


def _consecutive(rows: Any, chain: CTE, depth: int) -> list[ColumnElement[bool]]:
    """Each lagged value is of the period immediately before the one after it (the chain's):
    a missing period breaks a run on every backend."""
    return [rows.c[f"period_start_{s}"] == chain.c[f"prev_{s}"] for s in range(1, depth + 1)]


def _on_chain(rows: Any, chain: CTE) -> ColumnElement[bool]:
    return and_(
        chain.c.indicator_id == rows.c.indicator_id, chain.c.period_start == rows.c.period_start
    )


def _chain_periods(chain: CTE, depth: int) -> Subquery:
    """(indicator_id, period_start) of every period the chain names."""
    return union_all(
        select(chain.c.indicator_id, chain.c.period_start),
        *(select(chain.c.indicator_id, chain.c[f"prev_{s}"]) for s in range(1, depth + 1)),
    ).subquery()


def _trail_evidence(row: Row[Any], depth: int, note: Callable[[int], str]) -> list[dict[str, Any]]:
    """The observations of a run, oldest first: lag `depth` .. lag 1, then the row itself."""
    found = []
    for step in range(depth, -1, -1):
        at = "" if step == 0 else f"_{step}"
        record_id, period, value = (getattr(row, f"{n}{at}") for n in ("id", "period", "value"))
        found.append(
            evidence(
                "observation",
                record_id,
                f"{row.indicator} {period}: {value:g}{note(step)}",
                period=period,
                value=value,
                indicator=row.indicator,
            )
        )
    return found


def period_chain(batch_id: int, depth: int) -> CTE:
    """(indicator_id, period_start, prev_1 .. prev_depth): each period of the batch with the
    `depth` periods of its indicator before it, latest first (NULL where there are none),
    found through the index on (indicator_id, period_start)."""
    chain = (
        select(OBS.c.indicator_id, OBS.c.period_start)
        .where(OBS.c.batch_id == batch_id)
        .distinct()
        .cte("chain_0")
    )
    for step in range(1, depth + 1):
        last = chain.c.period_start if step == 1 else chain.c[f"prev_{step - 1}"]
        earlier = OBS.alias(f"earlier_{step}")
        before = (
            select(func.max(earlier.c.period_start))
            .where(earlier.c.indicator_id == chain.c.indicator_id, earlier.c.period_start < last)
            .scalar_subquery()
        )
        chain = select(chain, before.label(f"prev_{step}")).cte(f"chain_{step}")
    # Materialised: the previous periods are looked up once per period, not once per row.
    return select(chain).cte("chain").prefix_with("MATERIALIZED")


def indicator_worsening_select(rule: Rule, scope: Scope) -> Select[Any] | None:
    """A value of the batch that ends a run of `periods` successive changes each for the
    worse (a tie breaks the run) over its indicator's last periods, in one authority's series
    of one indicator from one source."""
    if scope.batch_id is None:
        return None
    if scope.dialect == "postgresql":
        return _worsening_by_window(scope.batch_id, rule.param("periods"))
    return _worsening_by_steps(scope.batch_id, rule.param("periods"))


def _worsening_by_window(batch_id: int, depth: int) -> Select[Any]:
    """The series of the batch's (authority, indicator, source) over the chain's periods,
    with the values before each by window: PostgreSQL sorts these well."""
    chain = period_chain(batch_id, depth)
    pairs = select(OBS.c.authority_id, OBS.c.indicator_id, OBS.c.source_id).where(
        OBS.c.batch_id == batch_id
    )
    partition = (OBS.c.authority_id, OBS.c.indicator_id, OBS.c.source_id)
    series = (
        select(OBS, *_lags(OBS, partition, OBS.c.period_start, depth))
        .where(
            OBS.c.superseded_at.is_(None),
            OBS.c.value.is_not(None),
            tuple_(OBS.c.indicator_id, OBS.c.period_start).in_(
                select(_chain_periods(chain, depth))
            ),
            tuple_(*partition).in_(pairs),
        )
        .subquery()
    )
    values = [series.c.value] + [series.c[f"value_{step}"] for step in range(1, depth + 1)]
    worse = [worse_first(values[i] - values[i + 1], IND.c.polarity) < 0 for i in range(depth)]
    return (
        select(series, IND.c.code.label("indicator"), IND.c.theme_code)
        .join(IND, IND.c.id == series.c.indicator_id)
        .join(chain, _on_chain(series, chain))
        .where(
            series.c.batch_id == batch_id,
            IND.c.polarity != Polarity.NEUTRAL.value,
            *_consecutive(series, chain, depth),
            *worse,
        )
    )


def _worsening_by_steps(batch_id: int, depth: int) -> Select[Any]:
    """Each step back an index lookup that only the values still worsening reach: SQLite
    runs this as written, far faster than a window over the series."""
    chain = period_chain(batch_id, depth)
    row = OBS.alias("latest")
    stmt = (
        select(*row.c, IND.c.code.label("indicator"), IND.c.theme_code)
        .join(IND, IND.c.id == row.c.indicator_id)
        .join(
            chain,
            (chain.c.indicator_id == row.c.indicator_id)
            & (chain.c.period_start == row.c.period_start),
        )
        .where(
            row.c.batch_id == batch_id,
            row.c.superseded_at.is_(None),
            row.c.value.is_not(None),
            IND.c.polarity != Polarity.NEUTRAL.value,
        )
    )
    later = row
    for step in range(1, depth + 1):
        before = OBS.alias(f"before_{step}")
        stmt = stmt.join(
            before,
            (before.c.authority_id == row.c.authority_id)
            & (before.c.indicator_id == row.c.indicator_id)
            & (before.c.period_start == chain.c[f"prev_{step}"])
            & (before.c.source_id == row.c.source_id)
            & before.c.superseded_at.is_(None)
            & before.c.value.is_not(None)
            & (worse_first(later.c.value - before.c.value, IND.c.polarity) < 0),
        ).add_columns(*(before.c[name].label(f"{name}_{step}") for name in _TRAIL))
        later = before
    return stmt


def indicator_worsening_finding(rule: Rule, row: Row[Any]) -> Finding:
    depth: int = rule.param("periods")
    return Finding(
        authority_id=row.authority_id,
        subject=row.indicator,
        source_id=row.source_id,
        theme_code=row.theme_code,
        status=status_of(*_statuses(row, depth)),
        evidence=_trail_evidence(row, depth, lambda step: ""),
        description=f"{row.indicator} worsened in each of the last {depth} periods to {row.period}",
    )


def _national_values(batch_id: int, chain: CTE, depth: int) -> Subquery:
    """The population ranked: every authority's current final value for the chain's
    periods, one per authority, indicator and period. Supersession is per source (NI values
    arrive from two sources), so where two count the newest received (then the highest id)
    is the one, as in hub/query/aggregates.py; provisional values are not ranked."""
    precedence = func.row_number().over(
        partition_by=(OBS.c.authority_id, OBS.c.indicator_id, OBS.c.period_start, OBS.c.period_end),
        order_by=(OBS.c.received_at.desc(), OBS.c.id.desc()),
    )
    return (
        select(*(OBS.c[name] for name in _RANKED), precedence.label("precedence"))
        .where(
            OBS.c.superseded_at.is_(None),
            OBS.c.value.is_not(None),
            OBS.c.status == ObservationStatus.FINAL.value,
            tuple_(OBS.c.indicator_id, OBS.c.period_start).in_(
                select(_chain_periods(chain, depth))
            ),
        )
        .subquery("national_value")
    )


_RANKED: tuple[str, ...] = ("id", "authority_id", "indicator_id", "source_id", "period")
_RANKED += ("period_start", "period_end", "value", "status", "batch_id")


def _ranked(values: Subquery) -> Subquery:
    """Each value with its cumulative share of the values at least as bad (polarity-aware)."""
    share = func.cume_dist().over(
        partition_by=(values.c.indicator_id, values.c.period_start, values.c.period_end),
        order_by=worse_first(values.c.value, IND.c.polarity),
    )
    return (
        select(*(values.c[name] for name in _RANKED), share.label("share"))
        .join(IND, IND.c.id == values.c.indicator_id)
        .where(values.c.precedence == 1, IND.c.polarity != Polarity.NEUTRAL.value)
        .subquery("ranked")
    )


def bottom_quartile_select(rule: Rule, scope: Scope) -> Select[Any] | None:
    """A value of the batch in the worst `quartile` of all authorities' final values for its
    indicator and period, as were its `periods - 1` predecessors in the periods immediately
    before. Ties count alike: a value tied across the boundary is not in the bottom quartile
    (cumulative share of values at least as bad, polarity-aware)."""
    if scope.batch_id is None:
        return None
    depth = int(rule.param("periods")) - 1
    chain = period_chain(scope.batch_id, depth)
    ranked = _ranked(_national_values(scope.batch_id, chain, depth))
    partition = (ranked.c.authority_id, ranked.c.indicator_id)
    shares = [
        func.lag(ranked.c.share, step)
        .over(partition_by=partition, order_by=ranked.c.period_start)
        .label(f"share_{step}")
        for step in range(1, depth + 1)
    ]
    # Materialised and distinct: checked once per ranked value, which PostgreSQL otherwise did
    # by an index scan of the authority's observations each time (minutes for a quarter).
    touched = (
        select(OBS.c.authority_id)
        .where(OBS.c.batch_id == scope.batch_id)
        .distinct()
        .cte("touched")
        .prefix_with("MATERIALIZED")
    )
    runs = (
        select(ranked, *_lags(ranked, partition, ranked.c.period_start, depth), *shares)
        .where(ranked.c.authority_id.in_(select(touched.c.authority_id)))
        .subquery()
    )
    quartile = literal(float(rule.param("quartile")))
    return (
        select(runs, IND.c.code.label("indicator"), IND.c.theme_code)
        .join(IND, IND.c.id == runs.c.indicator_id)
        .join(chain, _on_chain(runs, chain))
        .where(
            runs.c.batch_id == scope.batch_id,
            *_consecutive(runs, chain, depth),
            runs.c.share <= quartile,
            *(runs.c[f"share_{step}"] <= quartile for step in range(1, depth + 1)),
        )
    )


def bottom_quartile_finding(rule: Rule, row: Row[Any]) -> Finding:
    depth = int(rule.param("periods")) - 1
    return Finding(
        authority_id=row.authority_id,
        subject=row.indicator,
        source_id=row.source_id,
        theme_code=row.theme_code,
        status=status_of(*_statuses(row, depth)),
        evidence=_trail_evidence(row, depth, lambda step: " (in the bottom national quartile)"),
        description=f"{row.indicator} in the bottom national quartile for {depth + 1} periods "
        f"running, to {row.period}",
    )
