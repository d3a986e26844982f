"""Information-sharing agreements in GraphQL: their versions (history), mutuality statements,
and the administrator's mutations. Every change is a new version; nothing is overwritten.

Nodes are database rows; nested lists come through the request's DataLoaders. Who may read or
manage is the policy's answer (policies/agreements.polar), asked through the request's gate.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.authz import Action, Kind
from hub.db import unit_of_work
from hub.graphql.context import HubInfo
from hub.graphql.errors import bad_input, forbidden, hidden_field, not_found
from hub.graphql.types.connection import Connection, from_page, node, nodes
from hub.graphql.types.reference import Authority
from hub.models import Agreement as AgreementRow
from hub.models.enums import AgreementState, MutualityState, Purpose
from hub.query import agreements as query
from hub.query import reference
from hub.services.agreements import (
    AgreementError,
    AgreementNotFound,
    AgreementTerms,
    Coverage,
    amend_agreement,
    create_agreement,
    record_mutuality,
    set_agreement_state,
)

T = TypeVar("T")
MAX_LINES = 200  # coverage lines, recipients or purposes in one input


async def _authority(info: HubInfo, authority_id: int) -> Authority:
    return await info.context.loaders.by_id(reference.AUTHORITY).load(authority_id)


@strawberry.type(description="One line of what an agreement version covers.")
class CoverageLine:
    source: str | None = strawberry.field(
        description="A source's code; null: the theme across every source."
    )
    theme: str | None = strawberry.field(
        description="A theme's code; null: everything the source carries."
    )


@strawberry.type(
    description="The terms of an agreement as agreed at one time. Versions are never edited: "
    "each change adds a version, and only the newest is current."
)
class AgreementVersion:
    id: strawberry.Private[int]
    agreement_id: strawberry.Private[int]
    contact: strawberry.Private[str]
    version: int = strawberry.field(description="1 for the first terms, then one more per change.")
    is_current: bool
    state: AgreementState
    effective_from: date
    effective_to: date | None
    review_date: date | None = strawberry.field(
        description="The agreement lapses after this date until it is reviewed."
    )
    include_provisional: bool = strawberry.field(
        description="Whether provisional (unpublished) values are shared."
    )
    allow_aggregates: bool = strawberry.field(
        description="Whether the authority's data may be used in aggregates across authorities."
    )
    lawful_basis: str
    retention: str
    change_note: str | None = strawberry.field(description="Why this version was made.")
    created_at: datetime
    created_by: str | None = strawberry.field(
        description="The principal who made this version; null when it was made by the "
        "operator's `hub agreement` command or loaded with the demo."
    )

    @strawberry.field(
        name="contact",
        description="The authority's named contact: personal data, null (with a FORBIDDEN "
        "error) for callers the policy does not show it to.",
    )
    def shared_contact(self, info: HubInfo) -> str | None:
        if not info.context.reader.gate.field_allowed(Action.READ, Kind.AGREEMENT, "contact"):
            raise hidden_field("contact")
        return self.contact

    @strawberry.field(description="What this version covers: sources and/or themes.")
    async def coverage(self, info: HubInfo) -> list[CoverageLine]:
        return await info.context.loaders.terms_of_version("coverage").load(self.id)

    @strawberry.field(description="Codes of the organisations this version shares with.")
    async def recipients(self, info: HubInfo) -> list[str]:
        rows = await info.context.loaders.terms_of_version("recipients").load(self.id)
        return [row.code for row in rows]

    @strawberry.field(description="The purposes this version permits.")
    async def purposes(self, info: HubInfo) -> list[Purpose]:
        rows = await info.context.loaders.terms_of_version("purposes").load(self.id)
        return [row.purpose for row in rows]


@strawberry.type(description="An authority's information-sharing agreement and its history.")
class Agreement:
    id: strawberry.Private[int]
    authority_id: strawberry.Private[int]
    reference: str = strawberry.field(description="e.g. ISA-NET.")
    created_at: datetime

    @strawberry.field
    async def authority(self, info: HubInfo) -> Authority:
        return await _authority(info, self.authority_id)

    @strawberry.field(description="The terms in force now (the newest version).")
    async def current(self, info: HubInfo) -> AgreementVersion:
        versions = await info.context.loaders.versions_of_agreement().load(self.id)
        return next((v for v in versions if v.is_current), versions[-1])

    @strawberry.field(description="Every version, oldest first.")
    async def versions(self, info: HubInfo) -> list[AgreementVersion]:
        return await info.context.loaders.versions_of_agreement().load(self.id)


@strawberry.type(description="An authority's signed commitment to sector-led improvement.")
class MutualityStatement:
    authority_id: strawberry.Private[int]
    state: MutualityState
    signed_on: date
    withdrawn_on: date | None
    recorded_at: datetime

    @strawberry.field
    async def authority(self, info: HubInfo) -> Authority:
        return await _authority(info, self.authority_id)


@strawberry.input(description="One coverage line: a source, a theme, or a theme within a source.")
class CoverageInput:
    source: str | None = strawberry.field(default=None, description="A source's code.")
    theme: str | None = strawberry.field(default=None, description="A theme's code.")


def _coverage(lines: list[CoverageInput]) -> tuple[Coverage, ...]:
    return tuple(Coverage(line.source or None, line.theme or None) for line in lines)


def _check_sizes(**lists: list[Any] | None) -> None:
    for name, items in lists.items():
        if isinstance(items, list) and len(items) > MAX_LINES:
            raise bad_input(f"at most {MAX_LINES} {name} in one agreement")


@strawberry.input(description="A new agreement's first terms.")
class NewAgreementInput:
    authority: str = strawberry.field(description="GSS or three-letter code.")
    effective_from: date
    coverage: list[CoverageInput]
    recipients: list[str] = strawberry.field(description="Organisation codes.")
    purposes: list[Purpose]
    lawful_basis: str
    retention: str
    contact: str
    reference: str | None = strawberry.field(
        default=None, description="Default: ISA- and the authority's three-letter code."
    )
    state: AgreementState = AgreementState.DRAFT
    effective_to: date | None = None
    review_date: date | None = None
    include_provisional: bool = False
    allow_aggregates: bool = True
    change_note: str | None = None

    def terms(self) -> AgreementTerms:
        _check_sizes(coverage=self.coverage, recipients=self.recipients, purposes=self.purposes)
        return AgreementTerms(
            state=self.state,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            review_date=self.review_date,
            coverage=_coverage(self.coverage),
            recipients=tuple(self.recipients),
            purposes=tuple(self.purposes),
            include_provisional=self.include_provisional,
            allow_aggregates=self.allow_aggregates,
            lawful_basis=self.lawful_basis,
            retention=self.retention,
            contact=self.contact,
            change_note=self.change_note,
        )


NULLABLE = frozenset({"effective_to", "review_date"})  # the amendment fields null clears


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.input(
    description="A change of terms: fields left out keep their current value; effectiveTo and "
    "reviewDate may be set to null to clear them. The state changes through setAgreementState."
)
class AgreementAmendmentInput:
    change_note: str = strawberry.field(description="Why the terms change (required).")
    effective_from: date | None = strawberry.UNSET
    effective_to: date | None = strawberry.UNSET
    review_date: date | None = strawberry.UNSET
    coverage: list[CoverageInput] | None = strawberry.UNSET
    recipients: list[str] | None = strawberry.UNSET
    purposes: list[Purpose] | None = strawberry.UNSET
    include_provisional: bool | None = strawberry.UNSET
    allow_aggregates: bool | None = strawberry.UNSET
    lawful_basis: str | None = strawberry.UNSET
    retention: str | None = strawberry.UNSET
    contact: str | None = strawberry.UNSET

    def changes(self) -> dict[str, Any]:
        """The terms this amendment sets, as AgreementTerms fields."""
        _check_sizes(coverage=self.coverage, recipients=self.recipients, purposes=self.purposes)
        given = {
            name: value
            for name, value in vars(self).items()
            if value is not strawberry.UNSET and name != "change_note"
        }
        nulls = sorted(_camel(n) for n, v in given.items() if v is None and n not in NULLABLE)
        if nulls:
            raise bad_input(f"cannot be null: {', '.join(nulls)} (leave them out to keep them)")
        if "coverage" in given:
            given["coverage"] = _coverage(given["coverage"])
        for name in ("recipients", "purposes"):
            if name in given:
                given[name] = tuple(given[name])
        return {**given, "change_note": self.change_note}


def _may_manage(info: HubInfo) -> None:
    """Asked before anything else, so a caller who may not manage learns nothing more."""
    if not info.context.reader.gate.allows(Action.MANAGE, "agreements"):
        raise forbidden("you may not manage agreements")


async def _change(info: HubInfo, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a change in one transaction: bad terms change nothing."""
    reader = info.context.reader
    try:
        async with unit_of_work(reader.sessions) as session:
            result = await work(session)
    except AgreementNotFound:
        raise not_found("agreement") from None
    except AgreementError as error:
        raise bad_input(str(error)) from None
    info.context.loaders.forget()  # anything loaded earlier in this request is stale now
    return result


