"""`hub schema`: the committed GraphQL contract in schema/hub.graphql."""

from pathlib import Path

import typer

from hub.graphql.schema import build_schema

app = typer.Typer(help="The GraphQL schema contract.", no_args_is_help=True)

DEFAULT_PATH = Path("schema/hub.graphql")


def schema_sdl() -> str:
    """The SDL the code produces, as committed in schema/hub.graphql."""
    return build_schema().as_str() + "\n"


@app.command()
def export(
    output: Path = typer.Option(
        DEFAULT_PATH, "--output", "-o", help="File to write; - for stdout."
    ),
) -> None:
    """Write the schema's SDL (commit the result: a test fails when it drifts)."""
    sdl = schema_sdl()
    if str(output) == "-":
        typer.echo(sdl, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(sdl, encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)
