"""dissuasion playbooks: talking points per fraud type, in zh and en, edited by admins

The starter texts (``data/playbooks/dissuasion_playbooks.json``) are loaded
with the reference lists by ``antifraud init-db``, after the fraud types they
point at exist; this revision only creates the table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dissuasion_playbooks",
        sa.Column("fraud_type", sa.String(length=40), nullable=False),
        sa.Column("talking_points_zh", sa.Text(), nullable=False),
        sa.Column("talking_points_en", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["fraud_type"], ["fraud_types.code"],
                                name=op.f("fk_dissuasion_playbooks_fraud_type_fraud_types")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_dissuasion_playbooks_updated_by_id_users")),
        sa.PrimaryKeyConstraint("fraud_type", name=op.f("pk_dissuasion_playbooks")),
    )


def downgrade() -> None:
    op.drop_table("dissuasion_playbooks")
