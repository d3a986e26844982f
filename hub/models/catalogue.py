"""What data exists: sources (owned by the body that pushes them) and indicators."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.models.base import Base, enum_column
from hub.models.enums import Polarity
from hub.models.organisation import Organisation


class Source(Base):
    """A feed one inspectorate or Government Office system owns and pushes."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    theme_code: Mapped[str | None] = mapped_column(ForeignKey("theme.code"))

    organisation: Mapped[Organisation] = relationship()


class Indicator(Base):
    """A measure such as NI 192 or ASC1; `is_demo` marks generated (not official) definitions."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    unit: Mapped[str] = mapped_column(String(32))
    polarity: Mapped[Polarity] = mapped_column(enum_column(Polarity))
    theme_code: Mapped[str] = mapped_column(ForeignKey("theme.code"), index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
