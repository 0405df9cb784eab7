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

    # Fill them from the rows already stored (nothing to do on a new database).
    # The SQL comes from the application: a later revision that changes these
    # tables must freeze the statements of this revision here.
    from dashboard.aggregates.rebuild import rebuild

    _fill_frozen(op.get_bind())
    # agg_cases_day changed in 0010 (reported_solved_loss), which fills it
    rebuild(op.get_bind(), [name for name in TABLES if name not in ("agg_cases_day", *FROZEN)])


FUNDS_MEASURES = ("requests", "requested_amount", "stopped", "stopped_amount", "frozen", "frozen_amount",
                  "returned", "returned_amount")
# filled by the statements of this revision: 0014 added to both (cohort columns; the stop_payment measure)
FROZEN = ("agg_funds_day", "agg_response_day")


def _fill_frozen(conn) -> None:
    """``FROZEN`` as this revision's ``dashboard.aggregates.rebuild`` filled them."""
    from sqlalchemy import func, insert, literal, select, union_all

    from dashboard.aggregates.rebuild import DOOR_VISIT, SP, D, W, _flag, bucket_of_seconds
    from dashboard.aggregates.sql import day_of, seconds_between

    def stage(time_col, position: int, amount_col, where=None):
        measures = [literal(0)] * 8
        measures[position], measures[position + 1] = literal(1), amount_col
        stmt = select(SP.c.station_id, day_of(time_col).label("day"), SP.c.county_id,
                      *(m.label(f"m{i}") for i, m in enumerate(measures)))
        return stmt if where is None else stmt.where(where)

    stages = union_all(
        stage(SP.c.requested_at, 0, SP.c.requested_amount),
        *(stage(SP.c[f"{name}_at"], position, SP.c[f"{name}_amount"], SP.c[f"{name}_at"].is_not(None))
          for name, position in (("stopped", 2), ("frozen", 4), ("returned", 6))),
    ).subquery("stages")
    keys = (stages.c.station_id, stages.c.day, stages.c.county_id)
    funds = sa.table("agg_funds_day", *(sa.column(c) for c in ("station_id", "day", "county_id",
                                                                *FUNDS_MEASURES)))
    conn.execute(insert(funds).from_select([c.name for c in funds.columns], select(
        *keys, *(func.sum(stages.c[f"m{i}"]) for i in range(8))).group_by(*keys)))

    def waits(measure: str, at, source=W):
        return select(W.c.station_id, day_of(W.c.received_at).label("day"), W.c.county_id,
                      literal(measure).label("measure"),
                      bucket_of_seconds(seconds_between(at, W.c.received_at)).label("bucket")
                      ).select_from(source)

    door = select(D.c.warning_id, func.min(D.c.started_at).label("at")).where(
        D.c.method == DOOR_VISIT).group_by(D.c.warning_id).subquery("door")
    rows = union_all(
        waits("first_contact", W.c.first_contact_at).where(W.c.first_contact_at.is_not(None)),
        waits("door_visit", door.c.at, W.join(door, door.c.warning_id == W.c.id)),
    ).subquery("waits")
    keys = (rows.c.station_id, rows.c.day, rows.c.county_id, rows.c.measure)
    buckets = [f"m{b}" for b in RESPONSE_BUCKETS]
    response = sa.table("agg_response_day", *(sa.column(c) for c in (
        "station_id", "day", "county_id", "measure", *buckets)))
    conn.execute(insert(response).from_select([c.name for c in response.columns], select(
        *keys, *(func.sum(_flag(rows.c.bucket == b)) for b in RESPONSE_BUCKETS)).group_by(*keys)))


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
