"""retired units: org_units.retired_on and org_units.successor_id

A station that splits or merges is retired rather than deleted: its
warnings, cases, stop-payments and publicity events keep pointing at it, so
its history stays where it happened.  ``retired_on`` (a date, null while the
unit is active) is the day from which it takes no new warnings or tasks;
``successor_id`` names the unit a merged station went into (null for none).

``successor_id`` is a plain integer, not a database foreign key: SQLite
cannot drop a column that a foreign key constraint names, and rebuilding
``org_units`` (which every record table references) fails on a populated
database while foreign keys are enforced, so a downgrade could not undo it.
The command that sets it checks the unit exists, and units are never
deleted.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-10 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("org_units", sa.Column("retired_on", sa.Date(), nullable=True))
    op.add_column("org_units", sa.Column("successor_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("org_units", "successor_id")
    op.drop_column("org_units", "retired_on")
