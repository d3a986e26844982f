"""The confidential clearing house in GraphQL: raise a concern, read and follow up concerns.

Who may raise, read and follow up is the policy's answer (policies/agreements.polar): anyone
authenticated raises; clearing-house officers read and follow up all; a raising organisation
reads its own unless it is an inspectorate or a Government Office. A concern the caller may
not read is NOT_FOUND, exactly like one that does not exist.
"""

from datetime import datetime

import strawberry

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.authz import Action
from hub.db import unit_of_work
from hub.graphql.context import HubInfo
from hub.graphql.errors import bad_input, forbidden, not_found
from hub.graphql.types.connection import Connection, from_page, node
from hub.graphql.types.reference import Authority
from hub.models.enums import ConcernStatus
from hub.query import concerns as query
from hub.query import reference
from hub.services.concerns import ConcernError, ConcernNotFound, raise_concern, update_concern


@strawberry.type(description="A confidential concern about an authority, raised with the IDeA.")
class Concern:
    id: strawberry.ID
    authority_id: strawberry.Private[int]
    subject: str
    detail: str = strawberry.field(
        description="What was raised, then each follow-up (dated, signed, with its status)."
    )
    status: ConcernStatus
    raised_by: str = strawberry.field(description="Code of the raising organisation.")
    raised_by_name: str | None = strawberry.field(description="The raising principal's name.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def authority(self, info: HubInfo) -> Authority:
        return await info.context.loaders.by_id(reference.AUTHORITY).load(self.authority_id)


@strawberry.type(description="What raiseConcern recorded.")
class RaisedConcern:
    id: strawberry.ID
    status: ConcernStatus
    created_at: datetime
    concern: Concern | None = strawberry.field(
        description="The concern as you may read it back; null where your organisation may "
        "raise concerns but not read them."
    )


MAX_ID = 2**31 - 1  # concern.id is a 32-bit integer


def _concern_id(value: strawberry.ID) -> int | None:
    """The id as stored, or None for anything that cannot be one (so: NOT_FOUND)."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    return int(text) if int(text) <= MAX_ID else None


async def _concern(info: HubInfo, concern_id: int | None) -> Concern:
    row = None
    if concern_id is not None:
        row = await query.concern_by_id(info.context.reader, concern_id)
    if row is None:
        raise not_found("concern")
    return node(row)


@strawberry.type
class ConcernQuery:
    @strawberry.field(description="Concerns you may read, oldest first.")
    async def concerns(
        self,
        info: HubInfo,
        authority: str | None = None,
        status: ConcernStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Concern]:
        page = info.context.page("concern", first, after)
        found = await query.concerns(info.context.reader, page, authority=authority, status=status)
        return from_page("concern", found)

    @strawberry.field(description="A concern you may read, by id.")
    async def concern(self, info: HubInfo, id: strawberry.ID) -> Concern:
        return await _concern(info, _concern_id(id))


@strawberry.type
class ConcernMutation:
    @strawberry.mutation(
        description="Raise a confidential concern about an authority (GSS or three-letter "
        "code) with the IDeA clearing house, for your organisation."
    )
    async def raise_concern(
        self, info: HubInfo, authority: str, subject: str, detail: str
    ) -> RaisedConcern:
        reader = info.context.reader
        if not reader.gate.allows(Action.RAISE, "concern"):
            raise forbidden("you may not raise concerns")
        principal = reader.principal
        try:
            async with unit_of_work(reader.sessions) as session:
                made = await raise_concern(
                    session,
                    authority=authority,
                    subject=subject,
                    detail=detail,
                    organisation_id=principal.organisation_id,
                    principal_id=principal.principal_id,
                )
                concern_id, status, created_at = made.id, made.status, made.created_at
        except ConcernError as error:
            raise bad_input(str(error)) from None
        info.context.loaders.forget()
        row = await query.concern_by_id(reader, concern_id)
        return RaisedConcern(
            id=strawberry.ID(str(concern_id)),
            status=status,
            created_at=created_at,
            concern=None if row is None else node(row),
        )

    @strawberry.mutation(
        description="Follow up a concern (clearing-house officers): set its status and append "
        "a note to its detail."
    )
    async def update_concern(
        self, info: HubInfo, id: strawberry.ID, status: ConcernStatus, note: str | None = None
    ) -> Concern:
        reader = info.context.reader
        if not reader.gate.allows(Action.MANAGE, "concerns"):
            raise forbidden("you may not follow up concerns")
        concern_id = _concern_id(id)
        if concern_id is None:
            raise not_found("concern")
        try:
            async with unit_of_work(reader.sessions) as session:
                await update_concern(
                    session,
                    concern_id=concern_id,
                    status=status,
                    note=note,
                    by=f"{reader.principal.name} ({reader.principal.organisation_code})",
                )
        except ConcernNotFound:
            raise not_found("concern") from None
        except ConcernError as error:
            raise bad_input(str(error)) from None
        info.context.loaders.forget()
        return await _concern(info, concern_id)
