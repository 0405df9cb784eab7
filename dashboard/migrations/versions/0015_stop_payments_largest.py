"""stop-payments by amount stopped: the funds page's largest stop-payments of the last 30 days

The list read every stop-payment requested in the 30 days (about 150,000
in a large city) to sort them by amount for the first ten: 45 ms on
PostgreSQL at a year of Guangzhou.  Read backwards along this index, the
first ten of the 30 days come after a few hundred rows (0.2 ms).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 21:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stop_payments_stopped_amount", "stop_payments", ["stopped_amount", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stop_payments_stopped_amount", table_name="stop_payments")
