"""`hub audit verify` and `hub audit export`."""

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from hub.audit.chain import record_hash
from hub.cli import app
from hub.settings import get_settings
from tests.audit.helpers import append_many

pytestmark = pytest.mark.asyncio


@pytest.fixture
def on_engine(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[AsyncEngine]:
    monkeypatch.setenv("HUB_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("HUB_AUDIT_SIGNING_KEY", raising=False)
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


async def _hub(*args: str) -> Result:
    invoke = partial(CliRunner().invoke, app, list(args), env={"COLUMNS": "200"})
    return await asyncio.to_thread(invoke)


async def test_verify_passes_then_names_the_altered_record(on_engine: AsyncEngine) -> None:
    await append_many(on_engine, 5, checkpoint_every=2)
    ok = await _hub("audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert "5 records, 2 signed checkpoints" in ok.output
    async with on_engine.begin() as connection:
        await connection.execute(text("UPDATE access_record SET role = 'hub_admin' WHERE id = 2"))
    bad = await _hub("audit", "verify")
    assert bad.exit_code == 1
    assert "first problem: record 2: altered" in bad.output


async def test_export_jsonl_and_csv_recheck_the_chain(on_engine: AsyncEngine) -> None:
    await append_many(on_engine, 3)
    jsonl = await _hub("audit", "export", "--since", "2000-01-01", "--format", "jsonl")
    assert jsonl.exit_code == 0, jsonl.output
    lines = [json.loads(line) for line in jsonl.stdout.splitlines() if line.startswith("{")]
    assert [r["id"] for r in lines] == [1, 2, 3]
    assert all(record_hash(r) == r["record_hash"] for r in lines)  # checkable from the file
    assert lines[1]["prev_hash"] == lines[0]["record_hash"]
    out = await _hub("audit", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout.split("exported")[0])))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    none = await _hub("audit", "export", "--since", "2999-01-01")
    assert "exported 0 records" in none.output
