"""Appending to the chain: one short transaction per record, serialised on the chain-head row.

The first statement of the transaction increments the head's `seq` (a row lock on PostgreSQL,
the database write lock on SQLite), so appends from any number of hub processes take turns and
the chain stays one chain. The record, its touches, the new signed head and (every
`checkpoint_every` records) a signed checkpoint are written in the same transaction: all or
none (on PostgreSQL as one statement after the first). Each signature is stored with the id of
the key that made it (hub.audit.keys).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    Engine,
    Insert,
    Table,
    Update,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hub.audit.chain import record_hash, sign
from hub.audit.draft import AccessDraft
from hub.audit.keys import DEVELOPMENT_KEY, Keyring, SigningKeyError, SigningKeyMissing, keyring
from hub.db import sqlite_thread_engine
from hub.models.audit import AccessChainHead, AccessCheckpoint, AccessRecord, AccessTouch
from hub.models.base import utcnow
from hub.settings import Settings

log = logging.getLogger("hub.audit")

__all__ = [
    "CHECKPOINT",
    "DEVELOPMENT_KEY",
    "HEAD",
    "RECORD",
    "TOUCH",
    "AccessLog",
    "SigningKeyError",
    "SigningKeyMissing",
    "signing_key",
]

RECORD: Table = AccessRecord.__table__  # type: ignore[assignment]
TOUCH: Table = AccessTouch.__table__  # type: ignore[assignment]
HEAD: Table = AccessChainHead.__table__  # type: ignore[assignment]
CHECKPOINT: Table = AccessCheckpoint.__table__  # type: ignore[assignment]

_TOUCH_COLUMNS = ("kind", "authority_id", "source_id", "rows", "agreement_version_id")


def _all_at_once(
    connection: Connection,
    new_head: Update,
    writes: list[Insert],
    seq: int,
    touched: list[dict[str, Any]],
) -> None:
    """The record's writes and the new head as one PostgreSQL statement (data-modifying CTEs):
    one round trip instead of three or four, while every other append waits on the head row."""
    if touched:
        writes = [*writes, _unnested_touches(seq, touched)]
    for n, write in enumerate(writes):
        new_head = new_head.add_cte(write.cte(f"write_{n}"))
    connection.execute(new_head)


def _unnested_touches(seq: int, touched: list[dict[str, Any]]) -> Insert:
    """Every touch in one INSERT, each column sent as an array (PostgreSQL; a national table
    touches 353 authorities, and as many rows sent one by one took several milliseconds)."""
    arrays = [
        bindparam(name, [t[name] for t in touched], type_=ARRAY(TOUCH.c[name].type))
        for name in _TOUCH_COLUMNS
    ]
    rows = func.unnest(*arrays).table_valued(*_TOUCH_COLUMNS).render_derived()
    chosen = select(literal(seq, BigInteger), *(rows.c[name] for name in _TOUCH_COLUMNS))
    return insert(TOUCH).from_select(["record_id", *_TOUCH_COLUMNS], chosen)


def signing_key(settings: Settings) -> Keyring:
    """The audit keyring (the key that signs, and the retired ones); production refuses to run
    without a key (SigningKeyMissing), and muddled key settings raise SigningKeyError."""
    return keyring(settings)


class AccessLog:
    """Appends access records for one hub process."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key: Keyring | bytes,
        checkpoint_every: int,
    ) -> None:
        self.sessions = sessions
        keys = key if isinstance(key, Keyring) else Keyring.single(key)
        self.key_id, self.key = keys.current_id, keys.current
        self.checkpoint_every = checkpoint_every
        self.engine: AsyncEngine = sessions.kw["bind"]
        # On a SQLite file the whole transaction runs in one worker thread: through aiosqlite
        # each statement is several hand-offs between threads, a few ms per record.
        self.thread_engine = sqlite_thread_engine(self.engine)

    async def record(self, draft: AccessDraft) -> int:
        return await self.append(draft.fields())

    async def append(self, fields: dict[str, Any]) -> int:
        """Write one record at the end of the chain; returns its position (= its id). Shielded:
        a caller cancelled midway (a client hanging up) must neither lose the record nor leave
        a half-done transaction holding SQLite's write lock."""
        return await asyncio.shield(self._append(fields))

    async def _append(self, fields: dict[str, Any]) -> int:
        if self.thread_engine is not None:
            return await asyncio.to_thread(self._append_in_thread, self.thread_engine, fields)
        async with self.engine.begin() as connection:
            return await connection.run_sync(self._write, fields)

    def _append_in_thread(self, engine: Engine, fields: dict[str, Any]) -> int:
        with engine.begin() as connection:
            return self._write(connection, fields)

    def _write(self, connection: Connection, fields: dict[str, Any]) -> int:
        bumped = connection.execute(
            update(HEAD)
            .where(HEAD.c.id == 1)
            .values(seq=HEAD.c.seq + 1)
            .returning(HEAD.c.seq, HEAD.c.head_hash)
        )
        seq, prev_hash = bumped.one()
        row = {**fields, "prev_hash": prev_hash}
        hash_ = record_hash(row)
        signed = {"signature": sign(self.key, seq, hash_), "key_id": self.key_id}
        writes: list[Insert] = [insert(RECORD).values(id=seq, record_hash=hash_, **row)]
        if seq % self.checkpoint_every == 0:
            at = utcnow()
            writes.append(insert(CHECKPOINT).values(id=seq, at=at, record_hash=hash_, **signed))
        new_head = update(HEAD).where(HEAD.c.id == 1).values(head_hash=hash_, **signed)
        touched = fields.get("touched") or []
        if connection.dialect.name == "postgresql":
            _all_at_once(connection, new_head, writes, seq, touched)
        else:
            for write in writes:
                connection.execute(write)
            if touched:
                connection.execute(insert(TOUCH), [{"record_id": seq, **t} for t in touched])
            connection.execute(new_head)
        return int(seq)

    def close(self) -> None:
        if self.thread_engine is not None:
            self.thread_engine.dispose()
