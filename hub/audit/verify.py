"""`hub audit verify`: walk the chain in order and name every record that breaks it.

For each record, in id (= chain position) order:
- an id beyond the signed chain head: INSERTED;
- a gap in the ids: MISSING (deleted) records;
- its own hash does not match its content: ALTERED (INSERTED when it does not link either);
- it does not link to the record before it: INSERTED when it links to the one before that (the
  record in between was inserted), REORDERED when it links to another record of the log,
  INSERTED otherwise;
- its touch rows differ from the touches it hashed: ALTERED.
Then the end of the log must be the signed chain head, and every signed checkpoint must hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.chain import GENESIS, record_hash, signature_valid
from hub.audit.store import CHECKPOINT, HEAD, RECORD, TOUCH

CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # altered, missing, inserted, reordered, head, checkpoint
    record_id: int
    message: str


@dataclass
class Report:
    records: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _records(engine: AsyncEngine) -> AsyncIterator[tuple[Row[Any], list[dict[str, Any]]]]:
    after = 0
    while True:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(RECORD).where(RECORD.c.id > after).order_by(RECORD.c.id).limit(CHUNK)
                )
            ).all()
            if not rows:
                return
            touches: dict[int, list[dict[str, Any]]] = defaultdict(list)
            found = await connection.execute(
                select(TOUCH).where(TOUCH.c.record_id.in_([r.id for r in rows]))
            )
            for t in found:
                touches[t.record_id].append(
                    {
                        "kind": t.kind,
                        "authority_id": t.authority_id,
                        "source_id": t.source_id,
                        "rows": t.rows,
                        "agreement_version_id": t.agreement_version_id,
                    }
                )
        for row in rows:
            yield row, touches.get(row.id, [])
        after = rows[-1].id


def _key(t: dict[str, Any]) -> tuple[Any, ...]:
    version = t.get("agreement_version_id") or 0
    return (t["kind"], t["authority_id"] or 0, t["source_id"] or 0, t["rows"], version)


async def _hash_exists(engine: AsyncEngine, hash_: str | None) -> bool:
    async with engine.connect() as connection:
        found = await connection.execute(
            select(RECORD.c.id).where(RECORD.c.record_hash == hash_).limit(1)
        )
        return found.first() is not None


async def verify(engine: AsyncEngine, key: bytes) -> Report:
    report = Report()
    problems = report.problems
    async with engine.connect() as connection:
        head = (await connection.execute(select(HEAD).where(HEAD.c.id == 1))).one()
        checkpoints = (await connection.execute(select(CHECKPOINT).order_by(CHECKPOINT.c.id))).all()
    hashes: dict[int, str] = {c.id: "" for c in checkpoints}
    expected, prev_hash, prev_prev = 1, GENESIS, None
    async for row, touches in _records(engine):
        report.records += 1
        fields = row._asdict()
        intact = record_hash(fields) == row.record_hash
        links = row.prev_hash == prev_hash
        if row.id > head.seq:
            problems.append(Problem("inserted", row.id, "is beyond the signed chain head"))
        elif row.id > expected:
            missing = f"{expected}" if row.id == expected + 1 else f"{expected}..{row.id - 1}"
            problems.append(Problem("missing", expected, f"records {missing} are missing"))
        elif not intact and not links:
            problems.append(Problem("inserted", row.id, "neither hashes nor links: inserted"))
        elif not intact:
            problems.append(Problem("altered", row.id, "its content no longer matches its hash"))
        elif not links:
            if row.prev_hash == prev_prev:
                problems.append(
                    Problem("inserted", row.id - 1, "was inserted: the next record skips it")
                )
            elif await _hash_exists(engine, row.prev_hash):
                problems.append(Problem("reordered", row.id, "follows a different record"))
            else:
                problems.append(Problem("inserted", row.id, "links to no record of the log"))
        elif sorted(touches, key=_key) != sorted(row.touched or [], key=_key):
            problems.append(Problem("altered", row.id, "its touch rows differ from its hash"))
        if row.id in hashes:
            hashes[row.id] = row.record_hash
        expected, prev_prev, prev_hash = row.id + 1, prev_hash, row.record_hash
    last = expected - 1
    if last < head.seq:
        gap = f"{last + 1}" if head.seq == last + 1 else f"{last + 1}..{head.seq}"
        problems.append(Problem("missing", last + 1, f"records {gap} are missing (the tail)"))
    elif last == head.seq and prev_hash != head.head_hash:
        problems.append(Problem("altered", last, "the last record is not the chain head"))
    if head.seq and not signature_valid(key, head.seq, head.head_hash, head.signature):
        problems.append(Problem("head", head.seq, "the chain head's signature is not valid"))
    for c in checkpoints:
        report.checkpoints += 1
        if not signature_valid(key, c.id, c.record_hash, c.signature):
            problems.append(Problem("checkpoint", c.id, "the checkpoint's signature is not valid"))
        elif hashes[c.id] != c.record_hash:
            problems.append(Problem("checkpoint", c.id, "differs from the signed checkpoint"))
    problems.sort(key=lambda p: p.record_id)
    return report


def describe(problem: Problem) -> str:
    return f"record {problem.record_id}: {problem.kind}: {problem.message}"
