"""Appending to the chain: one short transaction per record, serialised on the chain-head row.

The first statement of the transaction increments the head's `seq` (a row lock on PostgreSQL,
the database write lock on SQLite), so appends from any number of hub processes take turns and
the chain stays one chain. The record, its touches, the new signed head and (every
`checkpoint_every` records) a signed checkpoint are written in the same transaction: all or
none (on PostgreSQL as one statement after the first). Each signature is stored with the id of
the key that made it (hub.audit.keys).

On PostgreSQL a process that knows the head (it wrote the last record) appends in a single
statement instead, guarded on that head's seq and hash (`_guarded`): all or none again, and
where another process appended first it writes nothing and the append takes the locked way.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    BindParameter,
    Connection,
    Engine,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hub.audit.chain import record_hash, sign
from hub.audit.draft import AccessDraft
from hub.audit.keys import DEVELOPMENT_KEY, Keyring, SigningKeyError, SigningKeyMissing, keyring
from hub.db import reads, sqlite_thread_engine
from hub.memo import Memo
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


# Each append's statements are built once for each shape (the record's fields, a checkpoint
# or not, touches or not), their values named parameters given when they run: building them
# anew took about half a millisecond of every request. The names carry a prefix, since a
# column's own name is reserved for SQLAlchemy's automatic parameters.
_BUILT = Memo(64)


def _param(name: str, **kw: Any) -> BindParameter[Any]:
    return bindparam(f"a_{name}", **kw)


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {f"a_{name}": value for name, value in values.items()}


_BUMP = (
    update(HEAD)
    .where(HEAD.c.id == 1)
    .values(seq=HEAD.c.seq + 1)
    .returning(HEAD.c.seq, HEAD.c.head_hash)
)
_SIGNED = {"signature": _param("signature"), "key_id": _param("key_id")}
_NEW_HEAD = update(HEAD).where(HEAD.c.id == 1).values(head_hash=_param("record_hash"), **_SIGNED)
_CHECKPOINT = insert(CHECKPOINT).values(
    id=_param("id"), at=_param("checkpoint_at"), record_hash=_param("record_hash"), **_SIGNED
)


def _record(names: tuple[str, ...]) -> Insert:
    return insert(RECORD).values({name: _param(name) for name in names})


def _all_at_once(names: tuple[str, ...], checkpoint: bool, touched: bool) -> Update:
    """The record's writes and the new head as one PostgreSQL statement (data-modifying CTEs):
    one round trip instead of three or four, while every other append waits on the head row."""
    writes = [_record(names), *([_CHECKPOINT] if checkpoint else [])]
    if touched:
        writes.append(_unnested_touches())
    new_head = _NEW_HEAD
    for n, write in enumerate(writes):
        new_head = new_head.add_cte(write.cte(f"write_{n}"))
    return new_head


def _guarded(names: tuple[str, ...], checkpoint: bool, touched: bool) -> Select[Any]:
    """The whole append as one PostgreSQL statement, run outside a transaction (each statement
    is atomic): the head moves from the position and hash this process last knew to the
    record's, and the record, its touches and the checkpoint are written only if it did. No
    row comes back where the head is not that one (another process appended first, or a
    commit this process counted on failed). Three round trips fewer than BEGIN, the bump, the
    writes and COMMIT, and no row lock held between round trips."""
    moved = (
        update(HEAD)
        .where(
            HEAD.c.id == 1,
            HEAD.c.seq == _param("prev_seq", type_=BigInteger),
            HEAD.c.head_hash == _param("prev_hash"),
        )
        .values(seq=_param("id", type_=BigInteger), head_hash=_param("record_hash"), **_SIGNED)
        .returning(HEAD.c.seq)
        .cte("moved")
    )

    def when_moved(table: Table, columns: tuple[str, ...], named: dict[str, str]) -> Insert:
        chosen = [_param(named.get(c, c), type_=table.c[c].type) for c in columns]
        return insert(table).from_select(list(columns), select(*chosen).select_from(moved))

    writes = [when_moved(RECORD, names, {})]
    if checkpoint:
        columns = ("id", "at", "record_hash", "signature", "key_id")
        writes.append(when_moved(CHECKPOINT, columns, {"at": "checkpoint_at"}))
    if touched:
        rows = _touch_rows()
        chosen = select(moved.c.seq, *(rows.c[n] for n in _TOUCH_COLUMNS))
        writes.append(
            insert(TOUCH).from_select(
                ["record_id", *_TOUCH_COLUMNS], chosen.join_from(moved, rows, true())
            )
        )
    stmt = select(moved.c.seq)
    for n, write in enumerate(writes):
        stmt = stmt.add_cte(write.cte(f"write_{n}"))
    return stmt


def _touch_rows() -> Any:
    arrays = [_param(f"touch_{n}", type_=ARRAY(TOUCH.c[n].type)) for n in _TOUCH_COLUMNS]
    return func.unnest(*arrays).table_valued(*_TOUCH_COLUMNS).render_derived()


def _unnested_touches() -> Insert:
    """Every touch in one INSERT, each column sent as an array (PostgreSQL; a national table
    touches 353 authorities, and as many rows sent one by one took several milliseconds)."""
    rows = _touch_rows()
    chosen = select(_param("id", type_=BigInteger), *(rows.c[n] for n in _TOUCH_COLUMNS))
    return insert(TOUCH).from_select(["record_id", *_TOUCH_COLUMNS], chosen)


def _touch_arrays(touched: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {f"touch_{n}": [t[n] for t in touched] for n in _TOUCH_COLUMNS}


def _insert_touches(connection: Connection, seq: int, touched: list[dict[str, Any]]) -> None:
    """Every touch through the driver's executemany, with the INSERT SQLAlchemy compiles once
    from the table: its own per-row parameter handling took 1 of 2.6 ms for a national
    table's 335 touches (SQLite; PostgreSQL sends them as arrays)."""
    columns = ("record_id", *_TOUCH_COLUMNS)
    text = _BUILT.get(
        ("touches", connection.dialect.name),
        lambda: str(insert(TOUCH).compile(dialect=connection.dialect, column_keys=columns)),
    )
    connection.exec_driver_sql(text, [(seq, *(t[n] for n in _TOUCH_COLUMNS)) for t in touched])


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
        # PostgreSQL: the head as this process last wrote or read it, and its appends one at a
        # time, so each is one guarded statement (_guarded) while no other process appends.
        self._head: tuple[int, str] | None = None
        self._turn = asyncio.Lock()

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
        if self.engine.dialect.name != "postgresql":
            async with self.engine.begin() as connection:
                return await connection.run_sync(self._write, fields)
        async with self._turn:
            if self._head is not None:
                async with reads(self.engine).connect() as connection:
                    seq = await connection.run_sync(self._write_guarded, fields, self._head)
                if seq is not None:
                    return seq
            # The head unknown, or another process appended first: wait for the head row's
            # lock, as every append did before, and know the head again.
            async with self.engine.begin() as connection:
                return await connection.run_sync(self._write, fields)

    def _append_in_thread(self, engine: Engine, fields: dict[str, Any]) -> int:
        with engine.begin() as connection:
            return self._write(connection, fields)

    def _values(self, fields: dict[str, Any], seq: int, prev_hash: str) -> dict[str, Any]:
        """The record at position `seq` after `prev_hash`: hashed, signed, and what the new
        head and a checkpoint are given."""
        row = {**fields, "prev_hash": prev_hash}
        hash_ = record_hash(row)
        return {
            **row,
            "id": seq,
            "record_hash": hash_,
            "signature": sign(self.key, seq, hash_),
            "key_id": self.key_id,
            "checkpoint_at": utcnow(),
        }

    def _shape(
        self, fields: dict[str, Any], seq: int
    ) -> tuple[tuple[str, ...], bool, list[dict[str, Any]]]:
        """What shapes an append's statements: the record's columns (as `_values` gives them),
        whether a checkpoint falls due at `seq`, and the touches."""
        names = ("id", "record_hash", *fields, "prev_hash")
        return names, seq % self.checkpoint_every == 0, fields.get("touched") or []

    def _write_guarded(
        self, connection: Connection, fields: dict[str, Any], head: tuple[int, str]
    ) -> int | None:
        """The record after `head`, in one statement; None if the head had moved on."""
        prev_seq, prev_hash = head
        values = self._values(fields, prev_seq + 1, prev_hash)
        names, checkpoint, touched = self._shape(fields, prev_seq + 1)
        key = ("guarded", names, checkpoint, bool(touched))
        stmt = _BUILT.get(key, lambda: _guarded(names, checkpoint, bool(touched)))
        given = _given({**values, "prev_seq": prev_seq, **_touch_arrays(touched)})
        if connection.execute(stmt, given).first() is None:
            return None
        self._head = (prev_seq + 1, values["record_hash"])
        return prev_seq + 1

    def _write(self, connection: Connection, fields: dict[str, Any]) -> int:
        seq, prev_hash = connection.execute(_BUMP).one()
        values = self._values(fields, seq, prev_hash)
        names, checkpoint, touched = self._shape(fields, seq)
        if connection.dialect.name == "postgresql":
            key = (names, checkpoint, bool(touched))
            stmt = _BUILT.get(key, lambda: _all_at_once(names, checkpoint, bool(touched)))
            connection.execute(stmt, _given({**values, **_touch_arrays(touched)}))
            self._head = (int(seq), values["record_hash"])
            return int(seq)
        given = _given(values)
        connection.execute(_BUILT.get(names, lambda: _record(names)), given)
        if checkpoint:
            connection.execute(_CHECKPOINT, given)
        if touched:
            _insert_touches(connection, seq, touched)
        connection.execute(_NEW_HEAD, given)
        return int(seq)

    def close(self) -> None:
        if self.thread_engine is not None:
            self.thread_engine.dispose()
