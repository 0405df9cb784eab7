"""What each source's feed delivered, hour by hour: the arrival records of the silence watch.

A warning carries its event time (``received_at``: when upstream flagged it)
but not when it reached us.  ``feed_arrivals`` keeps, per source and local
(Asia/Shanghai) hour of arrival, how many warning records arrived and were
stored (inserted, updated or sent again), how many were refused, when the
last stored one arrived, and the lag between event time and arrival of the
new ones (count, sum and largest, in seconds).  Every ingest batch of
warnings adds to its row in the batch's own transaction
(``dashboard.ingest.arrivals``); ``dashboard.metrics.feeds`` reads it for
the usual rate by hour of day and for the silence flags.

History written before the table existed (the migration) and the demo's
generated history are counted by the hour of their event time, with no
measured lag (``lag_count`` 0).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime


class FeedArrival(Base):
    __tablename__ = "feed_arrivals"

    source: Mapped[str] = mapped_column(String(40), primary_key=True,
                                        doc="The source the records were sent under")
    hour: Mapped[datetime] = mapped_column(LocalDateTime, primary_key=True,
                                           doc="Start of the local hour they arrived in")
    arrived: Mapped[int] = mapped_column(Integer, default=0,
                                         doc="Warning records stored (inserted, updated, duplicates)")
    rejected: Mapped[int] = mapped_column(Integer, default=0, doc="Warning records refused")
    last_arrival_at: Mapped[datetime | None] = mapped_column(
        LocalDateTime, doc="When the last stored record of the hour arrived")
    lag_count: Mapped[int] = mapped_column(Integer, default=0,
                                           doc="New warnings whose lag was measured")
    lag_seconds_sum: Mapped[int] = mapped_column(BigInteger, default=0,
                                                 doc="Their seconds from event time to arrival, summed")
    lag_seconds_max: Mapped[int] = mapped_column(Integer, default=0, doc="The longest of those lags")
