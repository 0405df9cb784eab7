"""three administrators: accounts created without a role, roles granted by another person

The single ``admin`` role held every key: it could create a leader and log
in as them.  It splits into the system administrator (``sysadmin``:
accounts, units, settings), the security administrator (``secadmin``: roles,
second factors, the security policy) and the audit administrator
(``auditor``, unchanged).  Existing ``admin`` accounts become ``sysadmin``.

Users gain who created the account and who granted its role (two different
people for a business role), and whether the password must be changed at
the next login (it was chosen by someone else).  A user's role may be empty:
an account made by the system administrator waits for a security
administrator to grant it one.  ``security_policy`` holds the security
administrator's choices (password length, lockout, session limits, which
roles need a second factor) over the deployment's defaults.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("role", existing_type=sa.String(length=20), nullable=True)
        batch.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("role_granted_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("role_granted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.execute("UPDATE users SET role = 'sysadmin' WHERE role = 'admin'")
    op.create_table(
        "security_policy",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_security_policy")),
    )


def downgrade() -> None:
    op.drop_table("security_policy")
    op.execute("UPDATE users SET is_active = false WHERE role IS NULL")
    op.execute("UPDATE users SET role = 'admin' WHERE role IN ('sysadmin', 'secadmin') "
               "OR role IS NULL")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("role_granted_at")
        batch.drop_column("role_granted_by")
        batch.drop_column("created_by")
        batch.alter_column("role", existing_type=sa.String(length=20), nullable=False)
