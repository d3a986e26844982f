"""The live alert feed: `alertRaised` over graphql-transport-ws on /graphql.

The HTTP middlewares do not see websockets, so a connection authenticates here, once, from the
connection_init payload (`{"Authorization": "Bearer ...", "X-Hub-Purpose": ...}`) or else the
upgrade request's headers, and states a purpose like any read. The broker hands each subscriber
the ids of new alerts; they are re-read through the policy as the subscriber (those that arrive
together in one statement), so a RIEP receives only alerts it may see. The subscription and
every delivery are written to the access log, each under its own span. A connection_init and
each subscription start count against the token's rate limit, like an HTTP request. Before each
delivery the token is checked again (one statement): once revoked or expired, the delivery is
refused (recorded as unauthenticated) and the socket closed with 4403.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import strawberry
from graphql import GraphQLError, OperationType, get_operation_ast, parse, print_ast
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketState
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types import Info

from hub.audit.draft import AccessDraft
from hub.audit.redact import redact
from hub.audit.store import AccessLog
from hub.auth.middleware import bearer_token
from hub.auth.principal import AuthenticatedPrincipal
from hub.auth.tokens import authenticate, token_lapse
from hub.authz import Authorizer
from hub.graphql.context import Context
from hub.graphql.loaders import Loaders
from hub.graphql.types.alerts import Alert
from hub.graphql.types.connection import node
from hub.graphql.types.reference import codes_argument
from hub.http.protocol import GraphQLRequest, HttpProblem
from hub.http.ratelimit import TokenBuckets, limited
from hub.http.trusted import TrustedDocuments
from hub.models.enums import AccessOutcome, Purpose
from hub.query import alerts as query
from hub.query.reader import Reader
from hub.settings import Settings
from hub.signals.broker import Broker

ReaderFor = Callable[[AuthenticatedPrincipal, str], Reader]
tracer = trace.get_tracer("hub.signals")
MAX_BURST = 500  # alert ids re-read (and recorded) together when they arrive together


@dataclass(frozen=True, slots=True)
class Live:
    """What live subscriptions need from the application."""

    broker: Broker
    sessions: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    reader_for: ReaderFor
    access_log: AccessLog | None  # None where HUB_AUDIT_ENABLED=false
    trusted: TrustedDocuments | None = None  # HUB_TRUSTED_DOCUMENTS: subscriptions too
    buckets: TokenBuckets | None = None  # the per-token rate limit, shared with HTTP


class RateLimited(Exception):
    """A connection_init over the token's rate limit: the socket is closed with 4429."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _over_limit(context: LiveContext, name: str | None) -> tuple[int, str] | None:
    """Take one from the token's bucket; when it is empty, record the refusal and say why."""
    live, principal = context.live, context.principal
    if live is None or live.buckets is None or principal is None:
        return None
    wait = live.buckets.take(principal.token_id)
    if wait <= 0:
        return None
    await _record(context, name, AccessOutcome.LIMITED, status=429)
    return limited(wait)


@dataclass
class LiveContext(Context):
    """A websocket's context: it has a reader only once the connection is authenticated (the
    protocol refuses subscriptions before that)."""

    live: Live | None = None
    websocket: WebSocket | None = None
    connection_params: dict[str, Any] | None = None
    principal: AuthenticatedPrincipal | None = None
    purpose: str | None = None


def live_context(live: Live | None, websocket: WebSocket, settings: Settings) -> LiveContext:
    return LiveContext(reader=cast(Reader, None), settings=settings, live=live, websocket=websocket)


def _stated(params: Mapping[str, Any], websocket: WebSocket, name: str) -> str | None:
    for key, value in params.items():
        if key.lower() == name and isinstance(value, str):
            return value.strip()
    found = websocket.headers.get(name)
    return found.strip() if found else None


def _token(params: Mapping[str, Any], websocket: WebSocket) -> str | None:
    for key, value in params.items():
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, token = value.strip().partition(" ")
            ok = scheme.lower() == "bearer" and token.strip() and " " not in token.strip()
            return token.strip() if ok else None
    return bearer_token(websocket.scope)


