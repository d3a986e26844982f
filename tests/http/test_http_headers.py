"""Security headers on every response; CORS closed unless HUB_CORS_ORIGINS names origins."""

from hub.http.headers import API_CSP, GRAPHIQL_CSP
from hub.models.enums import Role
from tests.http.conftest import AppClient
from tests.support import World

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


async def test_every_response_has_the_security_headers(world: World) -> None:
    async with world.client(Role.HUB_ADMIN) as client:
        answered = await client.post("/graphql", json={"query": "{ __typename }"})
        health = await client.get("/healthz")
    async with world.client() as anonymous:
        refused = await anonymous.post("/graphql", json={"query": "{ __typename }"})
        page = await anonymous.get("/graphql", headers={"Accept": "text/html"})
    for response in (answered, health, refused):
        assert {k: response.headers.get(k) for k in EXPECTED} == EXPECTED
        assert response.headers["content-security-policy"] == API_CSP
    assert refused.status_code == 401
    assert {k: page.headers.get(k) for k in EXPECTED} == EXPECTED
    assert page.headers["content-security-policy"] == GRAPHIQL_CSP
    assert "https://unpkg.com" in GRAPHIQL_CSP


async def test_cors_is_closed_by_default(world: World) -> None:
    async with world.client(Role.HUB_ADMIN) as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": "https://evil.example"},
        )
        preflight = await client.options(
            "/graphql",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
            },
        )
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_allows_configured_origins_only(world: World, app_client: AppClient) -> None:
    origins = "https://dash.example, https://other.example"
    async with app_client(world.tokens[Role.HUB_ADMIN], cors_origins=origins) as client:
        preflight = await client.options(
            "/graphql",
            headers={
                "Origin": "https://dash.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        allowed = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": "https://dash.example"},
        )
        other = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": "https://evil.example"},
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://dash.example"
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
    assert "access-control-allow-origin" not in other.headers
    assert preflight.headers["x-frame-options"] == "DENY"
