"""Random GraphQL documents, variables, bodies and headers at /graphql never get a 500, a stack
trace or a token back: every answer is a JSON GraphQL response (or the GraphiQL page) with
codes on its errors."""

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.models.enums import Role
from tests.fuzz.checks import check_graphql_body, check_response
from tests.fuzz.conftest import FuzzHub
from tests.fuzz.gql import documents, json_values, names, weird_text

QUICK = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LONG = settings(QUICK, max_examples=1000)

ROLES = [*Role, None]
ACCEPTS = [
    None,
    "application/json",
    "application/graphql-response+json",
    "*/*",
    "text/html",
    "text/plain",
    "application/graphql-response+json;q=0.9, application/json;q=1",
    "application/*",
    "image/png",
    ";;;",
    "application/json; charset=latin-1",
]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "application/graphql",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    "application/json; charset",
    "x/y",
]
PURPOSES = [None, "improvement_support", "early_warning", "benchmarking", "research", "nope", ""]

# header values httpx can send: visible ASCII and spaces
header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@st.composite
def graphql_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A request to /graphql: who sends it, how, with which headers and body."""
    role = draw(st.sampled_from(ROLES))
    headers: dict[str, str] = {}
    if (accept := draw(st.sampled_from(ACCEPTS))) is not None:
        headers["Accept"] = accept
    if (purpose := draw(st.sampled_from(PURPOSES))) is not None:
        headers["X-Hub-Purpose"] = purpose
    if draw(st.integers(0, 9)) == 0:
        headers["Authorization"] = draw(
            st.one_of(header_text, st.just("Bearer "), st.just("Basic x"))
        )
    if draw(st.integers(0, 9)) == 0:
        headers[draw(st.sampled_from(["Origin", "Idempotency-Key", "X-Forwarded-For"]))] = draw(
            header_text
        )
    document = draw(documents())
    variables = draw(
        st.one_of(st.none(), st.dictionaries(names, json_values, max_size=4), json_values)
    )
    payload: dict[str, Any] = {"query": document}
    if variables is not None:
        payload["variables"] = variables
    if draw(st.integers(0, 3)) == 0:
        payload["operationName"] = draw(st.one_of(names, st.none(), json_values))
    if draw(st.integers(0, 9)) == 0:
        payload["extensions"] = draw(json_values)
    mode = draw(st.sampled_from(["json", "json", "json", "get", "raw-json", "bytes", "method"]))
    request: dict[str, Any] = {"role": role, "headers": headers, "method": "POST"}
    if mode == "json":
        headers.setdefault("Content-Type", "application/json")
        request["content"] = json.dumps(payload).encode()
    elif mode == "get":
        request["method"] = draw(st.sampled_from(["GET", "GET", "HEAD"]))
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
        request["params"] = params
    elif mode == "raw-json":  # any JSON value as the body, under any content type
        headers["Content-Type"] = draw(st.sampled_from(CONTENT_TYPES))
        request["content"] = json.dumps(draw(json_values)).encode()
    elif mode == "bytes":
        headers["Content-Type"] = draw(st.sampled_from(CONTENT_TYPES))
        request["content"] = draw(
            st.one_of(
                st.binary(max_size=300),
                weird_text.map(lambda t: t.encode("utf-16")),
                st.just(b"\xef\xbb\xbf" + json.dumps(payload).encode()),  # a BOM before the JSON
                st.just(json.dumps(payload).encode()[: draw(st.integers(0, 40))]),  # truncated
            )
        )
    else:
        request["method"] = draw(st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS"]))
        request["content"] = json.dumps(payload).encode()
    return request


async def _send(hub: FuzzHub, request: dict[str, Any]) -> None:
    headers = dict(request["headers"])
    if request["role"] is not None and "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {hub.tokens[request['role']]}"
    async with hub.client() as client:
        response = await client.request(
            request["method"],
            "/graphql",
            headers=headers,
            content=request.get("content"),
            params=request.get("params"),
        )
    body = check_response(response, hub.tokens.values())
    if body is not None and response.status_code in (200, 400):
        check_graphql_body(body)


@QUICK
@given(request=graphql_requests())
async def test_fuzz_graphql_requests(fuzz_hub: FuzzHub, request: dict[str, Any]) -> None:
    await _send(fuzz_hub, request)


@pytest.mark.slow
@LONG
@given(request=graphql_requests())
async def test_fuzz_graphql_requests_long(fuzz_hub: FuzzHub, request: dict[str, Any]) -> None:
    await _send(fuzz_hub, request)