async def _record(
    context: LiveContext,
    name: str | None,
    outcome: AccessOutcome,
    *,
    status: int = 200,
    variables: dict[str, Any] | None = None,
    document: str | None = None,
    reader: Reader | None = None,
) -> None:
    live, websocket = context.live, context.websocket
    if live is None or live.access_log is None or websocket is None:
        return
    span = trace.get_current_span().get_span_context()
    client = websocket.client
    agent = websocket.headers.get("user-agent")
    draft = AccessDraft(
        operation_type="subscription",
        operation_name=name,
        client_addr=client.host[:64] if client else None,
        user_agent=agent[:255] if agent else None,
        document_hash=hashlib.sha256(document.encode()).hexdigest() if document else None,
        variables=redact(variables) if variables else None,
        outcome=outcome,
        status=status,
        trace_id=format(span.trace_id, "032x") if span.is_valid else None,
        state={"principal": context.principal, "purpose": context.purpose},
    )
    if reader is not None and reader.notes.touched:
        draft.touched = reader.notes.touched
        draft.versions = await reader.granting_versions()
    # Written whole even if the client hangs up meanwhile: a cancelled write would leave its
    # transaction (and, on SQLite, the database's write lock) behind.
    await asyncio.shield(live.access_log.record(draft))


async def connect(context: LiveContext) -> None:
    """Authenticate a websocket from its connection_init payload or upgrade headers; refuse
    (close 4403) without a valid token or with an unknown purpose. Refusals are recorded."""
    live, websocket = context.live, context.websocket
    if live is None or websocket is None:
        raise ConnectionRejectionError()
    params = context.connection_params or {}
    with tracer.start_as_current_span("graphql.ws.connect"):
        token = _token(params, websocket)
        principal = None
        if token is not None:
            async with live.sessions() as session:
                principal = await authenticate(session, token)
        if principal is None:
            await _record(context, "connection_init", AccessOutcome.UNAUTHENTICATED, status=401)
            raise ConnectionRejectionError()
        context.principal = principal
        if (refusal := await _over_limit(context, "connection_init")) is not None:
            raise RateLimited(f"RATE_LIMITED: {refusal[1]}")
        purpose = _stated(params, websocket, "x-hub-purpose") or live.authorizer.default_purpose(
            principal
        )
        if purpose is None or purpose not in Purpose.__members__.values():
            await _record(context, "connection_init", AccessOutcome.ERROR, status=400)
            raise ConnectionRejectionError({"message": f"unknown purpose {purpose!r}"})
        context.purpose = purpose
        context.reader = live.reader_for(principal, purpose)
        context.loaders = Loaders(context.reader)


async def _lapsed(live: Live, principal: AuthenticatedPrincipal) -> str | None:
    """Why the connection's token no longer stands (revoked, expired), or None: checked before
    each delivery, so a revocation reaches open sockets as it reaches the next HTTP request."""
    async with live.sessions() as session:
        return await token_lapse(session, principal.token_id)


async def _withdraw(context: LiveContext, lapse: str) -> None:
    """Close the socket with 4403, the reason naming the cause (never the token)."""
    websocket = context.websocket
    if websocket is not None and websocket.application_state == WebSocketState.CONNECTED:
        await websocket.close(code=4403, reason=f"UNAUTHENTICATED: the token is {lapse}")


def _refusal(live: Live | None, payload: dict[str, Any]) -> GraphQLError | None:
    """Why a subscribe message may not run: an untrusted document where only trusted ones
    run, or a query or mutation (they go over HTTP, where they are limited and recorded).
    A trusted document sent by hash is put in the payload."""
    if live is not None and live.trusted is not None:
        request = GraphQLRequest(query=payload.get("query"), extensions=payload.get("extensions"))
        try:
            payload["query"] = live.trusted.resolve(request).query
        except GraphQLError as refused:
            return refused
        except HttpProblem as problem:
            return GraphQLError(problem.message, extensions={"code": problem.code})
    try:
        document = parse(payload.get("query") or "")
    except GraphQLError:
        return None  # strawberry reports the syntax error itself
    operation = get_operation_ast(document, payload.get("operationName"))
    if operation is not None and operation.operation != OperationType.SUBSCRIPTION:
        return GraphQLError(
            "only subscriptions run over the websocket: send queries and mutations over HTTP",
            extensions={"code": "BAD_REQUEST"},
        )
    return None


