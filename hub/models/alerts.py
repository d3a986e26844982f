"""Early-warning alerts raised by the signal rules (signals/rules.yaml), and the commitments
(self-evaluation, peer challenge) two of those rules watch.

An alert carries what the policies filter its evidence on (authority, source, theme, status), so
it is visible exactly when the records that triggered it would be. At most one alert per rule,
authority and subject is open (or acknowledged) at a time: a partial unique index says so.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, BigId, UTCDateTime, enum_column, utcnow
from hub.models.enums import ObservationStatus


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class CommitmentKind(StrEnum):
    SELF_EVALUATION = "self_evaluation"
    PEER_CHALLENGE = "peer_challenge"


NOT_CLOSED = text("state <> 'closed'")


class Alert(Base):
    """One early warning about one authority, with the evidence that raised it."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))  # the rule's code in signals/rules.yaml
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128))  # what it is about: indicator, framework
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, 16))
    state: Mapped[AlertState] = mapped_column(enum_column(AlertState, 16))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    # What the agreement lines filter on; NULL source: not from a source (mutuality, commitments).
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    theme_code: Mapped[str | None] = mapped_column(ForeignKey("theme.code"))
    status: Mapped[ObservationStatus] = mapped_column(enum_column(ObservationStatus, 16))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id"))
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("principal.id"))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(None, "authority_id", "state"),
        Index(
            "uq_alert_open_rule_authority_subject",
            "rule",
            "authority_id",
            "subject",
            unique=True,
            sqlite_where=NOT_CLOSED,
            postgresql_where=NOT_CLOSED,
        ),
    )


class Commitment(Base):
    """A commitment an authority kept: an annual self-evaluation or a peer-led challenge.

    Modelled minimally for the staleness rules; no adapter feeds it yet (hub services or SQL).
    """

    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    kind: Mapped[CommitmentKind] = mapped_column(enum_column(CommitmentKind))
    completed_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "authority_id", "kind", "completed_on"),)
