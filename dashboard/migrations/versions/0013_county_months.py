"""month twins of the county tables with a breakdown (agg_*_county_month)

A year's figures for a city read 365 days of every district's rows in the
county twins: outcomes, fraud types and methods by item, and the waiting-
time histograms of 131 columns (about 25 ms at Guangzhou scale, the
slowest statement of the year view and of the press export).  The month
twins hold the same sums by month, keyed by the month's first day; reads of
whole months take them and only the days at a period's ends the day
tables.  Upgrading fills them from the county twins; downgrading drops them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of dashboard.domain.aggregates.RESPONSE_BUCKETS at this revision.
RESPONSE_BUCKETS = (*range(0, 60), *range(60, 180, 5), *range(180, 360, 15), *range(360, 1440, 60), 1440)
# month twin: (county twin, its item column and length, counts, amounts) at this revision
TWINS = {
    "agg_outcomes_county_month": ("agg_outcomes_county_day", ("outcome", 40), ("closed",),
                                  ("amount_at_risk", "loss", "loss_avoided")),
    "agg_fraud_types_county_month": ("agg_fraud_types_county_day", ("fraud_type", 40), ("received",),
                                     ("amount_at_risk",)),
    "agg_dissuasions_county_month": ("agg_dissuasions_county_day", ("method", 40),
                                     ("attempts", "reached", "dissuaded"), ()),
    "agg_response_county_month": ("agg_response_county_day", ("measure", 20),
                                  tuple(f"m{b}" for b in RESPONSE_BUCKETS), ()),
}


def upgrade() -> None:
    month = ("date(day, 'start of month')" if op.get_bind().dialect.name == "sqlite"
             else "CAST(date_trunc('month', day) AS DATE)")
    for name, (source, (item, length), counts, amounts) in TWINS.items():
        op.create_table(
            name,
            sa.Column("county_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column(item, sa.String(length=length), nullable=False),
            *(sa.Column(c, sa.Integer(), nullable=False) for c in counts),
            *(sa.Column(c, sa.BigInteger(), nullable=False) for c in amounts),
            sa.PrimaryKeyConstraint("county_id", "day", item, name=op.f(f"pk_{name}")),
        )
        measures = [*counts, *amounts]
        op.execute(
            f"INSERT INTO {name} (county_id, day, {item}, {', '.join(measures)}) "
            f"SELECT county_id, {month}, {item}, {', '.join(f'SUM({m})' for m in measures)} "
            f"FROM {source} GROUP BY county_id, {month}, {item}")


def downgrade() -> None:
    for name in reversed(TWINS):
        op.drop_table(name)