async def _limited(context: Context, payload: dict[str, Any]) -> GraphQLError | None:
    """The refusal of a subscription start over the token's rate limit."""
    if not isinstance(context, LiveContext):
        return None
    if (over := await _over_limit(context, _operation_name(payload))) is None:
        return None
    seconds, message = over
    return GraphQLError(message, extensions={"code": "RATE_LIMITED", "retryAfter": seconds})


def _operation_name(payload: dict[str, Any]) -> str | None:
    """The name of the operation a subscribe message runs, for its access record."""
    if isinstance(name := payload.get("operationName"), str):
        return name
    try:
        operation = get_operation_ast(parse(payload.get("query") or ""))
    except GraphQLError:
        return None
    return operation.name.value if operation is not None and operation.name else None


class LiveTransport(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws for the live feed: subscriptions only, trusted where required,
    within the token's rate limit."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except RateLimited as refused:
            await self.websocket.close(code=4429, reason=refused.message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        live = self.context.live if isinstance(self.context, LiveContext) else None
        payload = cast(dict[str, Any], message["payload"])
        refused = _refusal(live, payload) if self.connection_acknowledged else None
        if refused is None and self.connection_acknowledged:
            refused = await _limited(self.context, payload)
        if refused is not None:
            error = {"id": message["id"], "type": "error", "payload": [refused.formatted]}
            await self.send_message(cast(Any, error))
            return
        await super().handle_subscribe(message)

    async def send_message(self, message: Message) -> None:
        websocket = self.context.websocket if isinstance(self.context, LiveContext) else None
        if websocket is not None and websocket.application_state != WebSocketState.CONNECTED:
            return  # closed by us (a lapsed token): the ended operation's `complete` goes nowhere
        await super().send_message(message)


LiveInfo = Info[LiveContext, None]


@strawberry.type
class AlertSubscription:
    @strawberry.subscription(
        description="New alerts you may see, as they are raised; narrowed by region (ONS "
        "code) and authorities (GSS or three-letter codes)."
    )
    async def alert_raised(
        self,
        info: LiveInfo,
        region: str | None = None,
        authorities: list[str] | None = None,
    ) -> AsyncGenerator[Alert, None]:
        context = info.context
        live = context.live
        if live is None or context.principal is None or context.purpose is None:
            raise ConnectionRejectionError()
        f = query.AlertFilter(authorities=codes_argument(authorities, "authority"), region=region)
        name = info.operation.name.value if info.operation.name else None
        document = print_ast(info.operation)
        variables = {"region": region, "authorities": authorities}
        principal, purpose = context.principal, context.purpose
        delivery = f"{name or 'alertRaised'} delivery"
        # Listening before the subscription is recorded: once its record exists, every alert
        # raised after it reaches the queue.
        async with live.broker.subscription() as queue:
            with tracer.start_as_current_span("graphql.subscribe"):
                await _record(
                    context, name, AccessOutcome.ALLOWED, variables=variables, document=document
                )
            while True:
                burst = [await queue.get()]  # with whatever else is already waiting
                while not queue.empty() and len(burst) < MAX_BURST:
                    burst.append(queue.get_nowait())
                with tracer.start_as_current_span("hub.alert.deliver") as span:
                    span.set_attribute("hub.alerts_raised", len(burst))
                    if (lapse := await _lapsed(live, principal)) is not None:
                        span.set_attribute("hub.token_lapse", lapse)
                        await _record(
                            context,
                            delivery,
                            AccessOutcome.UNAUTHENTICATED,
                            status=401,
                            variables=variables,
                            document=document,
                        )
                        await _withdraw(context, lapse)
                        return
                    reader = live.reader_for(principal, purpose)  # today's date, fresh notes
                    rows = await query.alerts_by_ids(reader, burst, f)
                    span.set_attribute("hub.alerts_delivered", len(rows))
                    if rows:
                        await _record(
                            context,
                            delivery,
                            AccessOutcome.ALLOWED,
                            variables=variables,
                            document=document,
                            reader=reader,
                        )
                for row in rows:
                    yield node(row)
