"""Early warnings and the dissuasion attempts made on them, and their keys.

A warning is known by ``(source, external_id)``: that key is unique in
``warning_keys`` (one row per warning, never archived), not in ``warnings``,
which PostgreSQL partitions by month of receipt (migration 0025; a
partitioned table's unique indexes must contain the month).  The references
to a warning (attempts, tasks, cases, stop-payments) point at the key table.
``dissuasions`` (by month of the attempt) and ``dissuasion_keys`` likewise.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.domain.base import Base, LocalDateTime
from dashboard.domain.personal_data import EncryptedString, EncryptedText

PHONE, ID_NUMBER, BANK_ACCOUNT = (
    "warnings.person_phone", "warnings.person_id_number", "warnings.person_bank_account")
NAME, ATTEMPT_NOTE = "warnings.person_name", "dissuasions.note"


class Warning(Base):  # noqa: A001 - the domain word
    """One early warning that a person is being defrauded right now.

    Amounts are whole yuan.  ``deadline_at`` is the response deadline set at
    triage from the risk level; ``first_contact_at`` is the start of the first
    dissuasion attempt; ``closed_at`` is when the outcome was recorded.
    """

    __tablename__ = "warnings"
    __table_args__ = (
        Index("ix_warnings_station_received", "station_id", "received_at"),
        # a few minutes of every unit in scope (the live counter, the anomaly windows' edges): the
        # index alone answers them, without reading each warning's row
        Index("ix_warnings_received_unit", "received_at", "station_id", "county_id"),
        # the live queue: only open warnings, a few hundred among millions
        Index("ix_warnings_open", "station_id", "deadline_at",
              sqlite_where=text("status <> 'closed'"), postgresql_where=text("status <> 'closed'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(LocalDateTime)
    fraud_type: Mapped[str] = mapped_column(ForeignKey("fraud_types.code"))
    risk_level: Mapped[str] = mapped_column(ForeignKey("risk_levels.code"))
    channel: Mapped[str] = mapped_column(ForeignKey("channels.code"))

    # encrypted at rest (AES-GCM, key from PERSONAL_DATA_KEY); Python sees the clear value
    person_name: Mapped[str | None] = mapped_column(EncryptedText(purpose=NAME))
    person_phone: Mapped[str | None] = mapped_column(EncryptedString(255, purpose=PHONE))
    person_id_number: Mapped[str | None] = mapped_column(EncryptedString(255, purpose=ID_NUMBER))
    person_bank_account: Mapped[str | None] = mapped_column(EncryptedString(255, purpose=BANK_ACCOUNT))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)

    county_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(ForeignKey("warning_statuses.code"))
    dispatched_county_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    dispatched_station_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    deadline_at: Mapped[datetime] = mapped_column(LocalDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    outcome: Mapped[str | None] = mapped_column(ForeignKey("outcomes.code"))

    amount_at_risk: Mapped[int] = mapped_column(BigInteger, default=0)
    loss: Mapped[int] = mapped_column(BigInteger, default=0)
    loss_avoided: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    dissuasions: Mapped[list[Dissuasion]] = relationship(
        back_populates="warning", order_by="Dissuasion.started_at",
        primaryjoin="Warning.id == foreign(Dissuasion.warning_id)",
    )


class Dissuasion(Base):
    """One attempt to dissuade the person of a warning (a call, a visit, ...)."""

    __tablename__ = "dissuasions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str | None] = mapped_column(String(40), doc="Set when it came through ingest")
    external_id: Mapped[str | None] = mapped_column(String(64))
    warning_id: Mapped[int] = mapped_column(ForeignKey("warning_keys.warning_id"), index=True)
    method: Mapped[str] = mapped_column(ForeignKey("dissuasion_methods.code"))
    officer: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(LocalDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    result: Mapped[str] = mapped_column(ForeignKey("dissuasion_results.code"))
    note: Mapped[str | None] = mapped_column(EncryptedText(purpose=ATTEMPT_NOTE),
                                             doc="Free text: encrypted, never a personal number")

    warning: Mapped[Warning] = relationship(
        back_populates="dissuasions", primaryjoin="Warning.id == foreign(Dissuasion.warning_id)")


class WarningKey(Base):
    """The idempotence key of one warning: unique, and what the references to a warning point at.

    The ingest claims the key first and stores the warning under the id it
    got (on PostgreSQL from the warnings' own id sequence); a warning written
    any other way gets its key from a trigger (migration 0025).
    """

    __tablename__ = "warning_keys"
    __table_args__ = (
        Index("uq_warning_keys_source_external_id", "source", "external_id", unique=True),
    )

    warning_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(64))


class DissuasionKey(Base):
    """The idempotence key of one attempt that came through ingest (those typed in have none)."""

    __tablename__ = "dissuasion_keys"
    __table_args__ = (
        Index("uq_dissuasion_keys_source_external_id", "source", "external_id", unique=True),
    )

    dissuasion_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(64))


def after_warnings(*tables) -> None:
    """Rows naming a warning are written after the warnings of the same flush (their keys come with them)."""
    for table in tables:
        table.add_is_dependent_on(Warning.__table__)


after_warnings(Dissuasion.__table__)
