"""The access log in GraphQL: auditors' accessRecords, and accessToAuthorities (transparency:
who read an authority's data, when, why and how much). Who sees what is policies/audit.polar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import strawberry
from sqlalchemy import Row
from strawberry.scalars import JSON

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.graphql.context import HubInfo
from hub.graphql.types.connection import Connection
from hub.models.enums import AccessOutcome, Role
from hub.query import audit


@strawberry.type(description="Rows of one kind, authority and source that a request received.")
class AccessTouch:
    kind: str
    authority: str | None = strawberry.field(description="GSS code.")
    source: str | None
    rows: int


@strawberry.type(description="One request, as the append-only, hash-chained access log holds it.")
class AccessRecord:
    id: strawberry.ID = strawberry.field(description="Its position in the chain.")
    at: datetime
    principal: str | None
    organisation: str | None = strawberry.field(description="Organisation code.")
    role: Role | None
    purpose: str | None
    operation_type: str = strawberry.field(description="query, mutation, graphql, ingest, http.")
    operation_name: str | None
    document_hash: str | None = strawberry.field(description="SHA-256 of the GraphQL document.")
    variables: JSON | None = strawberry.field(description="With secrets redacted.")
    outcome: AccessOutcome
    touched: list[AccessTouch]
    trace_id: str | None = strawberry.field(description="OpenTelemetry trace id.")
    client_addr: str | None
    user_agent: str | None
    prev_hash: str | None
    record_hash: str | None


@strawberry.input(description="Which access records to return; all conditions must hold.")
class AccessRecordFilter:
    since: datetime | None = strawberry.field(default=None, description="Inclusive.")
    until: datetime | None = strawberry.field(default=None, description="Exclusive.")
    organisation: str | None = strawberry.field(default=None, description="Organisation code.")
    principal: str | None = strawberry.field(default=None, description="Principal name.")
    authority: str | None = strawberry.field(
        default=None, description="Records that touched this authority (GSS or 3-letter code)."
    )
    source: str | None = strawberry.field(default=None, description="Records touching a source.")
    outcome: AccessOutcome | None = None

    def to_query(self) -> audit.AccessFilter:
        return audit.AccessFilter(
            since=_utc(self.since),
            until=_utc(self.until),
            organisation=self.organisation,
            principal=self.principal,
            authority=self.authority,
            source=self.source,
            outcome=None if self.outcome is None else self.outcome.value,
        )


@strawberry.type(description="Access to an authority's data by one organisation on one day.")
class AuthorityAccess:
    authority: str = strawberry.field(description="GSS code.")
    organisation: str | None
    role: Role | None
    purpose: str | None
    day: date = strawberry.field(description="UTC.")
    agreement: str | None = strawberry.field(
        description="The agreement that shared the data; null where none was needed."
    )
    agreement_version: int | None
    requests: int
    rows: int


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _record(row: Row[Any], authorities: dict[int, str], sources: dict[int, str]) -> AccessRecord:
    touched = [
        AccessTouch(
            kind=t["kind"],
            authority=authorities.get(t["authority_id"]) if t["authority_id"] else None,
            source=sources.get(t["source_id"]) if t["source_id"] else None,
            rows=t["rows"],
        )
        for t in row.touched or []
    ]
    return AccessRecord(
        id=strawberry.ID(str(row.id)),
        at=row.at,
        principal=row.principal_name,
        organisation=row.organisation_code,
        role=None if row.role is None else Role(row.role),
        purpose=row.purpose,
        operation_type=row.operation_type,
        operation_name=row.operation_name,
        document_hash=row.document_hash,
        variables=row.variables,
        outcome=AccessOutcome(row.outcome),
        touched=touched,
        trace_id=row.trace_id,
        client_addr=row.client_addr,
        user_agent=row.user_agent,
        prev_hash=row.prev_hash,
        record_hash=row.record_hash,
    )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The access log, in chain order: auditors read all of it, anyone else "
        "their own records."
    )
    async def access_records(
        self,
        info: HubInfo,
        filter: AccessRecordFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccessRecord]:
        reader = info.context.reader
        page = info.context.page("access", first, after)
        f = filter.to_query() if filter else audit.AccessFilter()
        found = await audit.access_records(reader, f, page)
        touched = [t for row in found.rows for t in row.touched or []]
        authorities, sources = await audit.codes(
            reader,
            {t["authority_id"] for t in touched if t["authority_id"]},
            {t["source_id"] for t in touched if t["source_id"]},
        )
        return Connection(
            kind="access",
            items=[_record(row, authorities, sources) for row in found.rows],
            ids=[row.id for row in found.rows],
            has_next=found.has_next,
        )

    @strawberry.field(
        description="Who read authorities' data, when, for what purpose and how much: per "
        "organisation, role, purpose and day. An authority officer sees its own authority's."
    )
    async def access_to_authorities(
        self,
        info: HubInfo,
        authority: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuthorityAccess]:
        rows = await audit.access_to_authorities(
            info.context.reader, authority, _utc(since), _utc(until)
        )
        return [
            AuthorityAccess(
                authority=r.authority,
                organisation=r.organisation,
                role=None if r.role is None else Role(r.role),
                purpose=r.purpose,
                day=date.fromisoformat(r.day),
                agreement=r.agreement,
                agreement_version=r.agreement_version,
                requests=r.requests,
                rows=r.rows,
            )
            for r in rows
        ]
