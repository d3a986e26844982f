"""`hub db`: database schema management."""

import typer

from hub.cli._run import with_engine
from hub.migrate import upgrade as upgrade_database

app = typer.Typer(help="Manage the hub's database schema.", no_args_is_help=True)


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Alembic revision to upgrade to."),
) -> None:
    """Bring the database at HUB_DATABASE_URL to the newest schema (safe to run again)."""
    with_engine(lambda engine: upgrade_database(engine, revision))
    typer.echo(f"database at {revision}")
