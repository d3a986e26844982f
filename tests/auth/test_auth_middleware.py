"""BearerAuthMiddleware in front of a tiny Starlette app."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from hub.auth import middleware
from hub.auth.middleware import (
    UNAUTHENTICATED_MESSAGE,
    BearerAuthMiddleware,
    any_of,
    bearer_token,
    graphiql_page,
)
from hub.auth.tokens import issue_token, revoke_token
from hub.db import sqlite_thread_engine, unit_of_work
from hub.models.enums import Role
from tests.support import World

Sessions = async_sessionmaker[AsyncSession]
AddOrganisation = Callable[..., Awaitable[int]]
EXPECTED_401_BODY = {
    "errors": [{"message": UNAUTHENTICATED_MESSAGE, "extensions": {"code": "UNAUTHENTICATED"}}]
}


async def whoami(request: Request) -> JSONResponse:
    principal = getattr(request.state, "principal", None)
    return JSONResponse({"principal": None if principal is None else principal.name})


def tiny_app(sessions: Sessions, thread_engine: Engine | None = None) -> BearerAuthMiddleware:
    routes = [
        Route("/whoami", whoami),
        Route("/healthz", whoami),
        Route("/graphql", whoami, methods=["GET", "POST"]),
    ]
    return BearerAuthMiddleware(
        Starlette(routes=routes),
        sessions,
        frozenset({"/healthz"}),
        exempt=graphiql_page("/graphql"),
        thread_engine=thread_engine,
    )


@pytest.fixture(params=["async", "thread"])
async def client(
    request: pytest.FixtureRequest, sqlite_sessions: Sessions
) -> AsyncIterator[httpx.AsyncClient]:
    """Tokens looked up through the async engine, or in a worker thread (as the hub does on a
    SQLite file)."""
    engine = None
    if request.param == "thread":
        engine = sqlite_thread_engine(sqlite_sessions.kw["bind"])
        assert engine is not None
    transport = httpx.ASGITransport(app=tiny_app(sqlite_sessions, engine))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client
    finally:
        if engine is not None:
            engine.dispose()


@pytest.fixture
async def token(sqlite_sessions: Sessions, add_organisation: AddOrganisation) -> str:
    await add_organisation(sqlite_sessions, "NERIEP")
    async with unit_of_work(sqlite_sessions) as session:
        return await issue_token(session, org_code="NERIEP", role=Role.RIEP_ANALYST)


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == EXPECTED_401_BODY


async def test_valid_token_reaches_the_app_with_its_principal(
    client: httpx.AsyncClient, token: str
) -> None:
    response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"principal": "NERIEP:riep_analyst"}


async def test_scheme_is_case_insensitive(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/whoami", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


async def test_missing_header_is_401(client: httpx.AsyncClient) -> None:
    assert_unauthenticated(await client.get("/whoami"))
    assert_unauthenticated(await client.post("/graphql", json={"query": "{ __typename }"}))


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token {token}",
        "Bearer {token} extra",
        "Bearer{token}",
        "{token}",
        "Bearer hub_" + "A" * 43,  # well formed, never issued
        "Bearer {token}x",
    ],
)
async def test_malformed_or_unknown_token_is_401(
    client: httpx.AsyncClient, token: str, authorization: str
) -> None:
    headers = {"Authorization": authorization.format(token=token)}
    assert_unauthenticated(await client.get("/whoami", headers=headers))


async def test_two_authorization_headers_are_401(client: httpx.AsyncClient, token: str) -> None:
    headers = [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")]
    assert_unauthenticated(await client.get("/whoami", headers=headers))


async def test_expired_token_is_401(
    client: httpx.AsyncClient, sqlite_sessions: Sessions, add_organisation: AddOrganisation
) -> None:
    await add_organisation(sqlite_sessions, "GONE")
    then = datetime.now(UTC) - timedelta(days=10)
    async with unit_of_work(sqlite_sessions) as session:
        expired = await issue_token(
            session,
            org_code="GONE",
            role=Role.SUBMITTER,
            now=then,
            expires_at=then + timedelta(days=1),
        )
    assert_unauthenticated(
        await client.get("/whoami", headers={"Authorization": f"Bearer {expired}"})
    )


async def test_revoked_token_is_401(
    client: httpx.AsyncClient, sqlite_sessions: Sessions, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/whoami", headers=headers)).status_code == 200
    async with unit_of_work(sqlite_sessions) as session:
        assert await revoke_token(session, token=token)
    assert_unauthenticated(await client.get("/whoami", headers=headers))


async def test_exempt_path_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"principal": None}


async def test_graphiql_page_is_exempt_but_nothing_else_on_graphql(
    client: httpx.AsyncClient,
) -> None:
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    assert (await client.get("/graphql", headers=html)).json() == {"principal": None}
    # a GET carrying an operation, a POST, or a GET not asking for HTML all need a token
    assert_unauthenticated(await client.get("/graphql?query={__typename}", headers=html))
    assert_unauthenticated(await client.post("/graphql", headers=html, json={"query": "{a}"}))
    assert_unauthenticated(await client.get("/graphql", headers={"Accept": "application/json"}))
    assert_unauthenticated(await client.get("/whoami", headers=html))


def test_bearer_token_parsing() -> None:
    def scope(*values: bytes) -> Scope:
        return {"type": "http", "headers": [(b"authorization", v) for v in values]}

    assert bearer_token(scope(b"Bearer abc")) == "abc"
    assert bearer_token(scope(b"BEARER   abc  ")) == "abc"
    assert bearer_token(scope()) is None
    assert bearer_token(scope(b"Bearer \xff")) is None
    assert bearer_token(scope(b"Bearer a", b"Bearer a")) is None


def test_any_of_combines_rules() -> None:
    rule = any_of(lambda s: s["path"] == "/a", lambda s: s["path"] == "/b")
    assert rule({"path": "/a"})
    assert rule({"path": "/b"})
    assert not rule({"path": "/c"})


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
async def test_websocket_and_lifespan_pass_through_untouched(
    sqlite_sessions: Sessions, scope_type: str
) -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> Message:
        return {}

    async def send(message: Message) -> None:
        raise AssertionError(f"the middleware answered: {message}")

    scope: dict[str, Any] = {"type": scope_type, "path": "/graphql", "headers": []}
    await BearerAuthMiddleware(app, sqlite_sessions, frozenset())(scope, receive, send)
    assert seen == [scope]
    assert seen[0] is scope


async def test_principal_is_not_written_into_a_shared_state(
    sqlite_sessions: Sessions, token: str
) -> None:
    shared: dict[str, Any] = {"lifespan": "value"}
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        raise AssertionError(json.dumps(message, default=str))

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/whoami",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "state": shared,
    }
    await BearerAuthMiddleware(app, sqlite_sessions, frozenset())(scope, receive, send)
    assert shared == {"lifespan": "value"}
    assert seen[0]["state"]["lifespan"] == "value"
    assert seen[0]["state"]["principal"].name == "NERIEP:riep_analyst"


async def test_the_hub_looks_tokens_up_in_a_thread_on_sqlite(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a SQLite file the served app takes the worker-thread path (hub.app wires the access
    log's thread engine in); on PostgreSQL the async one."""
    looked_up: list[str] = []
    original = middleware.authenticate_in_thread

    def spy(connection: Any, raw_token: str) -> Any:
        looked_up.append(raw_token)
        return original(connection, raw_token)

    monkeypatch.setattr(middleware, "authenticate_in_thread", spy)
    body = await world.graphql(Role.RIEP_ANALYST, "{ me { name } }")
    assert "errors" not in body, body
    assert looked_up == ([world.tokens[Role.RIEP_ANALYST]] if world.backend == "sqlite" else [])
