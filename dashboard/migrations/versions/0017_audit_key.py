"""the audit chain under a key: where the keyed entries begin

Until now each audit entry's hash was a plain SHA-256, so whoever could write
the database could rewrite an entry and recompute every later hash.  From
this revision every new entry is an HMAC under ``AUDIT_KEY``, which the
database never holds.  ``audit_head.keyed_from`` names the first keyed entry:
the entries already stored keep their plain hashes (rewriting them would be
tampering itself), and the checkpoints written from now on sign the boundary.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("keyed_from", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_head SET keyed_from = last_id + 1")


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("keyed_from")
