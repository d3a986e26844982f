"""The purpose a request states (header X-Hub-Purpose), or its role's default from the policy.

Agreements permit sharing for named purposes, so every authenticated request carries one;
an unknown purpose is refused with 400 before anything is read.
"""

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from hub.authz import Authorizer
from hub.models.enums import Purpose

PURPOSE_HEADER = b"x-hub-purpose"
KNOWN = ", ".join(p.value for p in Purpose)


def stated_purpose(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == PURPOSE_HEADER:
            text: str = value.decode("latin-1").strip()
            return text
    return None


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps(
        {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class PurposeMiddleware:
    """Puts the request's purpose in `scope["state"]["purpose"]`, after authentication."""

    def __init__(self, app: ASGIApp, authorizer: Authorizer) -> None:
        self.app = app
        self.authorizer = authorizer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal")
        if scope["type"] != "http" or principal is None:
            await self.app(scope, receive, send)
            return
        purpose = stated_purpose(scope) or self.authorizer.default_purpose(principal)
        if purpose is None:
            await _refuse(send, f"state a purpose in the X-Hub-Purpose header: one of {KNOWN}")
            return
        if purpose not in Purpose.__members__.values():
            await _refuse(send, f"unknown purpose {purpose!r}: use one of {KNOWN}")
            return
        scope["state"]["purpose"] = purpose
        await self.app(scope, receive, send)
