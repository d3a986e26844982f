"""What every fuzzed response must satisfy, whatever was sent."""

import json
from collections.abc import Iterable
from typing import Any

import httpx

LEAKS = ("Traceback", 'File "', "sqlalchemy", "asyncpg", "aiosqlite", "site-packages")


def check_response(response: httpx.Response, secrets: Iterable[str]) -> Any:
    """Status below 500, a JSON body (the GraphiQL page and HEAD aside), no traceback, no
    internals, no token. Returns the decoded body (None where there is none)."""
    request = response.request
    where = f"{request.method} {request.url} -> {response.status_code}: {response.text[:600]!r}"
    assert response.status_code < 500, where
    text = response.text
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in the body of {where}"
    for secret in secrets:
        assert secret not in text, f"a token in the body of {where}"
        assert all(secret not in value for value in response.headers.values()), where
    if request.method == "HEAD" or response.status_code in (204, 304):
        return None
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media == "text/html":  # the development GraphiQL page: GET /graphql, Accept: text/html
        assert request.method == "GET", where
        assert "text/html" in request.headers.get("accept", ""), where
        return None
    assert media in ("application/json", "application/graphql-response+json"), where
    try:
        return json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"not JSON: {where}") from error


def check_graphql_body(body: Any) -> None:
    """A GraphQL response: `data` and/or `errors`; every error has a message and a code."""
    assert isinstance(body, dict), body
    assert "data" in body or "errors" in body, body
    for error in body.get("errors") or ():
        assert isinstance(error.get("message"), str), error
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str), f"an error without extensions.code: {error}"
        assert code, f"an empty extensions.code: {error}"
