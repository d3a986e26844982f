"""The HTTP endpoint of the schema: strawberry's ASGI view, given our per-request context."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from hub.graphql.context import Context
from hub.query.reader import Reader


class HubGraphQL(GraphQL[Context, None]):
    def __init__(self, *args: Any, reader_for: Any, settings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reader_for = reader_for
        self._settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        # The authentication middleware has already refused any request without a principal.
        reader: Reader = self._reader_for(request.state.principal)
        return Context(reader=reader, settings=self._settings)
