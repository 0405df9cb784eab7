"""aggregate tables: the raw rows summed to each dashboard view's grain

Derived data (see ``dashboard.domain.aggregates``).  Upgrading creates the
tables and fills them from the raw rows already stored, so an existing
database shows correct figures at once; downgrading drops them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of dashboard.domain.aggregates.RESPONSE_BUCKETS at this revision.
RESPONSE_BUCKETS = (*range(0, 60), *range(60, 180, 5), *range(180, 360, 15), *range(360, 1440, 60), 1440)


def _id(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), autoincrement=False, nullable=False)


def _day() -> sa.Column:
    return sa.Column("day", sa.Date(), nullable=False)


def _code(name: str, length: int = 40) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False)


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _yuan(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def _table(name: str, keys: list[sa.Column], *measures: sa.Column) -> None:
    pk = sa.PrimaryKeyConstraint(*(c.name for c in keys), name=op.f(f"pk_{name}"))
    op.create_table(name, *keys, *measures, pk)


def _station(*dims: sa.Column) -> list[sa.Column]:
    return [_id("station_id"), _day(), _id("county_id"), *dims]


def _county(*dims: sa.Column) -> list[sa.Column]:
    return [_id("county_id"), _day(), *dims]


TABLES = ("agg_warnings_day", "agg_outcomes_day", "agg_outcomes_county_day", "agg_fraud_types_day",
          "agg_fraud_types_county_day", "agg_warnings_hour", "agg_dissuasions_day",
          "agg_dissuasions_county_day", "agg_response_day", "agg_response_county_day",
          "agg_funds_day", "agg_cases_day", "agg_publicity_day")


def upgrade() -> None:
    _table("agg_warnings_day", _station(), *_counts("received"), *_yuan("amount_at_risk"),
           *_counts("contacted", "contacted_on_time"))
    outcome = (*_counts("closed"), *_yuan("amount_at_risk", "loss", "loss_avoided"))
    _table("agg_outcomes_day", _station(_code("outcome")), *outcome)
    _table("agg_outcomes_county_day", _county(_code("outcome")),
           *_counts("closed"), *_yuan("amount_at_risk", "loss", "loss_avoided"))
    _table("agg_fraud_types_day", _station(_code("fraud_type")), *_counts("received"),
           *_yuan("amount_at_risk"))
    _table("agg_fraud_types_county_day", _county(_code("fraud_type")), *_counts("received"),
           *_yuan("amount_at_risk"))
    _table("agg_warnings_hour", [_id("station_id"), sa.Column("hour", sa.DateTime(), nullable=False),
                                 _id("county_id")], *_counts("received"))
    _table("agg_dissuasions_day", _station(_code("method")), *_counts("attempts", "reached", "dissuaded"))
    _table("agg_dissuasions_county_day", _county(_code("method")),
           *_counts("attempts", "reached", "dissuaded"))
    buckets = [f"m{lower}" for lower in RESPONSE_BUCKETS]
    _table("agg_response_day", _station(_code("measure", 20)), *_counts(*buckets))
    _table("agg_response_county_day", _county(_code("measure", 20)), *_counts(*buckets))
    _table("agg_funds_day", _station(), *_counts("requests"), *_yuan("requested_amount"),
           *_counts("stopped"), *_yuan("stopped_amount"), *_counts("frozen"),
           *_yuan("frozen_amount"), *_counts("returned"), *_yuan("returned_amount"))
    _table("agg_cases_day", _station(), *_counts("reported"), *_yuan("reported_loss"),
           *_counts("reported_solved", "solved", "suspects_arrested"))
    _table("agg_publicity_day", [_id("unit_id"), _day(), _code("kind")],
           sa.Column("county_id", sa.Integer(), nullable=True), *_counts("events", "reach"))

    # Fill them from the rows already stored (nothing to do on a new database),
    # with the statements of this revision, frozen here (they were the
    # application's rebuild; 0010 refills agg_cases_day, so it is left empty).
    for statement in _fill_statements(op.get_bind().dialect.name == "sqlite"):
        op.execute(statement)


# Frozen copies of dashboard.domain.aggregates at this revision.
RESPONSE_BUCKET_STEPS = ((0, 1), (60, 5), (180, 15), (360, 60))
RESPONSE_LAST_BUCKET = 1440


def _dialect(sqlite: bool) -> dict[str, str]:
    """The dialect's local day and hour of a timestamp, and whole seconds from ``{1}`` to ``{0}``."""
    if sqlite:
        return {"day": "date({})", "hour": "strftime('%Y-%m-%d %H:00:00', {})",
                "seconds": "(CAST(strftime('%s', {0}) AS INTEGER) - CAST(strftime('%s', {1}) AS INTEGER))"}
    return {"day": "CAST({} AS DATE)", "hour": "date_trunc('hour', {})",
            "seconds": "CAST(EXTRACT(EPOCH FROM ({0} - {1})) AS INTEGER)"}


