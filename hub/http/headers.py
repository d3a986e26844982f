"""Security headers on every response, and CORS only for the origins HUB_CORS_ORIGINS names.

API responses get a Content-Security-Policy that allows nothing; the GraphiQL page (development
mode only) gets one allowing the scripts and styles it loads from unpkg.com and the inline script
that starts it; the dashboard (/dashboard) one allowing only its own files, and requests and
websockets to this origin: no inline code, no other origin.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.settings import Settings

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
GRAPHIQL_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline' https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://unpkg.com; "
    "img-src 'self' data:; font-src 'self' data: https://unpkg.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DASHBOARD_PREFIX = "/dashboard"
DASHBOARD_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", _csp(scope, headers))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _csp(scope: Scope, headers: MutableHeaders) -> str:
    path = str(scope.get("path", ""))
    if path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/"):
        return DASHBOARD_CSP
    return GRAPHIQL_CSP if headers.get("content-type", "").startswith("text/html") else API_CSP


def cors_origins(settings: Settings) -> list[str]:
    return [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]


def cors_middleware(settings: Settings) -> Middleware | None:
    """CORS for the configured origins, or None (closed: browsers on other origins get no
    Access-Control-Allow-Origin, so they cannot read answers)."""
    origins = cors_origins(settings)
    if not origins:
        return None
    return Middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Accept", "X-Hub-Purpose"],
        max_age=600,
    )
