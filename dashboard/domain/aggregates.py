"""Pre-aggregated tables: the raw rows summed to the grain each dashboard view reads.

Derived data only: ``dashboard.aggregates.rebuild`` recomputes them from the
raw rows, and the ingest and outcome commands keep them current in the same
transaction (``dashboard.aggregates.maintain``).  Every row is keyed by the
unit the raw row was routed to and by the local (Asia/Shanghai) day or hour
on which the counted event happened; each measure's doc names that event.
Rows whose measures are all zero are not kept.

Station tables are keyed ``(station_id, day, ...)`` so a station's or a
county's stations' figures are index range scans.  Every station table
also has a county twin (``*_county_day``, the same sums without the
station) that city and county views read: a city-wide year is then a few
thousand rows, not hundreds of thousands (at Guangzhou scale, 300 stations
in 11 districts, a year of ``agg_warnings_day`` alone is 110 k rows, its
twin 4 k).  The county twins with a breakdown (outcome, fraud type,
method, the waiting-time histograms of 131 columns) have a month twin too
(``*_county_month``, keyed by the month's first day): a year of them is
then 12 rows a county and item instead of 365.  Rows a year for 48 stations at 3,000 warnings a day: warnings
17 k, outcomes 70 k (county 11 k), fraud types 190 k (county 26 k), hours
300 k (read only for a day at a time), attempts 100 k (county 13 k),
response histogram 35 k (county 4 k), funds 17 k, cases 17 k, publicity 8 k.

Waiting times (to first contact, to the first door visit, from a victim's
report to the stop of the payment) cannot be summed as medians, so they are
stored as histograms: one column per minute bucket
(``RESPONSE_BUCKETS``), summed over any period and unit, and the percentiles
read from the sums.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime

# the waits counted: a warning's (on its day of receipt), and a stop-payment's (on its day of request)
RESPONSE_MEASURES = ("first_contact", "door_visit", "stop_payment")
# The histogram buckets of waiting times: (first bucket start, width) of each
# stretch, in minutes: whole minutes up to an hour, then 5 minutes to 3 h,
# 15 minutes to 6 h, hours to a day, and one last bucket for a day or more.
RESPONSE_BUCKET_STEPS: tuple[tuple[int, int], ...] = ((0, 1), (60, 5), (180, 15), (360, 60))
RESPONSE_LAST_BUCKET = 1440
RESPONSE_BUCKETS: tuple[int, ...] = (  # the same, listed: every bucket's lower bound
    *range(0, 60), *range(60, 180, 5), *range(180, 360, 15), *range(360, 1440, 60), 1440)


def response_bucket(seconds: int) -> int:
    """The bucket (its lower bound in minutes) of a wait of ``seconds``; negatives count as 0."""
    if seconds < 0:
        return 0
    minutes = seconds // 60
    if minutes >= RESPONSE_LAST_BUCKET:
        return RESPONSE_LAST_BUCKET
    for start, width in reversed(RESPONSE_BUCKET_STEPS):
        if minutes >= start:
            return start + (minutes - start) // width * width
    raise AssertionError("unreachable")


def bucket_column(lower: int) -> str:
    """The histogram column of the bucket starting at ``lower`` minutes."""
    return f"m{lower}"


def _key(doc: str) -> Mapped[int]:
    return mapped_column(Integer, primary_key=True, autoincrement=False, doc=doc)


def _day() -> Mapped[date]:
    return mapped_column(Date, primary_key=True)


def _code(doc: str) -> Mapped[str]:
    return mapped_column(String(40), primary_key=True, doc=doc)


def _count(doc: str) -> Mapped[int]:
    return mapped_column(Integer, default=0, doc=doc)


def _yuan(doc: str) -> Mapped[int]:
    return mapped_column(BigInteger, default=0, doc=doc)


class _WarningMeasures:
    received: Mapped[int] = _count("Warnings received")
    amount_at_risk: Mapped[int] = _yuan("Sum of amount_at_risk of those warnings")
    contacted: Mapped[int] = _count("Of those, warnings with a first contact")
    contacted_on_time: Mapped[int] = _count("Of those, first contact at or before deadline_at")


class WarningDay(_WarningMeasures, Base):
    """Warnings by station and day of receipt (``received_at``)."""

    __tablename__ = "agg_warnings_day"

    station_id: Mapped[int] = _key("The warning's station")
    day: Mapped[date] = _day()
    county_id: Mapped[int] = _key("The warning's county")


class WarningCountyDay(_WarningMeasures, Base):
    """``WarningDay`` summed over each county's stations."""

    __tablename__ = "agg_warnings_county_day"

    county_id: Mapped[int] = _key("The warning's county")
    day: Mapped[date] = _day()


class _OutcomeMeasures:
    outcome: Mapped[str] = _code("The outcome recorded at closing")
    closed: Mapped[int] = _count("Warnings closed (closed_at) with this outcome")
    amount_at_risk: Mapped[int] = _yuan("Sum of their amount_at_risk")
    loss: Mapped[int] = _yuan("Sum of their loss")
    loss_avoided: Mapped[int] = _yuan("Sum of their loss_avoided")


