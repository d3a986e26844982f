"""The HTTP endpoint of the schema: strawberry's ASGI view, given our per-request context."""

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET, UnsetType

from hub.audit.draft import CURRENT
from hub.auth.principal import AuthenticatedPrincipal
from hub.graphql.context import Context
from hub.graphql.types.live import Live, LiveContext, LiveTransport, connect, live_context
from hub.http.handler import GraphQLHandler
from hub.http.trusted import TrustedDocuments
from hub.query.reader import Reader
from hub.settings import Settings

ReaderFor = Callable[[AuthenticatedPrincipal, str], Reader]


class HubGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LiveTransport  # subscriptions only, over websockets

    def __init__(
        self,
        *args: Any,
        reader_for: ReaderFor,
        settings: Settings,
        live: Live | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._reader_for = reader_for
        self._settings = settings
        self._live = live  # websockets: the live alert feed (hub/graphql/types/live.py)
        trusted = settings.trusted_documents
        # HTTP requests follow the graphql-over-http spec (hub/http); websockets stay strawberry's.
        self.http = GraphQLHandler(
            self.schema,
            settings,
            lambda request: self.get_context(request, Response()),
            TrustedDocuments.load(trusted) if trusted is not None else None,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only the GraphiQL page itself arrives without a principal (the authentication
        # middleware lets nothing else through): serve it without running anything.
        if scope["type"] == "http" and "principal" not in scope.get("state", {}):
            page: Response = (
                HTMLResponse(self.graphql_ide_html)
                if self.graphql_ide
                else PlainTextResponse("Not Found", status_code=404)
            )
            await page(scope, receive, send)
            return
        if scope["type"] == "http":
            response = await self.http(Request(scope, receive))
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        if isinstance(request, WebSocket):  # authenticated by on_ws_connect, from its payload
            return live_context(self._live, request, self._settings)
        # The middlewares have refused any request without a principal or a known purpose.
        reader = self._reader_for(request.state.principal, request.state.purpose)
        if (draft := CURRENT.get()) is not None:  # the access record counts the rows returned
            draft.touched = reader.notes.touched
            draft.granting = reader.granting_versions
        return Context(reader=reader, settings=self._settings)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if not isinstance(context, LiveContext):
            return UNSET
        await connect(context)
        return UNSET
