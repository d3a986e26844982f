"""Two hub processes appending to one database at once keep one valid chain."""

import asyncio
import sys
from pathlib import Path

import pytest

from hub.audit.verify import verify
from hub.db import create_engine
from hub.migrate import upgrade
from hub.settings import Settings
from tests.audit.helpers import KEY
from tests.support import BACKENDS, fresh_database

pytestmark = pytest.mark.asyncio

WRITER = """
import asyncio, sys
from hub.audit.store import AccessLog, DEVELOPMENT_KEY
from hub.db import create_engine, session_factory
from hub.settings import Settings
from tests.audit.helpers import fields

async def main(url, tag):
    engine = create_engine(Settings(database_url=url))
    log = AccessLog(session_factory(engine), DEVELOPMENT_KEY, 25)
    async def burst(n):
        for i in range(10):
            await log.append(fields(i, operation_name=f"{tag}-{n}-{i}"))
    await asyncio.gather(*(burst(n) for n in range(6)))
    await engine.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_processes_keep_one_chain(backend: str, tmp_path: Path) -> None:
    async with fresh_database(backend, tmp_path) as url:
        engine = create_engine(Settings(database_url=url))
        try:
            await upgrade(engine)
            writers = [
                await asyncio.create_subprocess_exec(
                    sys.executable, "-c", WRITER, url, tag, cwd=Path(__file__).parents[2]
                )
                for tag in ("a", "b")
            ]
            assert [await w.wait() for w in writers] == [0, 0]
            report = await verify(engine, KEY)
        finally:
            await engine.dispose()
    assert report.ok, report.problems
    assert (report.records, report.checkpoints) == (120, 4)
