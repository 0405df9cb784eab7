"""open cases by age from an index: (solved_at, reported_at, station_id, county_id, loss)

The cases page counts the cases open now by age band.  Without this index
every case ever reported was read (0.4-0.5 s at a year of a large city);
with it the unsolved ones are one range of the index, read without the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_open", "cases", ["solved_at", "reported_at", "station_id", "county_id", "loss"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_open", table_name="cases")
