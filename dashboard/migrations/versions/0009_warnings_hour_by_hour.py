"""agg_warnings_hour by hour first: (hour, station_id, county_id, received)

The live panel (today, yesterday and a year ago by hour) and the anomaly
check (the last 24 hours and the same hours of four weeks before) read a
few hours of every station in scope; the primary key starts with the
station, so each of those reads was a scan of the whole table (48 stations
× 8,760 hours a year).  This index answers them without the table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_agg_warnings_hour_hour", "agg_warnings_hour",
                    ["hour", "station_id", "county_id", "received"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agg_warnings_hour_hour", table_name="agg_warnings_hour")
