"""agg_cases_day.reported_solved_loss: the loss of the day's cases solved since

With it the cases open now by age come from the aggregate (reported minus
reported_solved, and their losses, by the day of report) instead of from
every unsolved case ever reported, which grew with the history (0.2 s at
a year of a large city, 0.7 s at three).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agg_cases_day") as batch:
        batch.add_column(sa.Column("reported_solved_loss", sa.BigInteger(), nullable=False,
                                   server_default="0"))
    # Recompute the table from the cases (0003 leaves it to this revision).
    # The SQL comes from the application: a later revision that changes
    # this table must freeze the statements of this revision here.
    from dashboard.aggregates.rebuild import rebuild

    rebuild(op.get_bind(), ["agg_cases_day"])


def downgrade() -> None:
    with op.batch_alter_table("agg_cases_day") as batch:
        batch.drop_column("reported_solved_loss")
