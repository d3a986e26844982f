"""Records every HTTP request in the access log before its response leaves.

`AccessLogMiddleware` sits outside authentication, so refused requests (401, 400) are recorded
too. It holds back the response's start until the first body message, writes the record, and
only then sends the response: if the record cannot be written the client gets a 500 instead of
the data, and nothing is silently dropped. `BindState` sits just inside authentication and lets
the draft see the principal and purpose the inner layers put in the request's state.

A request the database failed (unreachable, or a statement stopped by its timeout) answers a
JSON 503 with Retry-After instead of a bare 500; its record is written if the database allows.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.audit.draft import CURRENT, AccessDraft
from hub.audit.store import AccessLog
from hub.db import is_statement_timeout, is_unavailable
from hub.models.enums import AccessOutcome

log = logging.getLogger("hub.audit")

_FAILED_BODY = json.dumps(
    {
        "errors": [
            {
                "message": "the access record of this request could not be written, so nothing "
                "was returned",
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ]
    }
).encode()
_FAILED: tuple[Message, Message] = (
    {
        "type": "http.response.start",
        "status": 500,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_FAILED_BODY)).encode()),
        ],
    },
    {"type": "http.response.body", "body": _FAILED_BODY},
)


def database_problem(error: BaseException | None) -> tuple[Message, Message] | None:
    """The answer to a request the database failed (not a bug): 503 with Retry-After while
    it is unreachable (the next requests reconnect by themselves), 503 TIMEOUT for a statement
    it stopped; None for anything else."""
    if is_unavailable(error):
        code, message = "DATABASE_UNAVAILABLE", "the database is unavailable; try again shortly"
    elif is_statement_timeout(error):
        code, message = "TIMEOUT", "a database statement took too long and was stopped"
    else:
        return None
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", b"2"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            text: str = value.decode("latin-1")
            return text
    return None


def operation_type_of(path: str) -> str:
    if path.startswith("/graphql"):
        return "graphql"
    if path.startswith("/ingest"):
        return "ingest"
    return "http"


def _trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def new_draft(scope: Scope) -> AccessDraft:
    client = scope.get("client")
    path: str = scope.get("path", "")
    user_agent = _header(scope, b"user-agent")
    return AccessDraft(
        operation_type=operation_type_of(path),
        operation_name=f"{scope.get('method', '')} {path}"[:128],
        client_addr=client[0][:64] if client else None,
        user_agent=user_agent[:255] if user_agent else None,
        trace_id=_trace_id(),
    )


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, access_log: AccessLog, exempt_paths: frozenset[str]) -> None:
        self.app = app
        self.access_log = access_log
        self.exempt_paths = exempt_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        draft = new_draft(scope)
        token = CURRENT.set(draft)
        held: list[Message] = []
        done: dict[str, Any] = {"recorded": False, "failed": None}

        async def record() -> bool:
            done["recorded"] = True
            try:
                if draft.granting is not None and draft.touched:
                    draft.versions = await draft.granting()
                await self.access_log.record(draft)
            except Exception as error:
                if is_unavailable(error):  # an outage, not a bug: no traceback per request
                    log.warning("could not write the access record: the database is away")
                else:
                    log.exception("could not write the access record; failing the request")
                done["failed"] = error
                return False
            return True

        async def refuse() -> None:
            """The answer when the record could not be written: no data leaves."""
            for message in database_problem(done["failed"]) or _FAILED:
                await send(message)

        async def send_after_recording(message: Message) -> None:
            if done["failed"] is not None:
                return
            if message["type"] == "http.response.start" and not done["recorded"]:
                draft.status = int(message["status"])
                held.append(message)
                return
            if message["type"] == "http.response.body" and not done["recorded"]:
                if not await record():
                    await refuse()
                    return
                for start in held:
                    await send(start)
            await send(message)

        state: dict[str, Any] = {**scope.get("state", {}), "access": draft}
        try:
            await self.app({**scope, "state": state}, receive, send_after_recording)
        except Exception as error:
            answer = None if done["recorded"] else database_problem(error)
            if not done["recorded"]:
                draft.status = 503 if answer else 500
                if answer is not None and is_statement_timeout(error):
                    draft.outcome = AccessOutcome.LIMITED
                await record()  # fails too while the database is away: the answer is the same
            if answer is None:
                raise
            log.warning("answered 503: %s", type(error).__name__)
            for message in answer:
                await send(message)
        finally:
            CURRENT.reset(token)
        if not done["recorded"]:  # the application sent no body at all
            draft.status = draft.status or 500
            if await record():
                for start in held:
                    await send(start)
            else:
                await refuse()


class BindState:
    """Just inside authentication: the draft reads principal and purpose from this state."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        draft = CURRENT.get()
        if draft is not None and scope["type"] == "http" and "state" in scope:
            draft.state = scope["state"]
        await self.app(scope, receive, send)
