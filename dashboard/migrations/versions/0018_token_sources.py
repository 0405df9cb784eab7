"""ingest tokens' granted sources; rejected records keep the token that sent them

``api_tokens.also_sources``: the other sources whose warnings a token's
follow-ups may name (none for every existing token: each writes follow-ups of
its own source's warnings only, which is what the demo feed and upstream
platforms did; a token that needs more is made again with ``--also-source``).

``rejected_records.token_id``: the token that sent a refused record, so that
a replay runs with that token's rights.  ``rejected_records.source`` now
means the source a record was sent under; open records sent through the API
before this revision kept the source the record claimed, so they get their
token's source from the batch's audit entry (``ingest_batch`` by
``token:<source>``).  The SQL is frozen here; it runs on SQLite (3.33 or
later, for ``UPDATE ... FROM``) and PostgreSQL.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENT_UNDER_TOKEN_SOURCE = """
UPDATE rejected_records SET source = sent.token_source
FROM (SELECT DISTINCT substr(object, 7) AS batch, substr(username, 7) AS token_source
      FROM audit_entries
      WHERE action = 'ingest_batch' AND object LIKE 'batch:%' AND username LIKE 'token:%') AS sent
WHERE rejected_records.batch = sent.batch AND rejected_records.status = 'open'
"""


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("also_sources", sa.String(length=1000), nullable=True))
    with op.batch_alter_table("rejected_records") as batch_op:
        batch_op.add_column(sa.Column("token_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_rejected_records_token_id_api_tokens"),
                                    "api_tokens", ["token_id"], ["id"])
    op.execute(SENT_UNDER_TOKEN_SOURCE)


def downgrade() -> None:
    with op.batch_alter_table("rejected_records") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rejected_records_token_id_api_tokens"),
                                 type_="foreignkey")
        batch_op.drop_column("token_id")
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("also_sources")
