"""Answering one GraphQL-over-HTTP request (GET or POST /graphql), as the spec says.

- The response is `application/graphql-response+json` when the client accepts it, else
  `application/json`; 406 when it accepts neither.
- Requests that are not well formed (bad JSON, wrong content type, a non-string `query`, no
  `query`, non-object `variables` or `extensions`) get 4xx with an error naming the problem; other
  methods 405; a mutation sent with GET 405 with `Allow: POST`; a body over
  HUB_GRAPHQL_MAX_BODY_BYTES 413.
- Request errors (parse, validation, variable coercion, a refused limit or untrusted document)
  are answered without `data`, with HTTP 400 for `application/graphql-response+json` and 200 for
  `application/json`; execution errors with 200 and `data`.
- Every error has an `extensions.code`; a refused limit also marks the access record "limited".
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.audit.draft import CURRENT
from hub.graphql.execution import Prebuilt
from hub.http.limits import LIMIT_CODES, REQUEST, RequestState, limit_error
from hub.http.negotiation import GRAPHQL_RESPONSE, JSON, response_media_type
from hub.http.protocol import (
    GraphQLRequest,
    HttpProblem,
    bad_request,
    from_body,
    from_query_string,
)
from hub.http.trusted import TrustedDocuments
from hub.models.enums import AccessOutcome
from hub.settings import Settings

log = logging.getLogger("hub.http")

ContextFactory = Callable[[Request], Awaitable[Any]]


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def json_response(
    body: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json_bytes(body), status_code=status, headers=headers, media_type=f"{media}; charset=utf-8"
    )


def json_bytes(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON. orjson writes the same bytes as the standard library's compact form
    about ten times faster; what it refuses (an integer past 64 bits in a JSON scalar, say)
    the standard library writes. A value written as JSON already (Prebuilt) is copied in."""
    try:
        return orjson.dumps(body, default=_copied)
    except TypeError:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=_parsed).encode(
            "utf-8"
        )


def _copied(value: Any) -> orjson.Fragment:
    if isinstance(value, Prebuilt):
        return orjson.Fragment(value.json)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _parsed(value: Any) -> Any:
    if isinstance(value, Prebuilt):
        return json.loads(value.json)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _mark_access(query: str | None, errors: list[dict[str, Any]]) -> None:
    """Tell the access record a limit refused the request (the audit extension does not know
    our codes, and does not run at all when the request is refused before execution)."""
    draft = CURRENT.get()
    if draft is None:
        return
    codes = {(error.get("extensions") or {}).get("code") for error in errors}
    if not codes & LIMIT_CODES:
        return
    if query and draft.document_hash is None:
        draft.document_hash = hashlib.sha256(query.encode()).hexdigest()
    if draft.outcome in (None, AccessOutcome.ALLOWED, AccessOutcome.ERROR):
        draft.outcome = AccessOutcome.LIMITED


def _formatted(error: GraphQLError, default_code: str | None) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions and default_code is not None:
        extensions["code"] = default_code
    if extensions:
        formatted["extensions"] = extensions
    return formatted


INTERNAL = "INTERNAL_SERVER_ERROR"


