"""`hub ingest SOURCE FILE`: the same engine from the command line, on both backends."""

import asyncio
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hub.cli import app
from hub.settings import get_settings
from tests.ingest.conftest import Hub

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def cli_hub(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    monkeypatch.setenv("HUB_DATABASE_URL", hub.settings.database_url)
    get_settings.cache_clear()
    yield hub
    get_settings.cache_clear()


async def hub_ingest(*args: str, stdin: str | None = None) -> Result:
    """Run `hub ingest ARGS` in a worker thread: the command runs its own event loop."""
    invoke = partial(
        CliRunner().invoke, app, ["ingest", *args], input=stdin, env={"COLUMNS": "200"}
    )
    return await asyncio.to_thread(invoke)


async def test_a_file_is_applied_with_a_progress_report(cli_hub: Hub) -> None:
    sample = str(SAMPLES / "go-north-east-laa.laa-indicators.csv")
    result = await hub_ingest(
        "go-north-east-laa", sample, "--token", "-", stdin=cli_hub.tokens["gone"]
    )
    assert result.exit_code == 0, result.output
    assert "applied: 3 rows, 3 new, 0 corrections" in result.stderr

    again = await hub_ingest(
        "go-north-east-laa", sample, "--token", cli_hub.tokens["gone"], "--json"
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["batch"]["superseded"] == 3


async def test_a_rejected_file_lists_its_problems_and_exits_1(cli_hub: Hub) -> None:
    sample = str(SAMPLES / "unknown-authority.csv")
    result = await hub_ingest("go-north-east-laa", sample, "--token", cli_hub.tokens["gone"])
    assert result.exit_code == 1
    assert "rejected: 2 problems in 3 rows; nothing was stored" in result.stderr
    assert "E99999999" in result.stderr


async def test_refusals_exit_1_with_the_reason(cli_hub: Hub) -> None:
    sample = str(SAMPLES / "go-north-east-laa.laa-indicators.csv")
    other = await hub_ingest("go-north-east-laa", sample, "--token", cli_hub.tokens["golondon"])
    bad_token = await hub_ingest("go-north-east-laa", sample, "--token", "hub_nope")
    no_format = await hub_ingest("go-north-east-laa", str(SAMPLES / "README"), "--token", "x")
    assert (other.exit_code, bad_token.exit_code) == (1, 1)
    assert "you may not submit to source" in other.stderr
    assert "the token is not valid" in bad_token.stderr
    assert no_format.exit_code == 2
