"""The access log: one append-only, hash-chained record per request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, BigId, UTCDateTime, enum_column, utcnow
from hub.models.enums import AccessOutcome


class AccessRecord(Base):
    __tablename__ = "access_record"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    principal_id: Mapped[int | None] = mapped_column(ForeignKey("principal.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(32))
    operation_type: Mapped[str] = mapped_column(String(16))  # query, mutation, ingest, cli ...
    operation_name: Mapped[str | None] = mapped_column(String(128))
    document_hash: Mapped[str | None] = mapped_column(String(64))
    variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[AccessOutcome] = mapped_column(enum_column(AccessOutcome, 16))
    touched: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    trace_id: Mapped[str | None] = mapped_column(String(32))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    record_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index(None, "at"),
        Index(None, "organisation_id", "at"),
        Index(None, "principal_id", "at"),
    )


class AccessTouch(Base):
    """What one access record touched: rows of a kind, per authority and source (an index of the
    record's hashed `touched` JSON, so auditors and authorities can filter in SQL).

    No foreign keys: the record's hash guards these rows (`hub audit verify` reports a touch
    row missing, added or changed), records and authorities are never deleted, and on
    PostgreSQL the three checks per row were most of the cost of writing the access record (a
    national table's 353 touches: 10 of 12 ms) and share-locked the authorities' rows in every
    request."""

    __tablename__ = "access_touch"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(32))
    authority_id: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    agreement_version_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index(None, "record_id"),
        Index(None, "authority_id", "record_id"),
    )


class AccessChainHead(Base):
    """The one row naming the last record of the chain, signed; appends lock it first."""

    __tablename__ = "access_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))  # NULL: the `default` key


class AccessCheckpoint(Base):
    """A signed statement that record `id` of the chain had hash `record_hash`."""

    __tablename__ = "access_checkpoint"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    record_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))  # NULL: the `default` key
