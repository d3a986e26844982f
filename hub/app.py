"""The ASGI application: `create_app(settings)`. Nothing runs at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.extensions import SchemaExtension

from hub.audit.extension import AccessRecordExtension
from hub.audit.middleware import AccessLogMiddleware, BindState
from hub.audit.store import AccessLog, signing_key
from hub.auth.middleware import BearerAuthMiddleware, graphiql_page
from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import AccessRequest, Gate, load_authorizer
from hub.db import create_engine, session_factory
from hub.graphql.schema import build_schema
from hub.graphql.view import HubGraphQL
from hub.http.headers import SecurityHeadersMiddleware, cors_middleware
from hub.http.limits import NoIntrospection, limits_extension
from hub.http.ratelimit import RateLimitMiddleware
from hub.ingest.catalogue import default_catalogue
from hub.ingest.engine import Ingestor
from hub.ingest.http import ingest_route
from hub.purpose import PurposeMiddleware
from hub.query.reader import Reader
from hub.settings import Settings, get_settings
from hub.telemetry import GraphQLTracing, HttpSpanMiddleware, configure_tracing, trace_sql

PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    engine = create_engine(settings)
    sessions = session_factory(engine)
    authorizer = load_authorizer(settings.policy_dir)
    production = settings.mode == "production"

    if production and not settings.audit_enabled:
        raise ValueError("HUB_AUDIT_ENABLED=false is refused in production mode")
    access_log = AccessLog(sessions, signing_key(settings), settings.audit_checkpoint_every)

    configure_tracing()
    trace_sql(engine)
    extensions: list[SchemaExtension | type[SchemaExtension]] = [
        GraphQLTracing,
        AccessRecordExtension,
        limits_extension(settings),
    ]
    if production:
        extensions.append(NoIntrospection)

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
            # every method reaches the handler: it answers others with a JSON 405 and Allow
            Route("/graphql", graphql),
            ingest_route(Ingestor(sessions, authorizer, default_catalogue(), settings)),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(PurposeMiddleware, authorizer=authorizer)
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
    )
    app.add_middleware(BindState)  # lets the access record see principal and purpose
    app.add_middleware(
        BearerAuthMiddleware,
        sessions=sessions,
        exempt_paths=PUBLIC_PATHS,
        exempt=None if production else graphiql_page("/graphql"),
    )
    if settings.audit_enabled:  # outermost: records refused requests too
        app.add_middleware(AccessLogMiddleware, access_log=access_log, exempt_paths=PUBLIC_PATHS)
    app.add_middleware(HttpSpanMiddleware)  # the trace id is set before the access record
    if (cors := cors_middleware(settings)) is not None:  # closed unless HUB_CORS_ORIGINS is set
        app.add_middleware(cors.cls, *cors.args, **cors.kwargs)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every response
    app.state.engine = engine
    return app
