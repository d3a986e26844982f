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
Each signature is checked with the key whose id is stored beside it (hub.audit.keys), so
checkpoints signed before a key rotation verify with the retired key; an id with no configured
key is reported, never skipped.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.chain import GENESIS, record_hash, signature_valid
from hub.audit.keys import LEGACY_ID, Keyring
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
    signed_by: Counter[str] = field(default_factory=Counter)  # checkpoints per key id
    warnings: list[str] = field(default_factory=list)  # worth a look, not a failure

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


def _signature(keys: Keyring, kind: str, seq: int, row: Row[Any]) -> Problem | None:
    """A problem with the signature of the head or a checkpoint, checked with the key whose id
    is stored with it; an unknown id is a problem too (it cannot be checked)."""
    what = "the chain head" if kind == "head" else "the checkpoint"
    key_id = row.key_id or LEGACY_ID
    secret = keys.secret(row.key_id)
    if secret is None:
        return Problem(
            kind,
            seq,
            f"{what} is signed with key id {key_id!r}, which is not configured: add that key "
            "to HUB_AUDIT_SIGNING_KEYS to check it",
        )
    hash_ = row.head_hash if kind == "head" else row.record_hash
    if not signature_valid(secret, seq, hash_, row.signature):
        return Problem(kind, seq, f"{what}'s signature is not valid (key id {key_id!r})")
    return None


async def verify(engine: AsyncEngine, key: Keyring | bytes) -> Report:
    """Walk the whole log; `key` holds every key a signature may have been made with."""
    keys = key if isinstance(key, Keyring) else Keyring.single(key)
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
    if head.seq and (problem := _signature(keys, "head", head.seq, head)) is not None:
        problems.append(problem)
    elif head.seq and (head.key_id or LEGACY_ID) != keys.current_id:
        report.warnings.append(
            f"the chain head is signed with the retired key {head.key_id or LEGACY_ID!r}, not "
            f"the current key {keys.current_id!r}: expected until the first request after a "
            "rotation; if requests were served since, the log may have been cut back"
        )
    for c in checkpoints:
        report.checkpoints += 1
        report.signed_by[c.key_id or LEGACY_ID] += 1
        if (problem := _signature(keys, "checkpoint", c.id, c)) is not None:
            problems.append(problem)
        elif hashes[c.id] != c.record_hash:
            problems.append(Problem("checkpoint", c.id, "differs from the signed checkpoint"))
    problems.sort(key=lambda p: p.record_id)
    return report


def describe(problem: Problem) -> str:
    return f"record {problem.record_id}: {problem.kind}: {problem.message}"
