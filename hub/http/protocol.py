"""Reading a GraphQL-over-HTTP request: GET parameters or a JSON body, checked as the spec says.

A request that is not well formed raises `HttpProblem` (status, code, message): the handler
answers it with that status whatever the Accept header says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import ClientDisconnect, Request


class HttpProblem(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> HttpProblem:
    return HttpProblem(400, "BAD_REQUEST", message)


@dataclass(frozen=True)
class GraphQLRequest:
    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = field(default=None)


def _object_or_none(value: Any, name: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise bad_request(f"`{name}` must be an object or null")


def _request_from(params: dict[str, Any]) -> GraphQLRequest:
    query = params.get("query")
    if query is not None and not isinstance(query, str):
        raise bad_request("`query` must be a string")
    name = params.get("operationName")
    if name is not None and not isinstance(name, str):
        raise bad_request("`operationName` must be a string or null")
    return GraphQLRequest(
        query=query,
        operation_name=name or None,
        variables=_object_or_none(params.get("variables"), "variables"),
        extensions=_object_or_none(params.get("extensions"), "extensions"),
    )


def _json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise bad_request(f"{what} is not valid JSON") from error


def from_query_string(request: Request) -> GraphQLRequest:
    params: dict[str, Any] = {}
    for name in ("query", "operationName", "variables", "extensions"):
        values = request.query_params.getlist(name)
        if len(values) > 1:
            raise bad_request(f"`{name}` is given more than once")
        if values:
            params[name] = values[0]
    for name in ("variables", "extensions"):
        if params.get(name):
            params[name] = _json(params[name], f"`{name}`")
        else:
            params.pop(name, None)
    return _request_from(params)


def _check_content_type(request: Request) -> None:
    media, *parameters = (request.headers.get("content-type") or "").split(";")
    if media.strip().lower() != "application/json":
        raise HttpProblem(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST a JSON body with 'Content-Type: application/json'",
        )
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise HttpProblem(415, "UNSUPPORTED_MEDIA_TYPE", "the body must be UTF-8 encoded")


def too_large(limit: int) -> HttpProblem:
    return HttpProblem(
        413,
        "PAYLOAD_TOO_LARGE",
        f"the request body is larger than {limit} bytes, the most /graphql accepts",
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit` (before parsing)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect as error:
        raise bad_request("the client went away before sending the whole body") from error
    return b"".join(chunks)


async def from_body(request: Request, limit: int) -> GraphQLRequest:
    _check_content_type(request)
    body = await read_body(request, limit)
    if not body.strip():
        raise bad_request("the request body is empty: send a JSON object with a `query`")
    data = _json(body, "the request body")
    if isinstance(data, list):
        raise bad_request("batched requests (a JSON array) are not supported")
    if not isinstance(data, dict):
        raise bad_request("the request body must be a JSON object")
    return _request_from(data)
