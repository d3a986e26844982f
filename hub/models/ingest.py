"""An ingest batch: one submission, applied whole or not at all; the provenance of every record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, UTCDateTime, enum_column, utcnow
from hub.models.enums import BatchStatus

SIGNALS_PENDING = text("status = 'applied' AND signals_checked_at IS NULL")


class IngestBatch(Base):
    __tablename__ = "ingest_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    principal_id: Mapped[int | None] = mapped_column(ForeignKey("principal.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    status: Mapped[BatchStatus] = mapped_column(enum_column(BatchStatus))
    row_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set in the transaction that raised its alerts (hub.signals): NULL on an applied batch means
    # its signal rules have yet to run (its process may have died first); recovery picks it up.
    signals_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("organisation_id", "idempotency_key"),
        Index(
            "ix_ingest_batch_signals_pending",
            "id",
            sqlite_where=SIGNALS_PENDING,
            postgresql_where=SIGNALS_PENDING,
        ),
    )
