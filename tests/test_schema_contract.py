"""schema/hub.graphql is the contract clients build against: it must match what the code serves."""

from pathlib import Path

from hub.cli.schema import schema_sdl

COMMITTED = Path(__file__).resolve().parents[1] / "schema" / "hub.graphql"


def test_committed_schema_matches_the_code() -> None:
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == schema_sdl(), (
        "schema/hub.graphql differs from the schema the code produces; "
        "run `hub schema export` and commit the result"
    )
