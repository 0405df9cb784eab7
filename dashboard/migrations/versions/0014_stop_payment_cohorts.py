"""stop-payment cohorts in the aggregate tables: cohort amounts and the money clock's histogram

The funds page's cohort figures (the share of the reported loss stopped and
returned) and its money clock (minutes from the victim's report to the stop)
read the raw ``stop_payments`` of every period compared: a month of a
Guangzhou-sized city is about 110,000 rows, read five times a view.  They
now come from the aggregate tables, on the stop-payment's day of request:

- ``agg_funds_day`` and its county twin get ``cohort_stopped_amount`` and
  ``cohort_returned_amount`` (what was stopped and returned, by now, of the
  stop-payments requested that day);
- the waiting-time histograms (``agg_response_day``, its county and month
  twins) get the measure ``stop_payment``: a stopped stop-payment's wait
  from ``reported_at`` to ``stopped_at``, in the same buckets.

Upgrading fills both from the stored stop-payments; downgrading removes them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of dashboard.domain.aggregates at this revision.
RESPONSE_BUCKET_STEPS = ((0, 1), (60, 5), (180, 15), (360, 60))
RESPONSE_LAST_BUCKET = 1440
RESPONSE_BUCKETS = (*range(0, 60), *range(60, 180, 5), *range(180, 360, 15), *range(360, 1440, 60), 1440)
FUNDS = ("agg_funds_day", "agg_funds_county_day")
COHORT = ("cohort_stopped_amount", "cohort_returned_amount")
RESPONSE = ("agg_response_day", "agg_response_county_day", "agg_response_county_month")
MEASURE = "stop_payment"


def _sql(sqlite: bool) -> dict[str, str]:
    """The dialect's day of a timestamp, month of a day, and whole seconds from report to stop."""
    if sqlite:
        return {"day": "date({})", "month": "date({}, 'start of month')",
                "seconds": "(CAST(strftime('%s', stopped_at) AS INTEGER) "
                           "- CAST(strftime('%s', reported_at) AS INTEGER))"}
    return {"day": "CAST({} AS DATE)", "month": "CAST(date_trunc('month', {}) AS DATE)",
            "seconds": "CAST(EXTRACT(EPOCH FROM (stopped_at - reported_at)) AS INTEGER)"}


def _bucket(seconds: str) -> str:
    """The histogram bucket (lower bound in minutes) of a wait of ``seconds``, as SQL."""
    minutes = f"({seconds} / 60)"
    whens = [f"WHEN {seconds} < 0 THEN 0", f"WHEN {minutes} >= {RESPONSE_LAST_BUCKET} THEN {RESPONSE_LAST_BUCKET}"]
    whens += [f"WHEN {minutes} >= {start} THEN {start} + ({minutes} - {start}) / {width} * {width}"
              for start, width in reversed(RESPONSE_BUCKET_STEPS)]
    return f"CASE {' '.join(whens)} END"


def upgrade() -> None:
    sql = _sql(op.get_bind().dialect.name == "sqlite")
    for table in FUNDS:
        for column in COHORT:
            op.add_column(table, sa.Column(column, sa.BigInteger(), nullable=False, server_default="0"))
    requested = sql["day"].format("requested_at")
    op.execute(
        "UPDATE agg_funds_day SET cohort_stopped_amount = c.stopped, cohort_returned_amount = c.returned "
        f"FROM (SELECT station_id, {requested} AS day, SUM(stopped_amount) AS stopped, "
        f"SUM(returned_amount) AS returned FROM stop_payments GROUP BY station_id, {requested}) AS c "
        "WHERE agg_funds_day.station_id = c.station_id AND agg_funds_day.day = c.day")
    op.execute(
        "UPDATE agg_funds_county_day SET cohort_stopped_amount = c.stopped, cohort_returned_amount = c.returned "
        "FROM (SELECT county_id, day, SUM(cohort_stopped_amount) AS stopped, SUM(cohort_returned_amount) "
        "AS returned FROM agg_funds_day GROUP BY county_id, day) AS c "
        "WHERE agg_funds_county_day.county_id = c.county_id AND agg_funds_county_day.day = c.day")

    columns = [f"m{b}" for b in RESPONSE_BUCKETS]
    # counted by bucket first, then spread over the columns (each wait's bucket worked out once)
    counted = ", ".join(f"SUM(CASE WHEN bucket = {b} THEN n ELSE 0 END)" for b in RESPONSE_BUCKETS)
    bucket = _bucket(sql["seconds"])
    op.execute(
        f"INSERT INTO agg_response_day (station_id, day, county_id, measure, {', '.join(columns)}) "
        f"SELECT station_id, day, county_id, '{MEASURE}', {counted} FROM ("
        f"SELECT station_id, {requested} AS day, county_id, {bucket} AS bucket, COUNT(*) AS n "
        f"FROM stop_payments WHERE stopped_at IS NOT NULL GROUP BY station_id, {requested}, county_id, {bucket}"
        ") AS waits GROUP BY station_id, day, county_id")
    summed = ", ".join(f"SUM({c})" for c in columns)
    op.execute(
        f"INSERT INTO agg_response_county_day (county_id, day, measure, {', '.join(columns)}) "
        f"SELECT county_id, day, measure, {summed} FROM agg_response_day WHERE measure = '{MEASURE}' "
        "GROUP BY county_id, day, measure")
    month = sql["month"].format("day")
    op.execute(
        f"INSERT INTO agg_response_county_month (county_id, day, measure, {', '.join(columns)}) "
        f"SELECT county_id, {month}, measure, {summed} FROM agg_response_county_day "
        f"WHERE measure = '{MEASURE}' GROUP BY county_id, {month}, measure")


def downgrade() -> None:
    for table in RESPONSE:
        op.execute(f"DELETE FROM {table} WHERE measure = '{MEASURE}'")
    for table in FUNDS:
        for column in COHORT:
            op.drop_column(table, column)
