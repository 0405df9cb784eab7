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
    # Recompute the table from the cases (0003 leaves it to this revision), with
    # the statements of this revision, frozen here.
    day = "date({})" if op.get_bind().dialect.name == "sqlite" else "CAST({} AS DATE)"
    op.execute("DELETE FROM agg_cases_day")
    op.execute(
        "INSERT INTO agg_cases_day (station_id, day, county_id, reported, reported_loss, reported_solved, "
        "reported_solved_loss, solved, suspects_arrested) "
        "SELECT station_id, day, county_id, SUM(reported), SUM(reported_loss), SUM(reported_solved), "
        "SUM(reported_solved_loss), SUM(solved), SUM(suspects_arrested) FROM ("
        f"SELECT station_id, {day.format('reported_at')} AS day, county_id, 1 AS reported, loss AS reported_loss, "
        "CASE WHEN solved_at IS NOT NULL THEN 1 ELSE 0 END AS reported_solved, "
        "CASE WHEN solved_at IS NOT NULL THEN loss ELSE 0 END AS reported_solved_loss, 0 AS solved, "
        "0 AS suspects_arrested FROM cases "
        f"UNION ALL SELECT station_id, {day.format('solved_at')}, county_id, 0, 0, 0, 0, 1, suspects_arrested "
        "FROM cases WHERE solved_at IS NOT NULL"
        ") AS parts GROUP BY station_id, day, county_id")


def downgrade() -> None:
    with op.batch_alter_table("agg_cases_day") as batch:
        batch.drop_column("reported_solved_loss")
