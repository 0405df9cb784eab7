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

    # agg_cases_day changed in 0010 (reported_solved_loss), which fills it
    rebuild(op.get_bind(), [name for name in TABLES if name != "agg_cases_day"])


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
