"""The root Query and the schema. Every field reads through hub.query, as the caller."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.authz import Kind
from hub.graphql.context import HubInfo, once, selects
from hub.graphql.errors import not_found
from hub.graphql.execution import LeafListExecutionContext
from hub.graphql.types.access import AccessQuery
from hub.graphql.types.aggregates import AggregateQuery
from hub.graphql.types.agreements import AgreementMutation, AgreementQuery
from hub.graphql.types.alerts import AlertMutation, AlertQuery
from hub.graphql.types.audit import AuditQuery
from hub.graphql.types.concerns import ConcernMutation, ConcernQuery
from hub.graphql.types.connection import (
    Connection,
    from_page,
    node,
    nodes,
    written_connection,
)
from hub.graphql.types.ingest import IngestMutation, IngestQuery
from hub.graphql.types.live import AlertSubscription
from hub.graphql.types.performance import Assessment, Flag, Observation
from hub.graphql.types.reference import (
    Authority,
    Indicator,
    Region,
    Source,
    Theme,
    codes_argument,
    read_ahead,
)
from hub.models.enums import FlagKind, Framework, ObservationStatus, OrganisationKind, Role
from hub.query import nodes_json, nodes_py, performance, reference, written


@strawberry.type(description="The caller, as the verified token says.")
class Me:
    name: str
    role: Role
    organisation_code: str
    organisation_kind: OrganisationKind


@strawberry.input(description="Which current observations to return; all conditions must hold.")
class ObservationFilter:
    authorities: list[str] | None = strawberry.field(
        default=None, description="GSS or three-letter authority codes."
    )
    region: str | None = strawberry.field(default=None, description="ONS region code.")
    indicators: list[str] | None = strawberry.field(default=None, description="e.g. NI192.")
    period_from: date | None = strawberry.field(
        default=None, description="Earliest period start, inclusive."
    )
    period_to: date | None = strawberry.field(
        default=None, description="Latest period start, inclusive."
    )
    status: ObservationStatus | None = None
    as_of: datetime | None = strawberry.field(
        default=None,
        description="The values as they stood at this moment: received by then and not yet "
        "corrected by then (UTC unless an offset is given). Default: the current values.",
    )

    def to_query(self) -> performance.ObservationFilter:
        return performance.ObservationFilter(
            authorities=codes_argument(self.authorities, "authority"),
            region=self.region,
            indicators=codes_argument(self.indicators, "indicator"),
            period_from=self.period_from,
            period_to=self.period_to,
            status=None if self.status is None else self.status.value,
            as_of=None if self.as_of is None else _utc(self.as_of),
        )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@strawberry.input(description="Which assessments or flags to return.")
class RecordFilter:
    authorities: list[str] | None = None
    region: str | None = None


@strawberry.type
class CoreQuery:
    @strawberry.field(description="Who the bearer token belongs to.")
    def me(self, info: HubInfo) -> Me:
        p = info.context.reader.principal
        return Me(
            name=p.name,
            role=p.role,
            organisation_code=p.organisation_code,
            organisation_kind=p.organisation_kind,
        )

    @strawberry.field
    async def regions(self, info: HubInfo) -> list[Region]:
        return nodes(await reference.regions(info.context.reader))

    @strawberry.field
    async def region(self, info: HubInfo, code: str) -> Region:
        row = await reference.region_by_code(info.context.reader, code)
        if row is None:
            raise not_found("region")
        return node(row)

    @strawberry.field
    async def authorities(
        self,
        info: HubInfo,
        region: str | None = None,
        type: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Authority]:
        page = info.context.page("authority", first, after)
        found = await reference.authorities(info.context.reader, page, region=region, type_=type)
        await read_ahead(info, [row.id for row in found.rows], "nodes")
        return from_page("authority", found)

    @strawberry.field(description="An authority by GSS code or three-letter code.")
    async def authority(self, info: HubInfo, code: str) -> Authority:
        row = await reference.authority_by_code(info.context.reader, code)
        if row is None:
            raise not_found("authority")
        return node(row)

    @strawberry.field
    async def themes(self, info: HubInfo) -> list[Theme]:
        return nodes(await reference.themes(info.context.reader))

    @strawberry.field
    async def sources(self, info: HubInfo) -> list[Source]:
        return nodes(await reference.sources(info.context.reader))

    @strawberry.field
    async def indicators(
        self,
        info: HubInfo,
        theme: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Indicator]:
        page = info.context.page("indicator", first, after)
        return from_page(
            "indicator", await reference.indicators(info.context.reader, page, theme=theme)
        )

    @strawberry.field
    async def indicator(self, info: HubInfo, code: str) -> Indicator:
        row = await reference.indicator_by_code(info.context.reader, code)
        if row is None:
            raise not_found("indicator")
        return node(row)

    @strawberry.field(description="One observation by id; NOT_FOUND if absent or not shared.")
    async def observation(self, info: HubInfo, id: strawberry.ID) -> Observation:
        return await _record(info, Kind.OBSERVATION, id, "observation")

    @strawberry.field(description="One assessment by id; NOT_FOUND if absent or not shared.")
    async def assessment(self, info: HubInfo, id: strawberry.ID) -> Assessment:
        return await _record(info, Kind.ASSESSMENT, id, "assessment")

    @strawberry.field(description="One flag by id; NOT_FOUND if absent or not shared.")
    async def flag(self, info: HubInfo, id: strawberry.ID) -> Flag:
        return await _record(info, Kind.FLAG, id, "flag")

    @strawberry.field(description="Current observations the caller may see, in stored order.")
    async def observations(
        self,
        info: HubInfo,
        filter: ObservationFilter,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Observation]:
        page = info.context.page("observation", first, after)
        reader = info.context.reader
        if written.available(reader):
            shape = once(info, nodes_json.shape_of)
            if shape is not None:  # PostgreSQL writes the JSON of the page's nodes
                found_page = await nodes_json.of_filter(reader, filter.to_query(), page, shape)
                return written_connection("observation", found_page)
        shape = once(info, nodes_json.shape_of)
        columns = None if shape is None else nodes_json.columns(shape)
        found = await performance.observations(reader, filter.to_query(), page, columns)
        loaders = info.context.loaders
        if selects(info, "nodes", "authority"):  # one statement, not an awaitable per node
            await loaders.know(reference.AUTHORITY, (r.authority_id for r in found.rows))
        if shape is not None:  # the same selection, written in Python (SQLite)
            if "indicator" in shape.fields:
                await loaders.know(reference.INDICATOR, (r.indicator_id for r in found.rows))
            indicators = loaders.known(reference.INDICATOR)
            authorities = loaders.known(reference.AUTHORITY)
            done = nodes_py.page(found.rows, found.has_next, shape, indicators, authorities)
            if done is not None:
                return written_connection("observation", done)
        return from_page("observation", found)

    @strawberry.field
    async def assessments(
        self,
        info: HubInfo,
        filter: RecordFilter | None = None,
        framework: Framework | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Assessment]:
        page = info.context.page("assessment", first, after)
        f = _record_filter(filter, None if framework is None else framework.value)
        return from_page("assessment", await performance.assessments(info.context.reader, f, page))

    @strawberry.field
    async def flags(
        self,
        info: HubInfo,
        filter: RecordFilter | None = None,
        kind: FlagKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Flag]:
        page = info.context.page("flag", first, after)
        f = _record_filter(filter, None if kind is None else kind.value)
        return from_page("flag", await performance.flags(info.context.reader, f, page))


async def _record(info: HubInfo, kind: Kind, id: str, what: str) -> Any:
    row = None
    if id.isdigit():
        row = await performance.record_by_id(info.context.reader, kind, int(id))
    if row is None:
        raise not_found(what)
    return row


def _record_filter(f: RecordFilter | None, kind: str | None) -> performance.RecordFilter:
    if f is None:
        return performance.RecordFilter(kind=kind)
    return performance.RecordFilter(
        authorities=codes_argument(f.authorities, "authority"), region=f.region, kind=kind
    )


# Each feature defines its own query and mutation types in hub/graphql/types/ and adds them
# here; strawberry merges them into the one Query and Mutation of the schema.
QUERY_TYPES: tuple[type, ...] = (
    CoreQuery,
    IngestQuery,
    AgreementQuery,
    ConcernQuery,
    AccessQuery,
    AuditQuery,
    AggregateQuery,
    AlertQuery,
)
MUTATION_TYPES: tuple[type, ...] = (
    IngestMutation,
    AgreementMutation,
    ConcernMutation,
    AlertMutation,
)
SUBSCRIPTION_TYPES: tuple[type, ...] = (AlertSubscription,)


def build_schema(
    extensions: Sequence[SchemaExtension | type[SchemaExtension]] = (),
) -> strawberry.Schema:
    mutation = merge_types("Mutation", MUTATION_TYPES) if MUTATION_TYPES else None
    return strawberry.Schema(
        query=merge_types("Query", QUERY_TYPES),
        mutation=mutation,
        subscription=merge_types("Subscription", SUBSCRIPTION_TYPES),
        extensions=list(extensions),  # type: ignore[arg-type]  # instances are accepted too
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=LeafListExecutionContext,  # lists of values, cheaply
    )
