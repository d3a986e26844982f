"""Performance types: observations, assessments, flags. Nodes are database rows."""

from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import Table

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.authz import Kind
from hub.graphql.context import HubInfo
from hub.graphql.execution import CONTEXT_ONLY
from hub.graphql.types.reference import Authority, Indicator, Source
from hub.models.enums import AgreementState, FlagKind, Framework, ObservationStatus
from hub.query import performance, reference


async def _authority(info: HubInfo, authority_id: int) -> Authority:
    return await info.context.loaders.by_id(reference.AUTHORITY).load(authority_id)


@strawberry.type(description="The agreement version that lets the caller receive a record.")
class GrantingAgreement:
    reference: str
    version: int
    state: AgreementState


async def _granted_by(
    info: HubInfo, kind: Kind, table: Table, record_id: int
) -> GrantingAgreement | None:
    return await info.context.loaders.grants(kind, table).load(record_id)


GRANTED_BY = (
    "The agreement version that shares this record with the caller; null where a rule "
    "allows it without one (an authority's own data, a submitter's own source)."
)


async def _source(info: HubInfo, source_id: int) -> Source:
    return await info.context.loaders.by_id(reference.SOURCE).load(source_id)


@strawberry.type(description="One value of an indicator for an authority and period.")
class Observation:
    id: strawberry.ID
    authority_id: strawberry.Private[int]
    indicator_id: strawberry.Private[int]
    source_id: strawberry.Private[int]
    period: str = strawberry.field(description="As submitted, e.g. 2008-Q3 or 2015-16.")
    period_start: date
    period_end: date
    value: float | None
    target: float | None = strawberry.field(description="The LAA target, where one applies.")
    status: ObservationStatus
    received_at: datetime

    @strawberry.field(graphql_type=Authority, metadata=CONTEXT_ONLY)
    def authority(self, info: HubInfo) -> Any:  # Authority, or an awaitable of it
        return info.context.loaders.now(reference.AUTHORITY, self.authority_id)

    @strawberry.field(graphql_type=Indicator, metadata=CONTEXT_ONLY)
    def indicator(self, info: HubInfo) -> Any:  # Indicator, or an awaitable of it
        return info.context.loaders.now(reference.INDICATOR, self.indicator_id)

    @strawberry.field
    async def source(self, info: HubInfo) -> Source:
        return await _source(info, self.source_id)

    @strawberry.field(description=GRANTED_BY)
    async def granted_by(self, info: HubInfo) -> GrantingAgreement | None:
        return await _granted_by(info, Kind.OBSERVATION, performance.OBSERVATION, int(self.id))


@strawberry.type(
    description="An authority's current values of one indicator, as lists ordered by period: "
    "the same values, under the same agreements, as `observations`, one object per series."
)
class Series:
    authority_id: strawberry.Private[int]
    indicator: Indicator = strawberry.field(
        description="Read for all the series of a request in one statement, not per series."
    )
    periods: list[str] = strawberry.field(description="As submitted, e.g. 2008-Q3, oldest first.")
    period_starts: list[date]
    values: list[float | None]
    targets: list[float | None] = strawberry.field(description="LAA targets, where they apply.")
    statuses: list[ObservationStatus]

    @strawberry.field
    async def authority(self, info: HubInfo) -> Authority:
        return await _authority(info, self.authority_id)


@strawberry.type(description="An inspectorate's published judgement of an authority.")
class Assessment:
    id: strawberry.ID
    authority_id: strawberry.Private[int]
    source_id: strawberry.Private[int]
    framework: Framework
    period: str
    score: int | None = strawberry.field(description="CPA stars 0-4, or a grade 1-4.")
    judgement: str | None
    direction_of_travel: str | None
    published_on: date
    status: ObservationStatus

    @strawberry.field
    async def authority(self, info: HubInfo) -> Authority:
        return await _authority(info, self.authority_id)

    @strawberry.field
    async def source(self, info: HubInfo) -> Source:
        return await _source(info, self.source_id)

    @strawberry.field(description=GRANTED_BY)
    async def granted_by(self, info: HubInfo) -> GrantingAgreement | None:
        return await _granted_by(info, Kind.ASSESSMENT, performance.ASSESSMENT, int(self.id))


@strawberry.type(description="A CAA red or green flag, or an improvement notice.")
class Flag:
    id: strawberry.ID
    authority_id: strawberry.Private[int]
    source_id: strawberry.Private[int]
    kind: FlagKind
    title: str
    detail: str | None
    raised_on: date
    lifted_on: date | None
    status: ObservationStatus

    @strawberry.field
    async def authority(self, info: HubInfo) -> Authority:
        return await _authority(info, self.authority_id)

    @strawberry.field
    async def source(self, info: HubInfo) -> Source:
        return await _source(info, self.source_id)

    @strawberry.field(description=GRANTED_BY)
    async def granted_by(self, info: HubInfo) -> GrantingAgreement | None:
        return await _granted_by(info, Kind.FLAG, performance.FLAG, int(self.id))
