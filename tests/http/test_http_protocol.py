"""GraphQL over HTTP as the spec says (CI also runs the graphql-http audit)."""

from typing import Any

import httpx
import pytest

from hub.models.enums import Role
from hub.query import reference
from tests.http.helpers import GRAPHQL_RESPONSE
from tests.support import World

TYPENAME = {"query": "{ __typename }"}


async def post(
    world: World, body: Any = None, *, accept: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    headers.update(kwargs.pop("headers", {}))
    async with world.client(Role.HUB_ADMIN) as client:
        if body is not None:
            kwargs["json"] = body
        return await client.post("/graphql", headers=headers, **kwargs)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json;q=1, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
    ],
)
async def test_the_response_type_follows_accept(world: World, accept: str, media: str) -> None:
    response = await post(world, TYPENAME, accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_an_unacceptable_type_gets_406(world: World) -> None:
    response = await post(world, TYPENAME, accept="text/plain")
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        (
            {
                "query": "query T($name: String!) { __type(name: $name) { name } }",
                "variables": {"name": None},
            },
            "BAD_USER_INPUT",
        ),
        ({"query": "query A { __typename } query B { __typename }"}, "BAD_REQUEST"),
    ],
)
async def test_request_errors_have_no_data(world: World, body: Any, code: str) -> None:
    strict = await post(world, body, accept=GRAPHQL_RESPONSE)
    assert strict.status_code == 400
    assert "data" not in strict.json()
    assert strict.json()["errors"][0]["extensions"]["code"] == code
    legacy = await post(world, body, accept="application/json")
    assert legacy.status_code == 200
    assert "data" not in legacy.json()
    assert legacy.json()["errors"][0]["extensions"]["code"] == code


async def test_execution_errors_keep_200_and_data(world: World) -> None:
    response = await post(
        world, {"query": '{ region(code: "nowhere") { name } }'}, accept=GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" in body
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b'{ "not a JSON', 400, "BAD_REQUEST"),
        (b"", 400, "BAD_REQUEST"),
        (b"[]", 400, "BAD_REQUEST"),
        (b'"a string"', 400, "BAD_REQUEST"),
        (b'{"notquery": "{ __typename }"}', 400, "BAD_REQUEST"),
        (b'{"query": 1}', 400, "BAD_REQUEST"),
        (b'{"query": {"obj": "ect"}}', 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "variables": "x"}', 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "extensions": [1]}', 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "operationName": 0}', 400, "BAD_REQUEST"),
    ],
)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_malformed_requests_get_400(
    world: World, content: bytes, status: int, code: str, accept: str
) -> None:
    response = await post(
        world, accept=accept, content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert "data" not in response.json()


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=latin-1"])
async def test_other_content_types_get_415(world: World, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await post(world, content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_utf8_with_a_charset_is_accepted(world: World) -> None:
    response = await post(
        world,
        content='{"query": "{ __type(name: \\"Run🏃\\") { name } }"}'.encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


async def test_get_runs_queries_with_json_variables(world: World) -> None:
    params = {
        "query": "query T($name: String!) { __type(name: $name) { name } }",
        "variables": '{"name": "Region"}',
        "operationName": "T",
    }
    async with world.client(Role.HUB_ADMIN) as client:
        response = await client.get("/graphql", params=params)
        bad = await client.get("/graphql", params={**params, "variables": "{nope"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__type": {"name": "Region"}}}
    assert bad.status_code == 400


async def test_get_refuses_mutations_with_405(world: World) -> None:
    async with world.client(Role.HUB_ADMIN) as client:
        response = await client.get(
            "/graphql",
            params={"query": "mutation { __typename }"},
            headers={"Accept": GRAPHQL_RESPONSE},
        )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_other_methods_get_405(world: World) -> None:
    async with world.client(Role.HUB_ADMIN) as client:
        response = await client.put("/graphql", json=TYPENAME)
    assert response.status_code == 405


async def test_get_without_a_query_is_a_bad_request(world: World) -> None:
    async with world.client(Role.HUB_ADMIN) as client:
        response = await client.get("/graphql", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_unexpected_error_is_masked_and_logged(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("connection string postgresql://secret@db/hub is down")

    monkeypatch.setattr(reference, "themes", broken)
    async with world.client(Role.IDEA_ANALYST) as client:
        response = await client.post("/graphql", json={"query": "{ themes { code } }"})
    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert error["path"] == ["themes"]
    assert "secret" not in response.text
    assert "connection string" in caplog.text  # the operator still learns what happened
