"""county twins of the warnings, funds and cases tables (agg_*_county_day)

A city or county view summed ``agg_warnings_day``, ``agg_funds_day`` and
``agg_cases_day`` over every station's rows: at Guangzhou scale (300
stations) a year of warnings is 110,000 rows where the county sums are
4,000.  Like the tables with a breakdown since 0003, these get a county
twin: the same sums without the station, kept in the same transaction as
the station table.  Upgrading fills them from the station tables already
stored; downgrading drops them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the measures of each twin at this revision, in the station table's order (counts, then amounts)
TWINS = {
    "agg_warnings_county_day": ("agg_warnings_day", ("received", "contacted", "contacted_on_time"),
                                ("amount_at_risk",)),
    "agg_funds_county_day": ("agg_funds_day", ("requests", "stopped", "frozen", "returned"),
                             ("requested_amount", "stopped_amount", "frozen_amount", "returned_amount")),
    "agg_cases_county_day": ("agg_cases_day", ("reported", "reported_solved", "solved", "suspects_arrested"),
                             ("reported_loss", "reported_solved_loss")),
}


def upgrade() -> None:
    for name, (source, counts, amounts) in TWINS.items():
        op.create_table(
            name,
            sa.Column("county_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            *(sa.Column(c, sa.Integer(), nullable=False) for c in counts),
            *(sa.Column(c, sa.BigInteger(), nullable=False) for c in amounts),
            sa.PrimaryKeyConstraint("county_id", "day", name=op.f(f"pk_{name}")),
        )
        measures = [*counts, *amounts]
        op.execute(
            f"INSERT INTO {name} (county_id, day, {', '.join(measures)}) "
            f"SELECT county_id, day, {', '.join(f'SUM({m})' for m in measures)} "
            f"FROM {source} GROUP BY county_id, day")


def downgrade() -> None:
    for name in reversed(TWINS):
        op.drop_table(name)
