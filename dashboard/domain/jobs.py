"""Leases of periodic jobs: one row per job names who runs it and until when.

Several web processes, workers or a cron entry may all try to run the same
job (the escalation pass); only the holder of an unexpired lease does.  A
holder renews its lease on each pass; a crashed holder's lease runs out and
another takes over.  See ``dashboard.commands.job_lease``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime


class JobLease(Base):
    """The lease of one named job."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120), doc="host:pid:random of the holder")
    acquired_at: Mapped[datetime] = mapped_column(LocalDateTime)
    expires_at: Mapped[datetime] = mapped_column(LocalDateTime)
