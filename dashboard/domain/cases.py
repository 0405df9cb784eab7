"""Fraud cases: reported (立案), investigated, solved (破案)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime


class Case(Base):
    """A reported fraud case; ``warning_id`` links it to the warning it grew from."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_station_reported", "station_id", "reported_at"),
        # the open cases by age (metrics.cases.open_case_ages) read from the index alone
        Index("ix_cases_open", "solved_at", "reported_at", "station_id", "county_id", "loss"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    reported_at: Mapped[datetime] = mapped_column(LocalDateTime, index=True)
    fraud_type: Mapped[str] = mapped_column(ForeignKey("fraud_types.code"))
    county_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warning_keys.warning_id"), index=True)
    loss: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(ForeignKey("case_statuses.code"))
    solved_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    suspects_arrested: Mapped[int] = mapped_column(Integer, default=0)
