"""Performance records: indicator observations, inspection assessments and flags.

History is kept: a correction inserts a new row that `supersedes` the old one and stamps the old
row's `superseded_at`; values are never overwritten. "Current" means `superseded_at IS NULL`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, BigId, UTCDateTime, enum_column, utcnow
from hub.models.enums import FlagKind, Framework, ObservationStatus


class Observation(Base):
    """One value of an indicator for an authority and period (e.g. NI 192, 2008-Q3)."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    period: Mapped[str] = mapped_column(String(16))  # label as submitted: 2008-Q3, 2015-16
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)  # LAA target, where one applies
    status: Mapped[ObservationStatus] = mapped_column(enum_column(ObservationStatus, 16))
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batch.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("observation.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # Region/authority panels: authorities x indicators x a period range.
        Index(None, "authority_id", "indicator_id", "period_start"),
        # National tables and quartiles: one indicator and period across all authorities.
        Index(None, "indicator_id", "period_start"),
        Index(None, "batch_id"),
    )


class Assessment(Base):
    """An inspectorate's published judgement: CPA stars, CAA scores, Ofsted or CQC grades."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    framework: Mapped[Framework] = mapped_column(enum_column(Framework))
    period: Mapped[str] = mapped_column(String(16))  # assessment year, e.g. 2008
    score: Mapped[int | None] = mapped_column()  # stars 0-4 or grade 1-4
    judgement: Mapped[str | None] = mapped_column(String(64))
    direction_of_travel: Mapped[str | None] = mapped_column(String(64))
    published_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ObservationStatus] = mapped_column(enum_column(ObservationStatus, 16))
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batch.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index(None, "authority_id", "framework", "published_on"),)


class Flag(Base):
    """A CAA red or green flag, or a government improvement notice."""

    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind))
    title: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str | None] = mapped_column(Text)
    raised_on: Mapped[date] = mapped_column(Date)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ObservationStatus] = mapped_column(enum_column(ObservationStatus, 16))
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batch.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