class OutcomeDay(_OutcomeMeasures, Base):
    """Closed warnings by station, day of closing (``closed_at``) and outcome."""

    __tablename__ = "agg_outcomes_day"

    station_id: Mapped[int] = _key("The warning's station")
    day: Mapped[date] = _day()
    county_id: Mapped[int] = _key("The warning's county")


class OutcomeCountyDay(_OutcomeMeasures, Base):
    """``OutcomeDay`` summed over each county's stations."""

    __tablename__ = "agg_outcomes_county_day"

    county_id: Mapped[int] = _key("The warning's county")
    day: Mapped[date] = _day()


class OutcomeCountyMonth(_OutcomeMeasures, Base):
    """``OutcomeCountyDay`` summed by month: ``day`` is the first day of the month."""

    __tablename__ = "agg_outcomes_county_month"

    county_id: Mapped[int] = _key("The warning's county")
    day: Mapped[date] = _day()


class _FraudTypeMeasures:
    fraud_type: Mapped[str] = _code("The warning's fraud type")
    received: Mapped[int] = _count("Warnings received (received_at)")
    amount_at_risk: Mapped[int] = _yuan("Sum of their amount_at_risk")


class FraudTypeDay(_FraudTypeMeasures, Base):
    """Warnings by station, day of receipt and fraud type."""

    __tablename__ = "agg_fraud_types_day"

    station_id: Mapped[int] = _key("The warning's station")
    day: Mapped[date] = _day()
    county_id: Mapped[int] = _key("The warning's county")


class FraudTypeCountyDay(_FraudTypeMeasures, Base):
    """``FraudTypeDay`` summed over each county's stations."""

    __tablename__ = "agg_fraud_types_county_day"

    county_id: Mapped[int] = _key("The warning's county")
    day: Mapped[date] = _day()


class FraudTypeCountyMonth(_FraudTypeMeasures, Base):
    """``FraudTypeCountyDay`` summed by month: ``day`` is the first day of the month."""

    __tablename__ = "agg_fraud_types_county_month"

    county_id: Mapped[int] = _key("The warning's county")
    day: Mapped[date] = _day()


class WarningHour(Base):
    """Warnings by station and hour of receipt (the hour's start, local time): the live view."""

    __tablename__ = "agg_warnings_hour"
    # by hour first: the live panel and the anomaly windows read hours of every station in scope
    __table_args__ = (Index("ix_agg_warnings_hour_hour", "hour", "station_id", "county_id", "received"),)

    station_id: Mapped[int] = _key("The warning's station")
    hour: Mapped[datetime] = mapped_column(LocalDateTime, primary_key=True)
    county_id: Mapped[int] = _key("The warning's county")
    received: Mapped[int] = _count("Warnings received in the hour")


class _DissuasionMeasures:
    method: Mapped[str] = _code("The attempt's method")
    attempts: Mapped[int] = _count("Attempts started (started_at)")
    reached: Mapped[int] = _count("Of those, attempts whose result reached the person")
    dissuaded: Mapped[int] = _count("Of those, attempts whose result was a dissuasion")


class DissuasionDay(_DissuasionMeasures, Base):
    """Dissuasion attempts by their warning's station, day of the attempt and method."""

    __tablename__ = "agg_dissuasions_day"

    station_id: Mapped[int] = _key("The warning's station")
    day: Mapped[date] = _day()
    county_id: Mapped[int] = _key("The warning's county")


class DissuasionCountyDay(_DissuasionMeasures, Base):
    """``DissuasionDay`` summed over each county's stations."""

    __tablename__ = "agg_dissuasions_county_day"

    county_id: Mapped[int] = _key("The warning's county")
    day: Mapped[date] = _day()


class DissuasionCountyMonth(_DissuasionMeasures, Base):
    """``DissuasionCountyDay`` summed by month: ``day`` is the first day of the month."""

    __tablename__ = "agg_dissuasions_county_month"

    county_id: Mapped[int] = _key("The warning's county")
    day: Mapped[date] = _day()


def _response_table(name: str, unit: str, county: bool) -> Table:
    units = [Column("county_id", Integer, primary_key=True, autoincrement=False)] if county else []
    return Table(
        name, Base.metadata,
        Column(unit, Integer, primary_key=True, autoincrement=False),
        Column("day", Date, primary_key=True),
        *units,
        Column("measure", String(20), primary_key=True,
               doc="first_contact: received_at to first_contact_at; door_visit: received_at "
                   "to the start of the first door-visit attempt (both on the warning's day of "
                   "receipt); stop_payment: a stopped stop-payment's reported_at to stopped_at "
                   "(on its day of request, requested_at)"),
        *(Column(bucket_column(b), Integer, nullable=False, default=0) for b in RESPONSE_BUCKETS),
    )


class ResponseDay(Base):
    """Histogram of waits by station, day and measure (``RESPONSE_MEASURES``; the day: see ``measure``).

    Column ``m<N>`` counts warnings whose wait, in whole minutes (rounded
    down; negatives count as 0), lies in the bucket starting at N minutes
    (see ``RESPONSE_BUCKETS``).
    """

    __table__ = _response_table("agg_response_day", "station_id", county=True)


