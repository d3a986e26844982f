"""Bearer-token authentication at the HTTP edge, as a pure ASGI middleware.

Every HTTP request must carry `Authorization: Bearer <token>` unless it is exempt. A request that
is exempt passes through with no principal; any other request without a valid token gets a 401
whose body does not say why (missing, malformed, unknown, expired and revoked look alike). A valid
token puts its `AuthenticatedPrincipal` in `scope["state"]["principal"]`, which Starlette exposes
as `request.state.principal`.

Which requests are exempt is decided by `exempt_paths` (exact paths, any method) and, optionally,
an `ExemptionRule`: a function of the ASGI scope returning True for requests that need no token.
`graphiql_page` builds the rule for the GraphiQL page, `static_pages` the one for the
dashboard's files; `any_of` combines rules.

Websocket and lifespan scopes pass through untouched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.auth.principal import AuthenticatedPrincipal
from hub.auth.tokens import authenticate, authenticate_in_thread
from hub.db import reads

ExemptionRule = Callable[[Scope], bool]

UNAUTHENTICATED_MESSAGE = (
    "Authentication required: send a valid API token as 'Authorization: Bearer <token>'."
)
_UNAUTHENTICATED_BODY = json.dumps(
    {"errors": [{"message": UNAUTHENTICATED_MESSAGE, "extensions": {"code": "UNAUTHENTICATED"}}]},
    separators=(",", ":"),
).encode()
_UNAUTHENTICATED_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_UNAUTHENTICATED_BODY)).encode()),
    (b"www-authenticate", b"Bearer"),
    (b"cache-control", b"no-store"),
]


def _header(scope: Scope, name: bytes) -> list[bytes]:
    return [value for key, value in scope.get("headers", ()) if key.lower() == name]


def graphiql_page(path: str = "/graphql") -> ExemptionRule:
    """Exempt a browser loading the GraphiQL page: GET or HEAD of `path`, `Accept` including
    text/html, and no query string.

    Without a query string there is no GraphQL operation to run, so the request can only be
    answered with the page itself (or a 404 where GraphiQL is off); the queries the page then sends
    need a token like any other.
    """

    def rule(scope: Scope) -> bool:
        if scope.get("method") not in ("GET", "HEAD") or scope.get("path") != path:
            return False
        if scope.get("query_string", b""):
            return False
        return any(b"text/html" in value.lower() for value in _header(scope, b"accept"))

    return rule


def static_pages(prefix: str) -> ExemptionRule:
    """Exempt GET or HEAD of `prefix` and the files under it (the dashboard's HTML, CSS and
    scripts): they hold no data; everything the pages show comes from /graphql with a token."""

    def rule(scope: Scope) -> bool:
        if scope.get("method") not in ("GET", "HEAD"):
            return False
        path = str(scope.get("path", ""))
        return path == prefix or path.startswith(prefix + "/")

    return rule


def any_of(*rules: ExemptionRule) -> ExemptionRule:
    """A rule exempting what any of `rules` exempts."""
    return lambda scope: any(rule(scope) for rule in rules)


def bearer_token(scope: Scope) -> str | None:
    """The token of a single well-formed `Authorization: Bearer <token>` header, else None."""
    values = _header(scope, b"authorization")
    if len(values) != 1:
        return None
    try:
        text = values[0].decode("ascii")
    except UnicodeDecodeError:
        return None
    scheme, _, token = text.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


class BearerAuthMiddleware:
    """Authenticate HTTP requests by bearer token (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        sessions: async_sessionmaker[AsyncSession],
        exempt_paths: frozenset[str] = frozenset(),
        *,
        exempt: ExemptionRule | None = None,
        thread_engine: Engine | None = None,
    ) -> None:
        """`thread_engine`: a synchronous engine on the same SQLite file
        (hub.db.sqlite_thread_engine), to look tokens up in a worker thread."""
        self.app = app
        self.sessions = sessions
        self.thread_engine = thread_engine
        self.exempt_paths = exempt_paths
        self.exempt = exempt

    def is_exempt(self, scope: Scope) -> bool:
        if scope.get("path") in self.exempt_paths:
            return True
        return self.exempt is not None and self.exempt(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.is_exempt(scope):
            await self.app(scope, receive, send)
            return
        principal = await self._principal(scope)
        if principal is None:
            await _send_unauthenticated(send)
            return
        # A fresh state dict: never write into one that may be shared with other requests.
        state = {**scope.get("state", {}), "principal": principal}
        await self.app({**scope, "state": state}, receive, send)

    async def _principal(self, scope: Scope) -> AuthenticatedPrincipal | None:
        token = bearer_token(scope)
        if token is None:
            return None
        if self.thread_engine is not None:  # SQLite: the whole lookup in one worker thread
            return await asyncio.to_thread(self._principal_in_thread, self.thread_engine, token)
        # A connection, not an ORM session: one Core statement, on every request.
        async with reads(self.sessions.kw["bind"]).connect() as connection:
            return await authenticate(connection, token)

    @staticmethod
    def _principal_in_thread(engine: Engine, token: str) -> AuthenticatedPrincipal | None:
        with engine.connect() as connection:
            return authenticate_in_thread(connection, token)


async def _send_unauthenticated(send: Send) -> None:
    await send({"type": "http.response.start", "status": 401, "headers": _UNAUTHENTICATED_HEADERS})
    await send({"type": "http.response.body", "body": _UNAUTHENTICATED_BODY})
