"""Prevention work: publicity events and the people they reached."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base


class PublicityEvent(Base):
    """One publicity push or offline event held by a unit on a day."""

    __tablename__ = "publicity_events"
    __table_args__ = (Index("ix_publicity_events_unit_day", "unit_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    county_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id"), doc="The county of a county or station event; empty for the city"
    )
    kind: Mapped[str] = mapped_column(ForeignKey("publicity_kinds.code"))
    reach: Mapped[int] = mapped_column(Integer, default=0)
