"""Emergency stop-payment, freezing and return of a victim's funds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime
from dashboard.domain.personal_data import EncryptedString

ACCOUNT = "stop_payments.account"


class StopPayment(Base):
    """A request to a bank to stop a receiving account, and what came of it.

    Amounts are whole yuan; each stage (stopped, frozen, returned) has its
    amount and the time it happened, empty until it does.
    """

    __tablename__ = "stop_payments"
    __table_args__ = (
        Index("ix_stop_payments_station_requested", "station_id", "requested_at"),
        Index("ix_stop_payments_requested_at", "requested_at"),
        Index("ix_stop_payments_stopped_amount", "stopped_amount", "id"),  # the largest, read backwards
        Index("uq_stop_payments_source_external_id", "source", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str | None] = mapped_column(String(40), doc="Set when it came through ingest")
    external_id: Mapped[str | None] = mapped_column(String(64))
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warning_keys.warning_id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    account: Mapped[str] = mapped_column(EncryptedString(255, purpose=ACCOUNT),
                                         doc="The receiving account; encrypted at rest")
    bank: Mapped[str] = mapped_column(String(80))
    reported_at: Mapped[datetime] = mapped_column(LocalDateTime, doc="When the victim reported the payment")
    requested_at: Mapped[datetime] = mapped_column(LocalDateTime)
    requested_amount: Mapped[int] = mapped_column(BigInteger)
    stopped_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    stopped_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    frozen_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    frozen_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    returned_amount: Mapped[int] = mapped_column(BigInteger, default=0)
