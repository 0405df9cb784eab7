"""File imports started from the web page: one row per uploaded file, from upload to summary.

A person with ``import_files`` uploads a file; the app keeps it under the
instance folder (``stored_name``), shows what it detected and a preview, and
on commit queues the job. A background thread of the web process runs it
(``dashboard.jobs.imports``) and writes its progress here, so any worker can
show it. ``scope_unit_id`` is the unit whose stations the rows may name (a
commander's county); empty for a system-wide import. The refused rows, as the
file had them plus a reason column, go to an XLSX (``refused_name``) that
only the uploader may download; both files are deleted after the keep period.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime

STATES = ("uploaded", "queued", "running", "done", "failed", "cancelled", "interrupted")
FINISHED = frozenset({"done", "failed", "cancelled", "interrupted"})


class ImportJob(Base):
    """One uploaded file and what its import did."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, doc="Who uploaded it")
    scope_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id"), doc="The unit whose stations its rows may name; empty: any")
    file_name: Mapped[str] = mapped_column(String(200), doc="The name the file was uploaded under")
    stored_name: Mapped[str] = mapped_column(String(80), doc="Its name in the instance folder")
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str | None] = mapped_column(String(20), doc="warnings, outcomes or stop-payments")
    source: Mapped[str | None] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64), doc="The zone of times written without one")
    language: Mapped[str] = mapped_column(String(8), doc="The language of the refused rows' reasons")
    maps: Mapped[str | None] = mapped_column(Text, doc="JSON: column key -> field, as edited")
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    state: Mapped[str] = mapped_column(String(12), default="uploaded", doc=", ".join(STATES))
    batch: Mapped[str | None] = mapped_column(String(40), doc="file:<id> of its rejected records")
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_size: Mapped[int] = mapped_column(BigInteger, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, doc="JSON: {reason, params} of a failed import")
    refused_name: Mapped[str | None] = mapped_column(String(80), doc="The refused rows' XLSX")
    created_at: Mapped[datetime] = mapped_column(LocalDateTime)
    started_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(LocalDateTime)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def counts(self) -> dict[str, int]:
        return {"inserted": self.inserted, "duplicate": self.duplicate, "updated": self.updated,
                "rejected": self.rejected}
