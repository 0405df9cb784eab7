"""ingest: API tokens, rejected records, source ids of attempts and stop-payments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_source"), ["source"], unique=False)
    op.create_table(
        "rejected_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("batch", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("replayed_as", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["replayed_as"], ["rejected_records.id"],
                                name=op.f("fk_rejected_records_replayed_as_rejected_records")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_records")),
    )
    with op.batch_alter_table("rejected_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_rejected_records_batch"), ["batch"], unique=False)
        batch_op.create_index(batch_op.f("ix_rejected_records_received_at"), ["received_at"], unique=False)
    for table in ("dissuasions", "stop_payments"):
        op.add_column(table, sa.Column("source", sa.String(length=40), nullable=True))
        op.add_column(table, sa.Column("external_id", sa.String(length=64), nullable=True))
        op.create_index(f"uq_{table}_source_external_id", table, ["source", "external_id"], unique=True)


def downgrade() -> None:
    for table in ("stop_payments", "dissuasions"):
        op.drop_index(f"uq_{table}_source_external_id", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("external_id")
            batch_op.drop_column("source")
    with op.batch_alter_table("rejected_records") as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_records_received_at"))
        batch_op.drop_index(batch_op.f("ix_rejected_records_batch"))
    op.drop_table("rejected_records")
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_source"))
    op.drop_table("api_tokens")