def _execution_error(error: GraphQLError) -> dict[str, Any]:
    """An error the hub raised on purpose keeps its message and code; anything else (a bug, a
    lost database) is logged here and answers with a plain message: no internals leave."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return _formatted(error, None)
    log.error("unexpected error at %s", error.path, exc_info=original)
    masked = GraphQLError(
        "internal error: the hub could not answer this field; it has been logged",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": INTERNAL},
    )
    return dict(masked.formatted)


def _request_error_code(error: GraphQLError, executing: bool) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    return "BAD_USER_INPUT" if executing else "GRAPHQL_VALIDATION_FAILED"


class GraphQLHandler:
    def __init__(
        self,
        schema: BaseSchema,
        settings: Settings,
        context_for: ContextFactory,
        trusted: TrustedDocuments | None = None,
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.context_for = context_for
        self.trusted = trusted

    async def __call__(self, request: Request) -> Response:
        media = response_media_type(request.headers.get("accept"))
        query: str | None = None
        try:
            if request.method not in ("GET", "POST"):
                raise HttpProblem(
                    405, "METHOD_NOT_ALLOWED", "use GET or POST", {"Allow": "GET, POST"}
                )
            if media is None:
                raise HttpProblem(
                    406,
                    "NOT_ACCEPTABLE",
                    f"accept {GRAPHQL_RESPONSE} or {JSON}: the hub answers in no other type",
                )
            if request.method == "GET":
                graphql = from_query_string(request)
            else:
                graphql = await from_body(request, self.settings.graphql_max_body_bytes)
            query = graphql.query
            if self.trusted is not None:
                try:
                    graphql = self.trusted.resolve(graphql)
                except GraphQLError as refused:
                    return self._request_errors([_formatted(refused, None)], media, query)
            if not graphql.query:
                raise bad_request("no GraphQL document: send it as `query`")
            query = graphql.query
            return await self._run(request, graphql, media)
        except HttpProblem as problem:
            body = error_body(problem.code, problem.message)
            _mark_access(query, body["errors"])
            return json_response(body, problem.status, media or JSON, problem.headers)

    async def _run(self, request: Request, graphql: GraphQLRequest, media: str) -> Response:
        allowed = {OperationType.QUERY}
        if request.method == "POST":
            allowed.add(OperationType.MUTATION)
        context = await self.context_for(request)
        state = RequestState(operation_name_given=graphql.operation_name is not None)
        token = REQUEST.set(state)
        try:
            async with asyncio.timeout(self.settings.graphql_timeout_seconds):
                result = await self.schema.execute(
                    graphql.query,
                    variable_values=graphql.variables,
                    context_value=context,
                    operation_name=graphql.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=graphql.extensions,
                )
        except TimeoutError:
            seconds = self.settings.graphql_timeout_seconds
            timeout = limit_error(
                "TIMEOUT", f"the operation took longer than {seconds:g} s and was stopped"
            )
            errors = [_formatted(timeout, None)]
            _mark_access(graphql.query, errors)
            return json_response({"data": None, "errors": errors}, 200, media)
        except InvalidOperationTypeError as error:
            if error.operation_type == OperationType.MUTATION and request.method == "GET":
                raise HttpProblem(
                    405, "METHOD_NOT_ALLOWED", "send mutations with POST", {"Allow": "POST"}
                ) from error
            raise bad_request(error.as_http_error_reason(request.method)) from error
        except CannotGetOperationTypeError as error:
            problem = GraphQLError(error.as_http_error_reason(), extensions={"code": "BAD_REQUEST"})
            return self._request_errors([_formatted(problem, None)], media, graphql.query)
        except MissingQueryError as error:
            raise bad_request("no GraphQL document: send it as `query`") from error
        finally:
            REQUEST.reset(token)
        return self._result(result, media, graphql.query, state.executing)

    def _result(
        self, result: ExecutionResult, media: str, query: str | None, executing: bool
    ) -> Response:
        errors = list(result.errors or ())
        if result.data is None and errors and all(error.path is None for error in errors):
            formatted = [_formatted(e, _request_error_code(e, executing)) for e in errors]
            return self._request_errors(formatted, media, query)
        body: dict[str, Any] = {"data": result.data}
        if errors:
            body["errors"] = [_execution_error(error) for error in errors]
            _mark_access(query, body["errors"])
        if result.extensions:
            body["extensions"] = result.extensions
        return json_response(body, 200, media)

    def _request_errors(
        self, errors: list[dict[str, Any]], media: str, query: str | None
    ) -> Response:
        """No `data`: 400 for application/graphql-response+json, 200 for application/json."""
        _mark_access(query, errors)
        return json_response({"errors": errors}, 400 if media == GRAPHQL_RESPONSE else 200, media)
