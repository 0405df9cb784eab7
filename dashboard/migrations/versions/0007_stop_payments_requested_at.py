"""stop-payments by time of request alone: the funds page's cohorts of a city or district

The index on (station_id, requested_at) serves one station; a city or
district cohort (a month of the city's stop-payments, by ``requested_at``)
was a scan of the whole table, 0.3 s a statement at a year of a large city.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stop_payments_requested_at", "stop_payments", ["requested_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stop_payments_requested_at", table_name="stop_payments")
