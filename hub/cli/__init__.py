"""The `hub` command. Each command group lives in its own module and registers itself here."""

import typer

from hub.cli import access, agreement, audit, db, demo, ingest, schema, serve, token

app = typer.Typer(
    help="The hub: GraphQL data-sharing for English local-government improvement.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(token.app, name="token")
app.add_typer(schema.app, name="schema")
app.add_typer(agreement.app, name="agreement")
app.add_typer(audit.app, name="audit")
app.add_typer(access.app, name="access")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("ingest")(ingest.ingest)


def main() -> None:
    app()
