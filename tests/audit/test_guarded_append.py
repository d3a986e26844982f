"""PostgreSQL appends in one guarded statement while the process knows the head
(hub.audit.store._guarded), and fall back to locking the head row when it does not: another
writer appended, or the head it knew was never committed. The chain stays whole either way."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.store import AccessLog
from hub.audit.verify import verify
from hub.db import create_engine, session_factory
from hub.migrate import upgrade
from hub.settings import Settings
from tests.audit.helpers import KEY, fields
from tests.support import fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with fresh_database("postgresql", tmp_path) as url:
        made = create_engine(Settings(database_url=url))
        await upgrade(made)
        try:
            yield made
        finally:
            await made.dispose()


def _statements(engine: AsyncEngine) -> list[str]:
    sent: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    return sent


def _log(engine: AsyncEngine, checkpoint_every: int = 3) -> AccessLog:
    return AccessLog(session_factory(engine), KEY, checkpoint_every)


async def test_one_statement_an_append_once_the_head_is_known(engine: AsyncEngine) -> None:
    log = _log(engine)
    sent = _statements(engine)
    await log.append(fields(1))  # the head not known yet: the head row locked, as before
    assert any(s.lstrip().startswith("UPDATE access_chain_head") for s in sent)
    for n in range(2, 8):  # with touches or not, with a checkpoint (every third) or not
        touch = {"kind": "observation", "authority_id": n, "source_id": 1, "rows": n}
        touched = [{**touch, "agreement_version_id": None}]
        sent.clear()
        extra = {"touched": touched} if n % 2 else {}
        assert await log.append(fields(n, **extra)) == n
        assert len(sent) == 1, sent
        assert " ".join(sent[0].split()).startswith("WITH moved AS (UPDATE access_chain_head")
    report = await verify(engine, KEY)
    assert report.ok, report.problems
    assert (report.records, report.checkpoints) == (7, 2)


async def test_another_writer_first_makes_the_next_append_lock(engine: AsyncEngine) -> None:
    ours, theirs = _log(engine), _log(engine)
    await ours.append(fields(1))
    await ours.append(fields(2))
    await theirs.append(fields(3))  # the head moved on without `ours` knowing
    sent = _statements(engine)
    assert await ours.append(fields(4)) == 4
    assert len(sent) == 3  # the guarded statement, refused; then the bump and the writes
    sent.clear()
    assert await ours.append(fields(5)) == 5  # the head known again
    assert len(sent) == 1
    report = await verify(engine, KEY)
    assert report.ok, report.problems
    assert report.records == 5


async def test_a_head_never_committed_is_not_built_on(engine: AsyncEngine) -> None:
    """The process counted on a head whose commit failed; another writer then wrote a record
    at that very position: the same seq, another hash. Building on the seq alone would break
    the chain."""
    ours, theirs = _log(engine), _log(engine)
    await ours.append(fields(1))
    assert ours._head is not None
    ours._head = (ours._head[0] + 1, "f" * 64)  # as if record 2 were ours, then lost
    await theirs.append(fields(2))
    assert await ours.append(fields(3)) == 3
    report = await verify(engine, KEY)
    assert report.ok, report.problems
    assert report.records == 3
