"""A confidential concern raised with the IDeA clearing house about an authority."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, UTCDateTime, enum_column, utcnow
from hub.models.enums import ConcernStatus


class Concern(Base):
    __tablename__ = "concern"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    raised_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    raised_by_principal_id: Mapped[int | None] = mapped_column(ForeignKey("principal.id"))
    subject: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[ConcernStatus] = mapped_column(enum_column(ConcernStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
