"""The ASGI application: `create_app(settings)`. Nothing runs at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from graphql.validation import NoSchemaIntrospectionCustomRule
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.extensions import AddValidationRules, SchemaExtension

from hub.auth.middleware import BearerAuthMiddleware, graphiql_page
from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import AccessRequest, Gate, load_authorizer
from hub.db import create_engine, session_factory
from hub.graphql.schema import build_schema
from hub.graphql.view import HubGraphQL
from hub.ingest.catalogue import default_catalogue
from hub.ingest.engine import Ingestor
from hub.ingest.http import ingest_route
from hub.purpose import PurposeMiddleware
from hub.query.reader import Reader
from hub.settings import Settings, get_settings

PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    engine = create_engine(settings)
    sessions = session_factory(engine)
    authorizer = load_authorizer(settings.policy_dir)
    production = settings.mode == "production"

    extensions: list[SchemaExtension | type[SchemaExtension]] = []
    if production:
        extensions.append(AddValidationRules([NoSchemaIntrospectionCustomRule]))

    def reader_for(principal: AuthenticatedPrincipal, purpose: str) -> Reader:
        request = AccessRequest(purpose=purpose, today=datetime.now(UTC).date())
        return Reader(sessions=sessions, gate=Gate(authorizer, principal, request))

    graphql = HubGraphQL(
        build_schema(extensions),
        graphql_ide=None if production else "graphiql",
        reader_for=reader_for,
        settings=settings,
    )

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means not ready
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "reachable"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            ingest_route(Ingestor(sessions, authorizer, default_catalogue(), settings)),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(PurposeMiddleware, authorizer=authorizer)
    app.add_middleware(  # outermost: runs first
        BearerAuthMiddleware,
        sessions=sessions,
        exempt_paths=PUBLIC_PATHS,
        exempt=None if production else graphiql_page("/graphql"),
    )
    app.state.engine = engine
    return app
