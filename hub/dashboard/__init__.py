"""The RIEP and IDeA dashboard at /dashboard: static HTML, CSS and JavaScript modules, no
build step and nothing from other origins.

The files hold no data, so they are served without a token; every figure on the page comes from
/graphql (and its websocket), which needs one like any other client.
"""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

PREFIX = "/dashboard"
STATIC = Path(__file__).parent / "static"


async def _to_index(_: Request) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=308)


def dashboard_routes() -> list[BaseRoute]:
    """`/dashboard` (redirected to `/dashboard/`) and its files."""
    return [
        Route(PREFIX, _to_index, methods=["GET", "HEAD"]),
        Mount(PREFIX, app=StaticFiles(directory=STATIC, html=True), name="dashboard"),
    ]


def dashboard_files() -> frozenset[str]:
    """The URL path of every file of the dashboard (and of its index): public, holding no data,
    so not written to the access log, like /healthz."""
    files = {
        f"{PREFIX}/{p.relative_to(STATIC).as_posix()}" for p in STATIC.rglob("*") if p.is_file()
    }
    return frozenset({PREFIX, f"{PREFIX}/", *files})
