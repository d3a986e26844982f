"""Information-sharing agreements (versioned: each change is a new version); mutuality statements.

A version covers records by source and/or theme; names its recipients and permitted purposes.
The policies in policies/ decide what a version grants; these tables only hold what was agreed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.models.base import Base, UTCDateTime, enum_column, utcnow
from hub.models.enums import AgreementState, MutualityState, Purpose


class Agreement(Base):
    """The stable identity of one authority's agreement; its terms live in its versions."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement", order_by="AgreementVersion.version"
    )


class AgreementVersion(Base):
    __tablename__ = "agreement_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"))
    version: Mapped[int] = mapped_column()
    # Only the newest version of an agreement is current; older ones are history.
    is_current: Mapped[bool] = mapped_column(default=True)
    state: Mapped[AgreementState] = mapped_column(enum_column(AgreementState))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    include_provisional: Mapped[bool] = mapped_column(default=False)
    allow_aggregates: Mapped[bool] = mapped_column(default=True)
    lawful_basis: Mapped[str] = mapped_column(Text)
    retention: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(255))
    change_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("principal.id"))

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    coverage: Mapped[list[AgreementCoverage]] = relationship(cascade="all, delete-orphan")
    recipients: Mapped[list[AgreementRecipient]] = relationship(cascade="all, delete-orphan")
    purposes: Mapped[list[AgreementPurpose]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("agreement_id", "version"),
        Index(None, "is_current", "state"),
    )


class AgreementCoverage(Base):
    """One line of what a version covers: a source, a theme, or a theme within a source."""

    __tablename__ = "agreement_coverage"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_version.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    theme_code: Mapped[str | None] = mapped_column(ForeignKey("theme.code"))

    __table_args__ = (
        CheckConstraint("source_id IS NOT NULL OR theme_code IS NOT NULL", name="source_or_theme"),
    )


class AgreementRecipient(Base):
    __tablename__ = "agreement_recipient"

    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_version.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)

    __table_args__ = (Index(None, "organisation_id"),)


class AgreementPurpose(Base):
    __tablename__ = "agreement_purpose"

    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_version.id"), primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose), primary_key=True)


class GrantLine(Base):
    """One line a version grants (recipient x purpose x coverage), with the version's terms and
    its authority beside it: what the policies read as `grant`.

    Derived and never written by the hub: triggers on the agreement tables, the authority and
    the agreement keep it equal to their join (migration a7c3e9d2f4b1), so that a
    policy-filtered statement finds the caller's lines by index instead of joining six tables.
    """

    __tablename__ = "grant_line"

    coverage_id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose), primary_key=True)
    version_id: Mapped[int] = mapped_column(index=True)
    agreement_id: Mapped[int] = mapped_column(index=True)
    version: Mapped[int] = mapped_column()
    is_current: Mapped[bool] = mapped_column()
    state: Mapped[AgreementState] = mapped_column(enum_column(AgreementState))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    include_provisional: Mapped[bool] = mapped_column()
    allow_aggregates: Mapped[bool] = mapped_column()
    authority_id: Mapped[int] = mapped_column(index=True)
    authority_region_id: Mapped[int] = mapped_column()
    source_id: Mapped[int | None] = mapped_column()
    theme_code: Mapped[str | None] = mapped_column(String(48))

    __table_args__ = (Index(None, "recipient_id", "purpose"),)


class MutualityStatement(Base):
    """An authority's signed commitment to sector-led improvement, or its withdrawal."""

    __tablename__ = "mutuality_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    state: Mapped[MutualityState] = mapped_column(enum_column(MutualityState))
    signed_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
