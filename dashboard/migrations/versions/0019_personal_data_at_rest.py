"""personal data at rest: names, stop-payment accounts and free text encrypted; rejected records' unit

Person names, the accounts of stop-payments and every free-text note
(attempts, tasks, task events) are encrypted in place with the
personal-data key, as phone, ID and account numbers already are.  The
names and task titles become text columns (their sealed form outgrows
80 and 120 characters).  Rejected records get the unit their payload names,
so that only that unit's leaders and commanders see them; existing ones
have none and stay with the city's.

This file does not import the application: the key is read as the app
reads it (``PERSONAL_DATA_KEY`` from the environment, base64 of 32 bytes;
without it, outside production, the public development key) and the stored
form is frozen here: ``pd1:`` + urlsafe base64 of a 12-byte nonce, the
AES-256-GCM ciphertext and its tag, with the column's purpose as
associated data.  The key is needed only when there are rows to encrypt.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00
"""

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Sequence
from functools import partial

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "pd1:"
DEV_KEY = hashlib.sha256(b"antifraud-dashboard development personal-data key").digest()
CHUNK = 20_000

# table, column, purpose (the associated data), the type it had when it was not encrypted
# (None: a text column either way), whether it may be empty
COLUMNS = (
    ("warnings", "person_name", "warnings.person_name", sa.String(80), True),
    ("stop_payments", "account", "stop_payments.account", None, False),
    ("dissuasions", "note", "dissuasions.note", None, True),
    ("tasks", "title", "tasks.title", sa.String(120), False),
    ("tasks", "instructions", "tasks.instructions", None, False),
    ("tasks", "status_note", "tasks.status_note", None, True),
    ("tasks", "result_note", "tasks.result_note", None, True),
    ("task_events", "note", "task_events.note", None, True),
)


def _key() -> bytes:
    encoded = (os.environ.get("PERSONAL_DATA_KEY") or "").strip()
    if not encoded:
        if os.environ.get("ANTIFRAUD_ENV") == "production":
            raise RuntimeError("PERSONAL_DATA_KEY must be set in production")
        return DEV_KEY
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise RuntimeError("PERSONAL_DATA_KEY is not valid base64") from None
    if len(key) != 32:
        raise RuntimeError("PERSONAL_DATA_KEY must decode to 32 bytes")
    return key


class _Cipher:
    def __init__(self) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.aead = AESGCM(_key())

    def seal(self, value: str, purpose: str) -> str:
        nonce = os.urandom(12)
        sealed = self.aead.encrypt(nonce, value.encode("utf-8"), purpose.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str, purpose: str) -> str:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode("ascii"))
        return self.aead.decrypt(raw[:12], raw[12:], purpose.encode("utf-8")).decode("utf-8")


def _write(bind, table: str, column: str, rows: list[tuple[int, str]]) -> None:
    """Set ``column`` of the rows with these ids: COPY and one UPDATE on PostgreSQL."""
    if bind.dialect.name != "postgresql":
        bind.exec_driver_sql(f"UPDATE {table} SET {column} = ? WHERE id = ?",
                             [(value, row_id) for row_id, value in rows])
        return
    cursor = bind.connection.driver_connection.cursor()
    try:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS _sealing (id bigint PRIMARY KEY, value text) "
                       "ON COMMIT DROP")
        cursor.execute("TRUNCATE _sealing")
        with cursor.copy("COPY _sealing (id, value) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"UPDATE {table} SET {column} = _sealing.value FROM _sealing "
                       f"WHERE {table}.id = _sealing.id")
    finally:
        cursor.close()


def _rewrite(bind, table: str, source: str, target: str, change: Callable[[str], str]) -> None:
    """``target = change(source)`` for every row where ``source`` is not empty, a chunk at a time."""
    after = 0
    while True:
        rows = bind.execute(sa.text(
            f"SELECT id, {source} FROM {table} WHERE {source} IS NOT NULL AND id > :after "
            f"ORDER BY id LIMIT {CHUNK}"), {"after": after}).all()
        if not rows:
            return
        _write(bind, table, target, [(row[0], change(row[1])) for row in rows])
        after = rows[-1][0]


def _has_rows(bind, table: str, column: str) -> bool:
    return bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE {column} IS NOT NULL LIMIT 1")).first() is not None


def _retype_sqlite(bind, table: str, column: str, new_type: str, nullable: bool,
                   change: Callable[[str], str] | None) -> None:
    """SQLite cannot change a column's type: a new column, filled, takes the old one's name."""
    spare = f"{column}__new"
    constraint = "" if nullable else " NOT NULL DEFAULT ''"
    bind.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {spare} {new_type}{constraint}")
    if change is None:
        bind.exec_driver_sql(f"UPDATE {table} SET {spare} = {column}")
    else:
        _rewrite(bind, table, column, spare, change)
    bind.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    bind.exec_driver_sql(f"ALTER TABLE {table} RENAME COLUMN {spare} TO {column}")


def upgrade() -> None:
    bind = op.get_bind()
    cipher = None
    for table, column, purpose, plain_type, nullable in COLUMNS:
        if cipher is None and _has_rows(bind, table, column):
            cipher = _Cipher()
        seal = partial(cipher.seal, purpose=purpose) if cipher else None
        if plain_type is not None and bind.dialect.name == "sqlite":
            _retype_sqlite(bind, table, column, "TEXT", nullable, seal)
            continue
        if plain_type is not None:
            op.alter_column(table, column, type_=sa.Text(), existing_type=plain_type,
                            existing_nullable=nullable)
        if seal is not None:
            _rewrite(bind, table, column, column, seal)
    with op.batch_alter_table("rejected_records") as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_rejected_records_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_rejected_records_unit_id_org_units"),
                                    "org_units", ["unit_id"], ["id"])


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("rejected_records") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_rejected_records_unit_id_org_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_rejected_records_unit_id"))
        batch_op.drop_column("unit_id")
    cipher = None
    for table, column, purpose, plain_type, nullable in COLUMNS:
        if cipher is None and _has_rows(bind, table, column):
            cipher = _Cipher()
        unseal = partial(cipher.open, purpose=purpose) if cipher else None
        if plain_type is not None and bind.dialect.name == "sqlite":
            _retype_sqlite(bind, table, column, plain_type.compile(dialect=bind.dialect), nullable,
                           unseal)
            continue
        if unseal is not None:
            _rewrite(bind, table, column, column, unseal)
        if plain_type is not None:
            op.alter_column(table, column, type_=plain_type, existing_type=sa.Text(),
                            existing_nullable=nullable)
