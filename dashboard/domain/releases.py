"""What each reader already received from the statistics builder: the release ledger.

Disclosure control of one publication protects its own tables; two
publications of nested or overlapping periods could still be subtracted.
So every publication shown or exported to a reader is a **release**
(``StatisticsRelease``: who, which request, over which figures, and the
status of every cell, so that the same request over the same figures is
answered the same way), and every additive cell it showed is a
**released cell** (``ReleasedCell``: a unit's measure over whole days,
with the value given).  The next publication for the same reader is
protected against everything that reader was given before
(``statistics.ledger``).  Rows are written only by
``statistics.ledger.record_release``; nothing is ever updated.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime


class StatisticsRelease(Base):
    __tablename__ = "statistics_releases"
    __table_args__ = (
        UniqueConstraint("recipient", "request_key", "values_key", name="uq_statistics_release"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(80), doc="user:<id>, or cli:<login> for the CLI")
    request_key: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the request and threshold")
    values_key: Mapped[str] = mapped_column(String(64), doc="SHA-256 of every cell's exact value")
    statuses: Mapped[str] = mapped_column(Text, doc="JSON: [cell key, status] of every cell")
    released_at: Mapped[datetime] = mapped_column(LocalDateTime)


class ReleasedCell(Base):
    __tablename__ = "released_cells"
    __table_args__ = (
        UniqueConstraint("recipient", "unit_code", "measure", "first_day", "last_day",
                         name="uq_released_cell"),
        Index("ix_released_cells_recipient_unit", "recipient", "unit_code", "measure"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("statistics_releases.id"))
    recipient: Mapped[str] = mapped_column(String(80))
    unit_code: Mapped[str] = mapped_column(String(32))
    measure: Mapped[str] = mapped_column(String(120), doc="received, or received:fraud_type:<code>")
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(BigInteger, doc="Exact, when released (yuan or a count)")
    withheld: Mapped[bool] = mapped_column(Boolean, doc='Shown as "<5" or "x": to stay unknown')
