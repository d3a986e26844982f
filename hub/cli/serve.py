"""`hub serve`: run the hub under uvicorn."""

import typer
import uvicorn

from hub.settings import get_settings


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
        "hub.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )
