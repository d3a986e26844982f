"""Comparison groups: an indicator's spread across authorities, within the agreements."""

from datetime import date

import strawberry

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.graphql.context import HubInfo
from hub.graphql.errors import not_found
from hub.models.enums import Polarity
from hub.query.aggregates import (
    Summary,
    indicator_comparison,
    indicator_summary,
    indicator_trend,
)


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


def _summary(
    s: Summary, indicator: str, period: str, region: str | None, authority_type: str | None
) -> IndicatorSummary:
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


@strawberry.type(description="An authority's value against its comparison groups.")
class IndicatorComparison:
    indicator: str
    period: str
    authority: str = strawberry.field(description="GSS code.")
    polarity: Polarity
    value: float | None = strawberry.field(
        description="The authority's current value; null if none or not shared with you."
    )
    regional: IndicatorSummary = strawberry.field(description="The authority's region.")
    same_type: IndicatorSummary = strawberry.field(description="Authorities of its type.")
    national: IndicatorSummary
    national_quartile: int | None = strawberry.field(
        description="1 (bottom: the worst for the indicator's polarity) to 4 (top); a value on "
        "a boundary counts in the worse quartile; null without a value or for neutral indicators."
    )

    @strawberry.field(description="In the bottom national quartile (polarity-aware).")
    def bottom_quartile(self) -> bool | None:
        return None if self.national_quartile is None else self.national_quartile == 1


@strawberry.type(description="An indicator's regional and national medians for one period.")
class IndicatorTrendPoint:
    period: str
    period_start: date
    regional_median: float | None
    regional_count: int
    national_median: float | None
    national_count: int


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
        return _summary(s, indicator, period, region, authority_type)

    @strawberry.field(
        description="An authority's value for an indicator and period against its region, its "
        "authority type and the nation, and its national quartile; the groups count only records "
        "whose agreements allow aggregates. NOT_FOUND for an unknown authority or indicator."
    )
    async def indicator_comparison(
        self, info: HubInfo, indicator: str, period: str, authority: str
    ) -> IndicatorComparison:
        c = await indicator_comparison(
            info.context.reader, indicator=indicator, period=period, authority=authority
        )
        if c is None:
            raise not_found("authority or indicator")
        return IndicatorComparison(
            indicator=indicator,
            period=period,
            authority=c.authority,
            polarity=c.polarity,
            value=c.value,
            regional=_summary(c.regional, indicator, period, c.region, None),
            same_type=_summary(c.same_type, indicator, period, None, c.authority_type),
            national=_summary(c.national, indicator, period, None, None),
            national_quartile=c.national_quartile,
        )

    @strawberry.field(
        description="Regional and national medians of an indicator per period, oldest first, "
        "over the records whose agreements allow aggregates (periods by start date, inclusive)."
    )
    async def indicator_trend(
        self,
        info: HubInfo,
        indicator: str,
        region: str | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
    ) -> list[IndicatorTrendPoint]:
        points = await indicator_trend(
            info.context.reader,
            indicator=indicator,
            region=region,
            period_from=period_from,
            period_to=period_to,
        )
        return [
            IndicatorTrendPoint(
                period=p.period,
                period_start=p.period_start,
                regional_median=p.regional.median,
                regional_count=p.regional.count,
                national_median=p.national.median,
                national_count=p.national.count,
            )
            for p in points
        ]
