"""The access log: one append-only, hash-chained record per request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
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
    )
