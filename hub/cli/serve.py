"""`hub serve`: run the hub under uvicorn."""

import gc
from typing import TYPE_CHECKING

import typer
import uvicorn

from hub.settings import get_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette


# Young-generation collections every 10,000 net allocations instead of 700: a large answer
# (an auditor's day of traces, ~38k objects) spent about half its time collecting garbage at
# the default (docs/performance.md); the memory held meanwhile is small.
GC_THRESHOLDS = (10_000, 50, 100)


def served_app() -> "Starlette":
    """The app as `hub serve` runs it. Built, then everything start-up made is frozen out of
    the garbage collector's sight, so the first large request (an ingest of a quarter) does not
    pay a full collection over it (measured: ~0.1 s of ~0.6 s); collections are made rarer."""
    from hub.app import create_app  # here: `hub --help` need not load the whole app

    app = create_app()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return app


def serve(
    host: str | None = typer.Option(None, help="Address to bind [default: HUB_HOST]."),
    port: int | None = typer.Option(None, help="Port to listen on [default: HUB_PORT]."),
    workers: int | None = typer.Option(
        None, help="Worker processes [default: HUB_WORKERS]; use PostgreSQL for more than one."
    ),
) -> None:
    """Serve the GraphQL API at /graphql (GraphiQL in a browser), /healthz and /readyz."""
    settings = get_settings()
    uvicorn.run(
        "hub.cli.serve:served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )
