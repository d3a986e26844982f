"""`POST /ingest/{source}`: a CSV or JSON body of any size, streamed into the engine.

The content type says the format; `?dataset=` picks one of the source's datasets; an
`Idempotency-Key` header makes retries exactly-once. Answers: 201 applied, 200 the replay of an
applied batch, 400 rejected (with every problem), 401 (middleware), 403, 404, 409, 413, 415.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.audit.draft import CURRENT
from hub.ingest.batches import BatchView, batch_touches
from hub.ingest.engine import Ingestor, Outcome, Submission
from hub.ingest.errors import SubmissionRefused, TooLarge, UnsupportedFormat
from hub.ingest.spec import Format
from hub.models.enums import BatchStatus

CONTENT_TYPES = {
    "text/csv": Format.CSV,
    "application/csv": Format.CSV,
    "application/json": Format.JSON,
    "application/x-ndjson": Format.NDJSON,
    "application/ndjson": Format.NDJSON,
}


def batch_json(batch: BatchView) -> dict[str, Any]:
    """A batch as the HTTP answer shows it: the fields of the GraphQL IngestBatch type."""
    return {
        "id": batch.id,
        "source": batch.source,
        "organisation": batch.organisation,
        "submittedBy": batch.submitted_by,
        "format": batch.format,
        "status": batch.status.value,
        "idempotencyKey": batch.idempotency_key,
        "rowCount": batch.row_count,
        "created": batch.created,
        "superseded": batch.superseded,
        "errorCount": batch.error_count,
        "errors": batch.errors,
        "receivedAt": batch.received_at.isoformat(),
        "completedAt": None if batch.completed_at is None else batch.completed_at.isoformat(),
    }


def _refused(error: SubmissionRefused) -> JSONResponse:
    body = {"errors": [{"message": str(error), "extensions": {"code": error.code}}]}
    return JSONResponse(body, error.status)


def _format(request: Request) -> Format:
    media, _, params = request.headers.get("content-type", "").partition(";")
    fmt = CONTENT_TYPES.get(media.strip().lower())
    if fmt is None:
        accepted = ", ".join(CONTENT_TYPES)
        raise UnsupportedFormat(f"send the body as one of: {accepted}")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(' "').lower() not in ("utf-8", "utf8"):
            raise UnsupportedFormat("send the body as UTF-8 (charset=utf-8)")
    return fmt


def _answer(outcome: Outcome) -> JSONResponse:
    batch = outcome.batch
    status = 200 if outcome.replayed else 201
    if batch.status is BatchStatus.REJECTED:
        status = 400
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse({"batch": batch_json(batch), "replayed": outcome.replayed}, status, headers)


def ingest_route(ingestor: Ingestor) -> Route:
    """The route, bound to the application's engine."""

    async def endpoint(request: Request) -> Response:
        try:
            fmt = _format(request)
            declared = request.headers.get("content-length", "")
            limit = ingestor.settings.ingest_max_body_bytes
            if declared.isdigit() and int(declared) > limit:
                raise TooLarge(f"the body is larger than the limit of {limit} bytes")
            submission = Submission(
                source=request.path_params["source"],
                format=fmt,
                dataset=request.query_params.get("dataset"),
                idempotency_key=request.headers.get("idempotency-key"),
            )
            outcome = await ingestor.submit(request.state.principal, submission, request.stream())
        except SubmissionRefused as error:
            return _refused(error)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read an answer
        if (draft := CURRENT.get()) is not None and not outcome.replayed:
            touched = outcome.touched
            if touched is None:
                touched = await batch_touches(ingestor.sessions, outcome.batch.id)
            draft.touched = touched
        return _answer(outcome)

    return Route("/ingest/{source}", endpoint, methods=["POST"])
