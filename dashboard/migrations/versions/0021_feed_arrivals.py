"""feed arrivals: what each source delivered hour by hour, for the silence watch

``feed_arrivals`` (source, local hour of arrival): warning records stored
and refused, the last arrival, and the lag from event time to arrival
(count, sum, largest, in seconds).  Ingest batches add to it from now on.
The warnings already stored fill it here, by source and by the hour of
their event time (``received_at``: their arrival was not recorded), with no
measured lag, so that an installation that upgrades knows each source's
usual rate at once.  The SQL is frozen here; it runs on SQLite and
PostgreSQL.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUR = {
    "sqlite": "strftime('%Y-%m-%d %H:00:00', received_at)",
    "postgresql": "date_trunc('hour', received_at)",
}
BACKFILL = """
INSERT INTO feed_arrivals (source, hour, arrived, rejected, last_arrival_at,
                           lag_count, lag_seconds_sum, lag_seconds_max)
SELECT source, {hour}, COUNT(*), 0, MAX(received_at), 0, 0, 0
FROM warnings
GROUP BY source, {hour}
"""


def upgrade() -> None:
    op.create_table(
        "feed_arrivals",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("arrived", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("last_arrival_at", sa.DateTime(), nullable=True),
        sa.Column("lag_count", sa.Integer(), nullable=False),
        sa.Column("lag_seconds_sum", sa.BigInteger(), nullable=False),
        sa.Column("lag_seconds_max", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "hour", name="pk_feed_arrivals"),
    )
    hour = HOUR[op.get_bind().dialect.name]
    op.execute(BACKFILL.format(hour=hour))


def downgrade() -> None:
    op.drop_table("feed_arrivals")
