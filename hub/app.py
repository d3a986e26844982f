"""The ASGI application: `create_app(settings)`. Nothing runs at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.extensions import SchemaExtension
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from hub.audit.extension import AccessRecordExtension
from hub.audit.middleware import AccessLogMiddleware, BindState
from hub.audit.store import AccessLog, signing_key
from hub.auth.middleware import BearerAuthMiddleware, any_of, graphiql_page, static_pages
from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import AccessRequest, Gate, load_authorizer
from hub.dashboard import PREFIX as DASHBOARD
from hub.dashboard import dashboard_files, dashboard_routes
from hub.db import create_engine, session_factory
from hub.graphql.holding import HoldReads
from hub.graphql.schema import build_schema
from hub.graphql.types.live import Live
from hub.graphql.view import HubGraphQL
from hub.http.headers import SecurityHeadersMiddleware, cors_middleware
from hub.http.limits import NoIntrospection, limits_extension
from hub.http.ratelimit import RateLimitMiddleware, token_buckets
from hub.http.trusted import TrustedDocuments
from hub.ingest.catalogue import default_catalogue
from hub.ingest.engine import Ingestor
from hub.ingest.http import ingest_route
from hub.purpose import PurposeMiddleware
from hub.query.reader import Reader
from hub.settings import Settings, get_settings
from hub.signals import evaluate_in_background, settle
from hub.signals.broker import Broker
from hub.telemetry import GraphQLTracing, HttpSpanMiddleware, configure_tracing, trace_sql

PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
MAX_SUBSCRIPTIONS_PER_CONNECTION = 10


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
    if access_log.thread_engine is not None:
        trace_sql(access_log.thread_engine)
    extensions: list[SchemaExtension | type[SchemaExtension]] = [
        GraphQLTracing,
        AccessRecordExtension,
        HoldReads,
        limits_extension(settings),
    ]
    if production:
        extensions.append(NoIntrospection)

    def reader_for(principal: AuthenticatedPrincipal, purpose: str) -> Reader:
        request = AccessRequest(purpose=purpose, today=datetime.now(UTC).date())
        gate = Gate(authorizer, principal, request)
        return Reader(sessions=sessions, gate=gate, thread_engine=access_log.thread_engine)

    broker = Broker(engine)  # live alerts: LISTEN/NOTIFY on PostgreSQL, in-process on SQLite
    buckets = token_buckets(settings.rate_limit_per_minute, settings.rate_limit_burst)
    trusted = settings.trusted_documents
    live = Live(
        broker,
        sessions,
        authorizer,
        reader_for,
        access_log if settings.audit_enabled else None,
        TrustedDocuments.load(trusted) if trusted is not None else None,
        buckets,  # websockets count against the same per-token rate limit
    )
    graphql = HubGraphQL(
        build_schema(extensions),
        graphql_ide=None if production else "graphiql",
        reader_for=reader_for,
        settings=settings,
        live=live,
        max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
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
        await broker.start()
        evaluate_in_background(sessions)  # served: ingest answers before the signal rules run
        yield
        await settle()  # let the signal evaluations of the last batches finish
        await broker.stop()
        access_log.close()
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            # every method reaches the handler: it answers others with a JSON 405 and Allow
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),  # graphql-transport-ws: the live alert feed
            ingest_route(Ingestor(sessions, authorizer, default_catalogue(), settings)),
            *dashboard_routes(),  # static files; their data comes from /graphql
        ],
        lifespan=lifespan,
    )
    app.add_middleware(PurposeMiddleware, authorizer=authorizer)
    app.add_middleware(
        RateLimitMiddleware,
        buckets=buckets,
    )
    app.add_middleware(BindState)  # lets the access record see principal and purpose
    app.add_middleware(
        BearerAuthMiddleware,
        sessions=sessions,
        thread_engine=access_log.thread_engine,  # SQLite: the access log's, for small reads too
        exempt_paths=PUBLIC_PATHS,
        exempt=static_pages(DASHBOARD)
        if production
        else any_of(static_pages(DASHBOARD), graphiql_page("/graphql")),
    )
    if settings.audit_enabled:  # outermost: records refused requests too
        app.add_middleware(
            AccessLogMiddleware,
            access_log=access_log,
            exempt_paths=PUBLIC_PATHS | dashboard_files(),  # the dashboard's files hold no data
        )
    app.add_middleware(HttpSpanMiddleware)  # the trace id is set before the access record
    if (cors := cors_middleware(settings)) is not None:  # closed unless HUB_CORS_ORIGINS is set
        app.add_middleware(cors.cls, *cors.args, **cors.kwargs)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every response
    app.state.engine = engine
    app.state.access_log = access_log
    return app
