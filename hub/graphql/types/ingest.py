"""Ingest in GraphQL: the submitBatch mutation (small JSON batches) and batch read-back.

Large batches go to `POST /ingest/{source}`; both run the same engine and answer the same shape.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

import hub.graphql.types.enums  # noqa: F401  (registers the GraphQL enums)
from hub.graphql.context import HubInfo
from hub.graphql.errors import bad_input, not_found
from hub.graphql.types.connection import Connection
from hub.ingest.batches import BatchView, batch_touches, visible_batch, visible_batches
from hub.ingest.body import single
from hub.ingest.catalogue import default_catalogue
from hub.ingest.engine import Ingestor, Submission
from hub.ingest.errors import SubmissionRefused
from hub.ingest.spec import Format
from hub.models.enums import BatchStatus


@strawberry.type(description="One problem of a rejected batch.")
class RowProblem:
    row: int | None = strawberry.field(
        description="1 is the first data row (a CSV header is not counted); null: the whole file."
    )
    field: str | None = strawberry.field(description="The column or JSON key at fault.")
    value: str | None = strawberry.field(description="The value as submitted.")
    reason: str


@strawberry.type(description="A submitted batch: applied whole, or rejected with its problems.")
class IngestBatch:
    id: strawberry.ID
    source: str
    organisation: str = strawberry.field(description="Code of the submitting organisation.")
    submitted_by: str | None = strawberry.field(description="Name of the submitting principal.")
    format: str
    status: BatchStatus
    idempotency_key: str | None
    row_count: int = strawberry.field(description="Data rows read, valid or not.")
    created: int = strawberry.field(description="Records new to the hub.")
    superseded: int = strawberry.field(description="Records that corrected a current one.")
    error_count: int = strawberry.field(description="Every problem found (errors lists the first).")
    errors: list[RowProblem]
    received_at: datetime
    completed_at: datetime | None


def _batch(view: BatchView) -> IngestBatch:
    return IngestBatch(
        id=strawberry.ID(str(view.id)),
        source=view.source,
        organisation=view.organisation,
        submitted_by=view.submitted_by,
        format=view.format,
        status=view.status,
        idempotency_key=view.idempotency_key,
        row_count=view.row_count,
        created=view.created,
        superseded=view.superseded,
        error_count=view.error_count,
        errors=[RowProblem(**problem) for problem in view.errors],
        received_at=view.received_at,
        completed_at=view.completed_at,
    )


@strawberry.type(description="What submitBatch did.")
class SubmitBatchResult:
    batch: IngestBatch
    replayed: bool = strawberry.field(
        description="True: this idempotency key and payload were seen before; this is the "
        "original result and nothing was applied again."
    )


def _refused(error: SubmissionRefused) -> GraphQLError:
    return GraphQLError(str(error), extensions={"code": error.code})


@strawberry.type
class IngestMutation:
    @strawberry.mutation(
        description="Submit a small batch of rows (JSON objects keyed by the adapter's column "
        "names) to a source your organisation owns. Applied whole or not at all."
    )
    async def submit_batch(
        self,
        info: HubInfo,
        source: str,
        rows: list[JSON],
        dataset: str | None = None,
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Your id for this batch: a retry with the same id and rows is "
                "answered with the original result; the same id with other rows is a CONFLICT."
            ),
        ] = None,
    ) -> SubmitBatchResult:
        context = info.context
        limit = context.settings.ingest_mutation_max_rows
        if len(rows) > limit:
            raise bad_input(f"at most {limit} rows per mutation; use POST /ingest/{source}")
        reader = context.reader
        ingestor = Ingestor(
            reader.sessions, reader.authorizer, default_catalogue(), context.settings
        )
        payload = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        submission = Submission(source, Format.JSON, dataset, idempotency_key)
        try:
            outcome = await ingestor.submit(reader.principal, submission, single(payload.encode()))
        except SubmissionRefused as error:
            raise _refused(error) from None
        if not outcome.replayed:  # the access record names what the batch wrote
            reader.notes.touched.update(await batch_touches(reader.sessions, outcome.batch.id))
        return SubmitBatchResult(batch=_batch(outcome.batch), replayed=outcome.replayed)


@strawberry.type
class IngestQuery:
    @strawberry.field(description="A batch you may read back (a submitter: its organisation's).")
    async def ingest_batch(self, info: HubInfo, id: strawberry.ID) -> IngestBatch:
        found = None
        if str(id).isdigit():
            found = await visible_batch(info.context.reader, int(id))
        if found is None:
            raise not_found("batch")
        return _batch(found)

    @strawberry.field(description="Batches you may read back, oldest first.")
    async def ingest_batches(
        self,
        info: HubInfo,
        source: str | None = None,
        status: BatchStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[IngestBatch]:
        page = info.context.page("batch", first, after)
        found = await visible_batches(info.context.reader, page, source=source, status=status)
        return Connection(
            kind="batch",
            items=[_batch(b) for b in found.rows],
            ids=[b.id for b in found.rows],
            has_next=found.has_next,
        )
