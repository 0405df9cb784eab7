"""import header maps: the column names a source's file imports mapped to fields

``import_header_maps`` (source, header): the field a column name holds,
given once with ``antifraud import --source NAME --map "列名=field"`` and
used on the source's next imports.  A new, empty table.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-09 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_header_maps",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("header", sa.String(200), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "header", name="pk_import_header_maps"),
    )


def downgrade() -> None:
    op.drop_table("import_header_maps")