class ResponseCountyDay(Base):
    """``ResponseDay`` summed over each county's stations."""

    __table__ = _response_table("agg_response_county_day", "county_id", county=False)


class ResponseCountyMonth(Base):
    """``ResponseCountyDay`` summed by month: ``day`` is the first day of the month."""

    __table__ = _response_table("agg_response_county_month", "county_id", county=False)


class _FundsMeasures:
    requests: Mapped[int] = _count("Stop-payments requested (requested_at)")
    requested_amount: Mapped[int] = _yuan("Their requested_amount")
    stopped: Mapped[int] = _count("Accounts stopped (stopped_at)")
    stopped_amount: Mapped[int] = _yuan("Their stopped_amount")
    frozen: Mapped[int] = _count("Accounts frozen (frozen_at)")
    frozen_amount: Mapped[int] = _yuan("Their frozen_amount")
    returned: Mapped[int] = _count("Returns to victims (returned_at)")
    returned_amount: Mapped[int] = _yuan("Their returned_amount")
    # the cohort of the day the stop-payments were requested: what was stopped and returned of them, ever
    cohort_stopped_amount: Mapped[int] = _yuan("stopped_amount of those requested (requested_at)")
    cohort_returned_amount: Mapped[int] = _yuan("returned_amount of those requested (requested_at)")


class FundsDay(_FundsMeasures, Base):
    """Stop-payments by station and the day each stage happened.

    The cohort columns count on the day of request what was (by now) stopped
    and returned of the stop-payments requested that day, as ``requests``
    and ``requested_amount`` do.
    """

    __tablename__ = "agg_funds_day"

    station_id: Mapped[int] = _key("The stop-payment's station")
    day: Mapped[date] = _day()
    county_id: Mapped[int] = _key("The stop-payment's county")


class FundsCountyDay(_FundsMeasures, Base):
    """``FundsDay`` summed over each county's stations."""

    __tablename__ = "agg_funds_county_day"

    county_id: Mapped[int] = _key("The stop-payment's county")
    day: Mapped[date] = _day()


class _CaseMeasures:
    reported: Mapped[int] = _count("Cases reported (reported_at)")
    reported_loss: Mapped[int] = _yuan("Their loss")
    reported_solved: Mapped[int] = _count("Of the cases reported that day, those solved since")
    reported_solved_loss: Mapped[int] = _yuan("Their loss (of the cases reported that day and solved since)")
    solved: Mapped[int] = _count("Cases solved (solved_at)")
    suspects_arrested: Mapped[int] = _count("Suspects arrested in the cases solved that day")


class CaseDay(_CaseMeasures, Base):
    """Cases by station and the day they were reported or solved."""

    __tablename__ = "agg_cases_day"

    station_id: Mapped[int] = _key("The case's station")
    day: Mapped[date] = _day()
    county_id: Mapped[int] = _key("The case's county")


class CaseCountyDay(_CaseMeasures, Base):
    """``CaseDay`` summed over each county's stations."""

    __tablename__ = "agg_cases_county_day"

    county_id: Mapped[int] = _key("The case's county")
    day: Mapped[date] = _day()


class PublicityDay(Base):
    """Publicity events by the unit that held them (any level), day and kind."""

    __tablename__ = "agg_publicity_day"

    unit_id: Mapped[int] = _key("The unit that held the events")
    day: Mapped[date] = _day()
    kind: Mapped[str] = _code("The kind of publicity")
    county_id: Mapped[int | None] = mapped_column(Integer, doc="The unit's county; empty for the city")
    events: Mapped[int] = _count("Events held")
    reach: Mapped[int] = _count("People they reached")


# station table -> its county twin
COUNTY_TWINS: dict[type[Base], type[Base]] = {
    WarningDay: WarningCountyDay, OutcomeDay: OutcomeCountyDay, FraudTypeDay: FraudTypeCountyDay,
    DissuasionDay: DissuasionCountyDay, ResponseDay: ResponseCountyDay, FundsDay: FundsCountyDay,
    CaseDay: CaseCountyDay,
}

# county twin -> its month twin (keyed by the month's first day), for reads of many whole months
MONTH_TWINS: dict[type[Base], type[Base]] = {
    OutcomeCountyDay: OutcomeCountyMonth, FraudTypeCountyDay: FraudTypeCountyMonth,
    DissuasionCountyDay: DissuasionCountyMonth, ResponseCountyDay: ResponseCountyMonth,
}

AGGREGATE_MODELS: tuple[type[Base], ...] = (
    WarningDay, WarningCountyDay, OutcomeDay, OutcomeCountyDay, OutcomeCountyMonth, FraudTypeDay,
    FraudTypeCountyDay, FraudTypeCountyMonth, WarningHour, DissuasionDay, DissuasionCountyDay,
    DissuasionCountyMonth, ResponseDay, ResponseCountyDay, ResponseCountyMonth, FundsDay, FundsCountyDay,
    CaseDay, CaseCountyDay, PublicityDay,
)
