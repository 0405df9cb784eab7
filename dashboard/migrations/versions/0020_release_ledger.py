"""the release ledger: what each reader already received from the statistics builder

Two publications of nested or overlapping periods must not give back a
withheld cell by subtraction, so every publication is recorded with the
status of its cells (``statistics_releases``) and every additive cell it
showed, published or withheld (``released_cells``).  Nothing existing changes.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statistics_releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient", sa.String(80), nullable=False),
        sa.Column("request_key", sa.String(64), nullable=False),
        sa.Column("values_key", sa.String(64), nullable=False),
        sa.Column("statuses", sa.Text(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("recipient", "request_key", "values_key", name="uq_statistics_release"),
    )
    op.create_table(
        "released_cells",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("statistics_releases.id"), nullable=False),
        sa.Column("recipient", sa.String(80), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("measure", sa.String(120), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("withheld", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("recipient", "unit_code", "measure", "first_day", "last_day",
                            name="uq_released_cell"),
    )
    op.create_index("ix_released_cells_recipient_unit", "released_cells",
                    ["recipient", "unit_code", "measure"])


def downgrade() -> None:
    op.drop_index("ix_released_cells_recipient_unit", table_name="released_cells")
    op.drop_table("released_cells")
    op.drop_table("statistics_releases")
