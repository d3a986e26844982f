"""Reference types. Nodes are database rows: plain fields are read straight off the row."""

import asyncio
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.graphql.context import HubInfo, once, selects_bare
from hub.graphql.errors import bad_input
from hub.graphql.execution import CONTEXT_ONLY
from hub.graphql.types.connection import Connection, from_page, written_connection
from hub.models.enums import FlagKind, Framework, ObservationStatus, Polarity
from hub.query import nodes_json, nodes_py, performance, reference, series_json, written

if TYPE_CHECKING:
    from hub.graphql.types.performance import Assessment, Flag, Observation, Series

MAX_CODES = 200  # indicator or authority codes one argument may list


def codes_argument(codes: list[str] | None, what: str) -> tuple[str, ...] | None:
    if codes is None:
        return None
    if len(codes) > MAX_CODES:
        raise bad_input(f"at most {MAX_CODES} {what} codes in one request")
    return tuple(dict.fromkeys(codes))


@strawberry.type(description="One of the nine English regions.")
class Region:
    id: strawberry.Private[int]
    code: str = strawberry.field(description="ONS region code, e.g. E12000001.")
    name: str

    @strawberry.field(description="The authorities of this region, by name.")
    async def authorities(self, info: HubInfo, type: str | None = None) -> list["Authority"]:
        found = await info.context.loaders.authorities_of_region(type).load(self.id)
        await read_ahead(info, [row.id for row in found])
        return found


async def read_ahead(info: HubInfo, authority_ids: list[int], *under: str) -> None:
    """The assessments and flags a list of authorities selects (without arguments; `under`:
    the path to the authorities, e.g. "nodes"), read now for all of them: each authority's
    field then has its rows at hand, and the list is completed at once
    (hub.graphql.execution) instead of through an awaitable per authority. A read that fails
    is left to the authorities' own fields to report, as before."""
    loaders = info.context.loaders
    reads = [
        loader_of(None).load_many(authority_ids)  # None: no framework or kind asked
        for name, loader_of in (
            ("assessments", loaders.assessments_of_authority),
            ("flags", loaders.flags_of_authority),
        )
        if selects_bare(info, *under, name)
    ]
    if reads:
        await asyncio.gather(*reads, return_exceptions=True)


@strawberry.type(description="A subject area sources and indicators belong to.")
class Theme:
    code: str
    name: str


@strawberry.type(description="A feed one inspectorate or Government Office system pushes.")
class Source:
    code: str
    name: str
    theme_code: str | None


@strawberry.type(description="A performance measure; isDemo marks a generated, unofficial one.")
class Indicator:
    id: strawberry.Private[int]
    code: str
    title: str
    unit: str
    polarity: Polarity
    theme_code: str
    is_demo: bool


def _observation_filter(
    indicators: list[str] | None,
    period_from: date | None,
    period_to: date | None,
    status: ObservationStatus | None,
) -> performance.ObservationFilter:
    """The arguments an authority's observations and series share."""
    return performance.ObservationFilter(
        indicators=codes_argument(indicators, "indicator"),
        period_from=period_from,
        period_to=period_to,
        status=None if status is None else status.value,
    )


@strawberry.type(description="An English council of the April 2009 structure.")
class Authority:
    id: strawberry.Private[int]
    region_id: strawberry.Private[int]
    county_id: strawberry.Private[int | None]
    gss_code: str = strawberry.field(description="ONS GSS code (current or final), e.g. E06000005.")
    code: str = strawberry.field(description="Three-letter register code, e.g. DAL.")
    snac: str | None = strawberry.field(description="The ONS SNAC code in use in 2009.")
    name: str
    short_name: str
    type: str = strawberry.field(description="CTY, NMD, UA, MD, LBO or CC.")

    @strawberry.field
    async def region(self, info: HubInfo) -> Region:
        return await info.context.loaders.by_id(reference.REGION).load(self.region_id)

    @strawberry.field(description="The county council of a district; null for other types.")
    async def county(self, info: HubInfo) -> "Authority | None":
        if self.county_id is None:
            return None
        return await info.context.loaders.by_id(reference.AUTHORITY).load(self.county_id)

    @strawberry.field(description="Current observations of this authority, paged per authority.")
    async def observations(
        self,
        info: HubInfo,
        indicators: list[str] | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
        status: ObservationStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Annotated["Observation", strawberry.lazy("hub.graphql.types.performance")]]:
        f = _observation_filter(indicators, period_from, period_to, status)
        page = info.context.page("observation", first, after)
        loaders = info.context.loaders
        if written.available(info.context.reader):
            shape = once(info, nodes_json.shape_of)
            if shape is not None:  # PostgreSQL writes the JSON of the page's nodes
                loader = loaders.written_observations_of_authority(f, page, shape)
                return written_connection("observation", await loader.load(self.id))
        shape = once(info, nodes_json.shape_of)
        columns = None if shape is None else nodes_json.columns(shape)
        found = await loaders.observations_of_authority(f, page, columns).load(self.id)
        if shape is not None:  # the same selection, written in Python (SQLite)
            read = loaders.known(reference.INDICATOR)
            done = nodes_py.page(found.rows, found.has_next, shape, read, {self.id: self})
            if done is not None:
                return written_connection("observation", done)
        return from_page("observation", found)

    @strawberry.field(
        description="Current observations of this authority as one series per indicator "
        "(periods and values as lists), ordered by indicator code; not paged."
    )
    async def series(
        self,
        info: HubInfo,
        indicators: list[str] | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
        status: ObservationStatus | None = None,
    ) -> list[Annotated["Series", strawberry.lazy("hub.graphql.types.performance")]]:
        f = _observation_filter(indicators, period_from, period_to, status)
        loaders = info.context.loaders
        if written.available(info.context.reader):
            shape = once(info, series_json.shape_of)
            if shape is not None:  # PostgreSQL writes the JSON of the whole list
                return await loaders.written_series_of_authority(f, shape).load(self.id)
        return await loaders.series_of_authority(f).load(self.id)

    # Synchronous, so that a list of authorities whose rows were read ahead completes at once
    # (CONTEXT_ONLY); an awaitable where they were not.
    @strawberry.field(
        description="Current published assessments of this authority.", metadata=CONTEXT_ONLY
    )
    def assessments(
        self, info: HubInfo, framework: Framework | None = None
    ) -> list[Annotated["Assessment", strawberry.lazy("hub.graphql.types.performance")]]:
        code = None if framework is None else framework.value
        loaders = info.context.loaders
        return loaders.loaded(loaders.assessments_of_authority(code), self.id)

    @strawberry.field(
        description="Current flags and improvement notices of this authority.",
        metadata=CONTEXT_ONLY,
    )
    def flags(
        self, info: HubInfo, kind: FlagKind | None = None
    ) -> list[Annotated["Flag", strawberry.lazy("hub.graphql.types.performance")]]:
        code = None if kind is None else kind.value
        loaders = info.context.loaders
        return loaders.loaded(loaders.flags_of_authority(code), self.id)