async def _agreement(info: HubInfo, reference: str) -> Agreement:
    row = await query.agreement_by_reference(info.context.reader, reference)
    if row is None:
        raise not_found("agreement")
    return node(row)


@strawberry.type
class AgreementQuery:
    @strawberry.field(description="Agreements you may read, in the order they were made.")
    async def agreements(
        self,
        info: HubInfo,
        authority: str | None = None,
        state: AgreementState | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Agreement]:
        page = info.context.page("agreement", first, after)
        found = await query.agreements(info.context.reader, page, authority=authority, state=state)
        return from_page("agreement", found)

    @strawberry.field(description="An agreement by reference (e.g. ISA-NET).")
    async def agreement(self, info: HubInfo, reference: str) -> Agreement:
        return await _agreement(info, reference)

    @strawberry.field(
        description="An authority's mutuality statements, oldest first (the newest is its "
        "position); empty unless you may read the authority's agreements."
    )
    async def mutuality_statements(self, info: HubInfo, authority: str) -> list[MutualityStatement]:
        reader = info.context.reader
        if not await query.authority_exists(reader, authority):
            raise not_found("authority")
        return nodes(await query.mutuality_statements(reader, authority))


def _by(info: HubInfo) -> int:
    return info.context.reader.principal.principal_id


@strawberry.type
class AgreementMutation:
    @strawberry.mutation(description="Make a new agreement, as its version 1 (administrator).")
    async def create_agreement(self, info: HubInfo, input: NewAgreementInput) -> Agreement:
        _may_manage(info)
        terms = input.terms()

        async def work(session: AsyncSession) -> str:
            version = await create_agreement(
                session,
                authority=input.authority,
                reference=input.reference,
                terms=terms,
                by=_by(info),
            )
            made = await session.get(AgreementRow, version.agreement_id)  # in the session
            assert made is not None
            return made.reference

        return await _agreement(info, await _change(info, work))

    @strawberry.mutation(description="Change an agreement's terms, as its next version.")
    async def amend_agreement(
        self, info: HubInfo, reference: str, input: AgreementAmendmentInput
    ) -> Agreement:
        _may_manage(info)
        changes = input.changes()

        def change(current: AgreementTerms) -> AgreementTerms:
            return replace(current, **changes)

        async def work(session: AsyncSession) -> None:
            await amend_agreement(session, reference=reference, change=change, by=_by(info))

        await _change(info, work)
        return await _agreement(info, reference)

    @strawberry.mutation(
        description="Activate, suspend, withdraw or expire an agreement, as its next version; "
        "it takes effect on the next request."
    )
    async def set_agreement_state(
        self, info: HubInfo, reference: str, state: AgreementState, note: str
    ) -> Agreement:
        _may_manage(info)

        async def work(session: AsyncSession) -> None:
            await set_agreement_state(
                session, reference=reference, state=state, note=note, by=_by(info)
            )

        await _change(info, work)
        return await _agreement(info, reference)

    @strawberry.mutation(
        description="Record an authority's mutuality statement, signed or withdrawn; earlier "
        "statements are kept as its history."
    )
    async def record_mutuality_statement(
        self,
        info: HubInfo,
        authority: str,
        state: MutualityState,
        signed_on: date,
        withdrawn_on: date | None = None,
    ) -> MutualityStatement:
        _may_manage(info)

        async def work(session: AsyncSession) -> int:
            statement = await record_mutuality(
                session,
                authority=authority,
                state=state,
                signed_on=signed_on,
                withdrawn_on=withdrawn_on,
            )
            return statement.id

        statement_id = await _change(info, work)
        row = await query.mutuality_statement_by_id(info.context.reader, statement_id)
        if row is None:
            raise not_found("mutuality statement")
        return node(row)
