"""Reference geography and vocabulary: regions, authorities, themes."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.models.base import Base


class Region(Base):
    """One of the nine English regions (ONS E12 code)."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)

    authorities: Mapped[list[Authority]] = relationship(back_populates="region")


class Authority(Base):
    """An English council of the April 2009 structure."""

    __tablename__ = "authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    gss_code: Mapped[str] = mapped_column(String(9), unique=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # mySociety / BS-6879 code
    snac: Mapped[str | None] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str] = mapped_column(String(128))
    # CTY county, NMD district, UA unitary, MD metropolitan district, LBO London borough, CC City
    type: Mapped[str] = mapped_column(String(4))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"))

    region: Mapped[Region] = relationship(back_populates="authorities")
    county: Mapped[Authority | None] = relationship(remote_side=[id])

    __table_args__ = (Index(None, "region_id", "type"),)


class Theme(Base):
    """A subject area that sources and indicators belong to; agreements can cover by theme."""

    __tablename__ = "theme"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
