"""warnings by time with their unit: (received_at, station_id, county_id) replaces (received_at)

The live counter (the last 30 minutes) and the edges of the anomaly
windows (the minutes outside whole hours, nine windows) count the warnings
of a few minutes by unit.  Through the index on ``received_at`` alone each
of those warnings' rows was read for its unit: at Guangzhou scale about
20,000 rows an overview, a third of its SQL time.  With the units in the
index the index answers them alone; it replaces the old one, whose every
use (a range of times) it serves as well.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_warnings_received_unit", "warnings", ["received_at", "station_id", "county_id"],
                    unique=False)
    op.drop_index("ix_warnings_received_at", table_name="warnings")


def downgrade() -> None:
    op.create_index("ix_warnings_received_at", "warnings", ["received_at"], unique=False)
    op.drop_index("ix_warnings_received_unit", table_name="warnings")
