"""Tamper evidence: raw SQL alters, deletes, inserts or reorders a record; verify names it."""

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.chain import record_hash
from hub.audit.verify import verify
from tests.audit.helpers import KEY, append_many, fields

pytestmark = pytest.mark.asyncio


async def _sql(engine: AsyncEngine, *statements: str, **params: Any) -> None:
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement), params)


async def _first(engine: AsyncEngine) -> tuple[str, int]:
    report = await verify(engine, KEY)
    assert not report.ok
    return report.problems[0].kind, report.problems[0].record_id


async def test_an_untouched_chain_verifies(engine: AsyncEngine) -> None:
    await append_many(engine, 7, checkpoint_every=3)
    report = await verify(engine, KEY)
    assert report.ok, report.problems
    assert (report.records, report.checkpoints) == (7, 2)


async def test_an_empty_log_verifies(engine: AsyncEngine) -> None:
    assert (await verify(engine, KEY)).ok


async def test_altered_record_is_named(engine: AsyncEngine) -> None:
    await append_many(engine, 6)
    await _sql(engine, "UPDATE access_record SET purpose = 'research' WHERE id = 3")
    assert await _first(engine) == ("altered", 3)


async def test_altered_variables_are_caught(engine: AsyncEngine) -> None:
    await append_many(engine, 6)
    await _sql(engine, "UPDATE access_record SET variables = '{\"n\": 99}' WHERE id = 4")
    assert await _first(engine) == ("altered", 4)


async def test_deleted_record_is_named(engine: AsyncEngine) -> None:
    await append_many(engine, 6)
    await _sql(engine, "DELETE FROM access_record WHERE id = 3")
    assert await _first(engine) == ("missing", 3)


async def test_deleted_tail_is_named(engine: AsyncEngine) -> None:
    await append_many(engine, 6)
    await _sql(engine, "DELETE FROM access_record WHERE id >= 5")
    assert await _first(engine) == ("missing", 5)


async def _shift_from(engine: AsyncEngine, first: int) -> None:
    """Make room at `first` by moving every later record up one (two steps: unique ids)."""
    await _sql(
        engine,
        "UPDATE access_record SET id = -id WHERE id >= :first",
        "UPDATE access_record SET id = 1 - id WHERE id < 0",
        first=first,
    )


async def _insert(engine: AsyncEngine, id_: int, prev_hash: str, hash_: str) -> None:
    await _sql(
        engine,
        "INSERT INTO access_record (id, at, role, operation_type, outcome, prev_hash, record_hash)"
        " VALUES (:id, CURRENT_TIMESTAMP, 'auditor', 'query', 'allowed', :prev, :hash)",
        id=id_,
        prev=prev_hash,
        hash=hash_,
    )


async def test_crudely_inserted_record_is_named(engine: AsyncEngine) -> None:
    await append_many(engine, 6)
    await _shift_from(engine, 3)
    await _insert(engine, 3, "f" * 64, "e" * 64)
    assert await _first(engine) == ("inserted", 3)


async def test_well_forged_inserted_record_is_named(engine: AsyncEngine) -> None:
    """A forger who links and hashes the inserted record properly is still caught."""
    await append_many(engine, 6)
    async with engine.connect() as connection:
        prev = (
            await connection.execute(text("SELECT record_hash FROM access_record WHERE id = 2"))
        ).scalar_one()
    forged = fields(99, prev_hash=prev)
    await _shift_from(engine, 3)
    async with engine.begin() as connection:
        at = forged["at"]
        await connection.execute(
            text(
                "INSERT INTO access_record (id, at, role, purpose, operation_type, "
                "operation_name, document_hash, variables, outcome, client_addr, user_agent, "
                "prev_hash, record_hash) VALUES (3, :at, :role, :purpose, :operation_type, "
                ":operation_name, :document_hash, :variables, :outcome, :client_addr, "
                ":user_agent, :prev_hash, :record_hash)"
            ),
            {
                **{k: v for k, v in forged.items() if k not in ("principal_id", "organisation_id")},
                "at": at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at,
                "variables": '{"n": 99, "nested": {"x": [1, 2.5, "\\u00e9"]}}',
                "record_hash": record_hash(forged),
            },
        )
    assert await _first(engine) == ("inserted", 3)


async def test_appended_record_beyond_the_head_is_named(engine: AsyncEngine) -> None:
    await append_many(engine, 4)
    await _insert(engine, 5, "f" * 64, "e" * 64)
    assert await _first(engine) == ("inserted", 5)


async def test_reordered_records_are_named(engine: AsyncEngine) -> None:
    await append_many(engine, 6)
    await _sql(
        engine,
        "UPDATE access_record SET id = -1 WHERE id = 3",
        "UPDATE access_record SET id = 3 WHERE id = 4",
        "UPDATE access_record SET id = 4 WHERE id = -1",
    )
    assert await _first(engine) == ("reordered", 3)


async def test_rewritten_head_is_caught(engine: AsyncEngine) -> None:
    await append_many(engine, 4)
    await _sql(engine, "DELETE FROM access_record WHERE id = 4")
    async with engine.connect() as connection:
        hash3 = (
            await connection.execute(text("SELECT record_hash FROM access_record WHERE id = 3"))
        ).scalar_one()
    await _sql(engine, "UPDATE access_chain_head SET seq = 3, head_hash = :h", h=hash3)
    report = await verify(engine, KEY)
    assert [p.kind for p in report.problems] == ["head"]


async def test_wrong_key_fails(engine: AsyncEngine) -> None:
    await append_many(engine, 3, checkpoint_every=2)
    report = await verify(engine, b"another key")
    assert {p.kind for p in report.problems} == {"head", "checkpoint"}
