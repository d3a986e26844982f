"""Summaries across authorities (comparison groups): only over records the caller may
aggregate, which the policy decides per agreement (`allow_aggregates`)."""

import statistics
from dataclasses import dataclass

from sqlalchemy import select

from hub.authz import Action, Kind
from hub.models import Authority, Indicator, Region
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


def summarise(values: list[float]) -> Summary:
    if not values:
        return Summary(0, None, None, None, None, None)
    ordered = sorted(values)
    if len(ordered) == 1:
        only = ordered[0]
        return Summary(1, only, only, only, only, only)
    lower, middle, upper = statistics.quantiles(ordered, n=4, method="inclusive")
    return Summary(len(ordered), ordered[0], lower, middle, upper, ordered[-1])


async def indicator_summary(
    reader: Reader,
    *,
    indicator: str,
    period: str,
    region: str | None = None,
    authority_type: str | None = None,
) -> Summary:
    """Median and quartiles of one indicator and period across the authorities of a group."""
    table = OBSERVATION
    stmt = (
        select(table.c.value)
        .join(Indicator, Indicator.id == table.c.indicator_id)
        .join(Authority, Authority.id == table.c.authority_id)
        .where(
            Indicator.code == indicator,
            table.c.period == period,
            table.c.superseded_at.is_(None),
            table.c.value.is_not(None),
            reader.gate.rows(Action.AGGREGATE, Kind.OBSERVATION, table),
        )
    )
    if region is not None:
        stmt = stmt.join(Region, Region.id == Authority.region_id).where(Region.code == region)
    if authority_type is not None:
        stmt = stmt.where(Authority.type == authority_type)
    rows = await reader.rows(stmt)
    return summarise([float(r.value) for r in rows])