def _bucket(seconds: str) -> str:
    """The histogram bucket (lower bound in minutes) of a wait of ``seconds``, as SQL."""
    minutes = f"({seconds} / 60)"
    whens = [f"WHEN {seconds} < 0 THEN 0", f"WHEN {minutes} >= {RESPONSE_LAST_BUCKET} THEN {RESPONSE_LAST_BUCKET}"]
    whens += [f"WHEN {minutes} >= {start} THEN {start} + ({minutes} - {start}) / {width} * {width}"
              for start, width in reversed(RESPONSE_BUCKET_STEPS)]
    return f"CASE {' '.join(whens)} END"


def _fill_statements(sqlite: bool) -> list[str]:
    """The INSERT ... SELECT of every table this revision fills, in order (twins after their table)."""
    sql = _dialect(sqlite)
    day, hour, seconds = sql["day"].format, sql["hour"].format, sql["seconds"].format
    buckets = [f"m{b}" for b in RESPONSE_BUCKETS]
    counted = ", ".join(f"SUM(CASE WHEN bucket = {b} THEN 1 ELSE 0 END)" for b in RESPONSE_BUCKETS)
    received = day("warnings.received_at")

    def twin(name: str, source: str, item: str, measures: list[str]) -> str:
        return (f"INSERT INTO {name} (county_id, day, {item}, {', '.join(measures)}) "
                f"SELECT county_id, day, {item}, {', '.join(f'SUM({m})' for m in measures)} "
                f"FROM {source} GROUP BY county_id, day, {item}")

    return [
        "INSERT INTO agg_funds_day (station_id, day, county_id, requests, requested_amount, stopped, "
        "stopped_amount, frozen, frozen_amount, returned, returned_amount) "
        "SELECT station_id, day, county_id, SUM(requests), SUM(requested_amount), SUM(stopped), "
        "SUM(stopped_amount), SUM(frozen), SUM(frozen_amount), SUM(returned), SUM(returned_amount) FROM ("
        f"SELECT station_id, {day('requested_at')} AS day, county_id, 1 AS requests, "
        "requested_amount AS requested_amount, 0 AS stopped, 0 AS stopped_amount, 0 AS frozen, "
        "0 AS frozen_amount, 0 AS returned, 0 AS returned_amount FROM stop_payments "
        f"UNION ALL SELECT station_id, {day('stopped_at')}, county_id, 0, 0, 1, stopped_amount, 0, 0, 0, 0 "
        "FROM stop_payments WHERE stopped_at IS NOT NULL "
        f"UNION ALL SELECT station_id, {day('frozen_at')}, county_id, 0, 0, 0, 0, 1, frozen_amount, 0, 0 "
        "FROM stop_payments WHERE frozen_at IS NOT NULL "
        f"UNION ALL SELECT station_id, {day('returned_at')}, county_id, 0, 0, 0, 0, 0, 0, 1, returned_amount "
        "FROM stop_payments WHERE returned_at IS NOT NULL"
        ") AS stages GROUP BY station_id, day, county_id",

        f"INSERT INTO agg_response_day (station_id, day, county_id, measure, {', '.join(buckets)}) "
        f"SELECT station_id, day, county_id, measure, {counted} FROM ("
        f"SELECT warnings.station_id AS station_id, {received} AS day, warnings.county_id AS county_id, "
        "'first_contact' AS measure, "
        f"{_bucket(seconds('warnings.first_contact_at', 'warnings.received_at'))} AS bucket "
        "FROM warnings WHERE warnings.first_contact_at IS NOT NULL "
        f"UNION ALL SELECT warnings.station_id, {received}, warnings.county_id, 'door_visit', "
        f"{_bucket(seconds('door.at', 'warnings.received_at'))} "
        "FROM warnings JOIN (SELECT warning_id, min(started_at) AS at FROM dissuasions "
        "WHERE method = 'door_visit' GROUP BY warning_id) AS door ON door.warning_id = warnings.id"
        ") AS waits GROUP BY station_id, day, county_id, measure",

        "INSERT INTO agg_warnings_day (station_id, day, county_id, received, amount_at_risk, contacted, "
        f"contacted_on_time) SELECT station_id, {day('received_at')}, county_id, COUNT(*), SUM(amount_at_risk), "
        "SUM(CASE WHEN first_contact_at IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN first_contact_at <= deadline_at THEN 1 ELSE 0 END) "
        f"FROM warnings GROUP BY station_id, {day('received_at')}, county_id",

        "INSERT INTO agg_outcomes_day (station_id, day, county_id, outcome, closed, amount_at_risk, loss, "
        f"loss_avoided) SELECT station_id, {day('closed_at')}, county_id, outcome, COUNT(*), "
        "SUM(amount_at_risk), SUM(loss), SUM(loss_avoided) FROM warnings "
        "WHERE closed_at IS NOT NULL AND outcome IS NOT NULL "
        f"GROUP BY station_id, {day('closed_at')}, county_id, outcome",

        "INSERT INTO agg_fraud_types_day (station_id, day, county_id, fraud_type, received, amount_at_risk) "
        f"SELECT station_id, {day('received_at')}, county_id, fraud_type, COUNT(*), SUM(amount_at_risk) "
        f"FROM warnings GROUP BY station_id, {day('received_at')}, county_id, fraud_type",

        "INSERT INTO agg_warnings_hour (station_id, hour, county_id, received) "
        f"SELECT station_id, {hour('received_at')}, county_id, COUNT(*) "
        f"FROM warnings GROUP BY station_id, {hour('received_at')}, county_id",

        "INSERT INTO agg_dissuasions_day (station_id, day, county_id, method, attempts, reached, dissuaded) "
        f"SELECT warnings.station_id, {day('dissuasions.started_at')}, warnings.county_id, dissuasions.method, "
        "COUNT(*), SUM(CASE WHEN dissuasion_results.reached THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN dissuasion_results.dissuaded THEN 1 ELSE 0 END) "
        "FROM dissuasions JOIN warnings ON dissuasions.warning_id = warnings.id "
        "JOIN dissuasion_results ON dissuasions.result = dissuasion_results.code "
        f"GROUP BY warnings.station_id, {day('dissuasions.started_at')}, warnings.county_id, dissuasions.method",

        "INSERT INTO agg_publicity_day (unit_id, day, kind, county_id, events, reach) "
        "SELECT unit_id, day, kind, county_id, COUNT(*), SUM(reach) FROM publicity_events "
        "GROUP BY unit_id, day, kind, county_id",

        twin("agg_outcomes_county_day", "agg_outcomes_day", "outcome",
             ["closed", "amount_at_risk", "loss", "loss_avoided"]),
        twin("agg_fraud_types_county_day", "agg_fraud_types_day", "fraud_type", ["received", "amount_at_risk"]),
        twin("agg_dissuasions_county_day", "agg_dissuasions_day", "method", ["attempts", "reached", "dissuaded"]),
        twin("agg_response_county_day", "agg_response_day", "measure", buckets),
    ]


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
