"""Comparison groups: an indicator's spread across authorities, within the agreements."""

import strawberry

from hub.graphql.context import HubInfo
from hub.query.aggregates import indicator_summary


@strawberry.type(description="An indicator's spread across a group of authorities.")
class IndicatorSummary:
    indicator: str
    period: str
    region: str | None
    authority_type: str | None
    count: int = strawberry.field(description="Authorities whose agreements allow aggregates.")
    minimum: float | None
    lower_quartile: float | None
    median: float | None
    upper_quartile: float | None
    maximum: float | None


@strawberry.type
class AggregateQuery:
    @strawberry.field(
        description="Median and quartiles of an indicator for a period, nationally or for a "
        "region or authority type, over the records whose agreements allow aggregates."
    )
    async def indicator_summary(
        self,
        info: HubInfo,
        indicator: str,
        period: str,
        region: str | None = None,
        authority_type: str | None = None,
    ) -> IndicatorSummary:
        s = await indicator_summary(
            info.context.reader,
            indicator=indicator,
            period=period,
            region=region,
            authority_type=authority_type,
        )
        return IndicatorSummary(
            indicator=indicator,
            period=period,
            region=region,
            authority_type=authority_type,
            count=s.count,
            minimum=s.minimum,
            lower_quartile=s.lower_quartile,
            median=s.median,
            upper_quartile=s.upper_quartile,
            maximum=s.maximum,
        )
