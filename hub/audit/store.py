"""Appending to the chain: one short transaction per record, serialised on the chain-head row.

The first statement of the transaction increments the head's `seq` (a row lock on PostgreSQL,
the database write lock on SQLite), so appends from any number of hub processes take turns and
the chain stays one chain. The record, its touches, the new signed head and (every
`checkpoint_every` records) a signed checkpoint are written in the same transaction: all or none.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.audit.chain import record_hash, sign
from hub.audit.draft import AccessDraft
from hub.models.audit import AccessChainHead, AccessCheckpoint, AccessRecord, AccessTouch
from hub.models.base import utcnow
from hub.settings import Settings

log = logging.getLogger("hub.audit")

RECORD: Table = AccessRecord.__table__  # type: ignore[assignment]
TOUCH: Table = AccessTouch.__table__  # type: ignore[assignment]
HEAD: Table = AccessChainHead.__table__  # type: ignore[assignment]
CHECKPOINT: Table = AccessCheckpoint.__table__  # type: ignore[assignment]

# Used only in development mode when HUB_AUDIT_SIGNING_KEY is unset: public, so worthless.
DEVELOPMENT_KEY = b"hub-development-audit-key-not-secret"


class SigningKeyMissing(RuntimeError):
    pass


def signing_key(settings: Settings) -> bytes:
    """The audit signing key; production refuses to run without one."""
    if settings.audit_signing_key is not None:
        return settings.audit_signing_key.get_secret_value().encode()
    if settings.mode == "production":
        raise SigningKeyMissing("HUB_AUDIT_SIGNING_KEY must be set in production mode")
    log.warning(
        "HUB_AUDIT_SIGNING_KEY is unset: signing access-log checkpoints with the public "
        "development key"
    )
    return DEVELOPMENT_KEY


class AccessLog:
    """Appends access records for one hub process."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], key: bytes, checkpoint_every: int
    ) -> None:
        self.sessions = sessions
        self.key = key
        self.checkpoint_every = checkpoint_every

    async def record(self, draft: AccessDraft) -> int:
        return await self.append(draft.fields())

    async def append(self, fields: dict[str, Any]) -> int:
        """Write one record at the end of the chain; returns its position (= its id)."""
        async with self.sessions() as session, session.begin():
            bumped = await session.execute(
                update(HEAD)
                .where(HEAD.c.id == 1)
                .values(seq=HEAD.c.seq + 1)
                .returning(HEAD.c.seq, HEAD.c.head_hash)
            )
            seq, prev_hash = bumped.one()
            row = {**fields, "prev_hash": prev_hash}
            hash_ = record_hash(row)
            await session.execute(insert(RECORD).values(id=seq, record_hash=hash_, **row))
            if touched := fields.get("touched"):
                await session.execute(insert(TOUCH), [{"record_id": seq, **t} for t in touched])
            signature = sign(self.key, seq, hash_)
            await session.execute(
                update(HEAD).where(HEAD.c.id == 1).values(head_hash=hash_, signature=signature)
            )
            if seq % self.checkpoint_every == 0:
                await session.execute(
                    insert(CHECKPOINT).values(
                        id=seq, at=utcnow(), record_hash=hash_, signature=signature
                    )
                )
            return int(seq)
