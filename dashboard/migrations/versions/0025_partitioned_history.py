"""partitioned history: warnings and dissuasions by month on PostgreSQL, their keys in key tables

PostgreSQL requires a partitioned table's unique indexes, its primary key
included, to contain the partition key.  So, on both backends:

- the idempotence key ``(source, external_id)`` moves to two small key tables,
  ``warning_keys (warning_id, source, external_id)`` and ``dissuasion_keys
  (dissuasion_id, source, external_id)``, unique on ``(source, external_id)``:
  one row per warning (per attempt that came through ingest), never archived,
  filled here from the stored rows.  The ingest claims a key there first
  (``INSERT ... ON CONFLICT DO NOTHING``) and stores the row under the id it
  got; any other writer (the demo loader, a test) is covered by a trigger
  that adds the key of each inserted row that has none, and a deleted row's
  key goes with it (a trigger too; archiving a month is not a delete).  On PostgreSQL a key
  table's id takes its default from the id sequence of its table.
- the references to a warning (``dissuasions``, ``tasks``, ``cases``,
  ``stop_payments`` ``.warning_id``) become foreign keys to
  ``warning_keys.warning_id``, which has exactly one row per warning and stays
  when a month is archived: a task or case naming an archived warning stays
  valid, and a resent archived warning is still known.

On PostgreSQL only, ``warnings`` becomes ``PARTITION BY RANGE (received_at)``
and ``dissuasions`` ``PARTITION BY RANGE (started_at)``, one partition a month
(``warnings_p202401``) from the first stored month to two months after this
one, and a ``DEFAULT`` partition as a safety net; the app adds the months
ahead (``dashboard/partitions.py``).  The tables are converted in place: the
old one is renamed, the partitioned one created like it, the rows copied month
by month, the indexes, foreign keys and id sequence put back, the old one
dropped.  Their primary keys become ``(id, received_at)`` and ``(id,
started_at)``.  SQLite keeps one table of each.

Going down reverses all of it.  Archived months (``antifraud archive``) are no
longer in the tables: restore them first, or they stay out.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-11 08:00:00
"""

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERRERS = ("dissuasions", "tasks", "cases", "stop_payments")
# table: (key table, its id column, the partition key, the secondary indexes (name, columns, where))
TABLES = {
    "warnings": ("warning_keys", "warning_id", "received_at", (
        ("ix_warnings_station_received", "station_id, received_at", ""),
        ("ix_warnings_received_unit", "received_at, station_id, county_id", ""),
        ("ix_warnings_open", "station_id, deadline_at", "status <> 'closed'"))),
    "dissuasions": ("dissuasion_keys", "dissuasion_id", "started_at", (
        ("ix_dissuasions_warning_id", "warning_id", ""),)),
}
MONTHS_AHEAD = 2


def _run(sql: str, **params) -> sa.engine.CursorResult:
    return op.get_bind().execute(sa.text(sql), params)


def _month(day: date, add: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + add
    return date(index // 12, index % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], _month(first)
    while month <= last:
        months.append(month)
        month = _month(month, 1)
    return months


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, (keys, key_id, _, _) in TABLES.items():
        sequence = _run("SELECT pg_get_serial_sequence(:t, 'id')", t=table).scalar_one() if postgresql else None
        op.create_table(
            keys,  # on PostgreSQL the id comes from the table's own sequence, on SQLite it is the rowid
            sa.Column(key_id, sa.Integer(), nullable=False,
                      server_default=sa.text(f"nextval('{sequence}'::regclass)") if postgresql else None),
            sa.Column("source", sa.String(40), nullable=False),
            sa.Column("external_id", sa.String(64), nullable=False),
            sa.PrimaryKeyConstraint(key_id, name=f"pk_{keys}"),
        )
        op.create_index(f"uq_{keys}_source_external_id", keys, ["source", "external_id"], unique=True)
        _run(f"INSERT INTO {keys} ({key_id}, source, external_id) SELECT id, source, external_id FROM {table}"
             " WHERE source IS NOT NULL AND external_id IS NOT NULL")
        op.drop_index(f"uq_{table}_source_external_id", table_name=table)
    _refer("warning_keys", "warning_id")
    if postgresql:
        for table, (_, _, column, indexes) in TABLES.items():
            _partition(table, column, indexes)
    _key_triggers(postgresql)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for trigger in (f"{table}_keyed", f"{table}_unkeyed"):
            _run(f"DROP TRIGGER {trigger}" + (f" ON {table}" if postgresql else ""))
            if postgresql:
                _run(f"DROP FUNCTION {trigger}()")
    if postgresql:
        for table, (_, _, _, indexes) in TABLES.items():
            _unpartition(table, indexes)
    _refer("warnings", "id")
    for table, (keys, _, _, _) in TABLES.items():
        op.create_index(f"uq_{table}_source_external_id", table, ["source", "external_id"], unique=True)
        op.drop_index(f"uq_{keys}_source_external_id", table_name=keys)
        op.drop_table(keys)


def _refer(target: str, column: str) -> None:
    """Point the references to a warning at ``target.column`` (the key table, or back at warnings)."""
    old = "warnings" if target == "warning_keys" else "warning_keys"
    for table in REFERRERS:
        with op.batch_alter_table(table, recreate="always" if op.get_bind().dialect.name == "sqlite" else "auto") \
                as batch:
            batch.drop_constraint(f"fk_{table}_warning_id_{old}", type_="foreignkey")
            batch.create_foreign_key(f"fk_{table}_warning_id_{target}", target, ["warning_id"], [column])


def _key_triggers(postgresql: bool) -> None:
    """Each row inserted without its key (the demo loader, tests) gets it; a key taken by another row fails."""
    for table, (keys, key_id, _, _) in TABLES.items():
        keyed = f"NEW.source IS NOT NULL AND NEW.external_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {keys} " \
                f"WHERE {key_id} = NEW.id AND source = NEW.source AND external_id = NEW.external_id)"
        insert = f"INSERT INTO {keys} ({key_id}, source, external_id) VALUES (NEW.id, NEW.source, NEW.external_id)"
        unkey = f"DELETE FROM {keys} WHERE {key_id} = OLD.id"
        if postgresql:
            _run(f"CREATE FUNCTION {table}_keyed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 f"IF {keyed} THEN {insert}; END IF; RETURN NEW; END $$")
            _run(f"CREATE TRIGGER {table}_keyed BEFORE INSERT ON {table} "
                 f"FOR EACH ROW EXECUTE FUNCTION {table}_keyed()")
            # BEFORE: a row moving to another month is deleted, then inserted, and keeps its key
            _run(f"CREATE FUNCTION {table}_unkeyed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 f"{unkey}; RETURN OLD; END $$")
            _run(f"CREATE TRIGGER {table}_unkeyed BEFORE DELETE ON {table} "
                 f"FOR EACH ROW EXECUTE FUNCTION {table}_unkeyed()")
        else:  # SQLite gives a new row its id only after the BEFORE triggers
            _run(f"CREATE TRIGGER {table}_keyed AFTER INSERT ON {table} WHEN {keyed} BEGIN {insert}; END")
            _run(f"CREATE TRIGGER {table}_unkeyed AFTER DELETE ON {table} BEGIN {unkey}; END")


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    return [tuple(row) for row in _run(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
        "AND conrelid = to_regclass(:t) ORDER BY conname", t=table)]


def _move_out(table: str, aside: str, indexes) -> tuple[list[tuple[str, str]], str]:
    """Rename ``table`` to ``aside`` and free every name the new table takes; its foreign keys and sequence."""
    sequence = _run("SELECT pg_get_serial_sequence(:t, 'id')", t=table).scalar_one()
    _run(f"ALTER TABLE {table} RENAME TO {aside}")
    _run(f"ALTER TABLE {aside} RENAME CONSTRAINT pk_{table} TO pk_{aside}")
    for name, _, _ in indexes:
        _run(f"DROP INDEX {name}")
    keys = _foreign_keys(aside)
    for name, _ in keys:
        _run(f"ALTER TABLE {aside} DROP CONSTRAINT {name}")
    _run(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    return keys, sequence


def _put_back(table: str, aside: str, indexes, keys, sequence: str) -> None:
    for name, columns, where in indexes:
        _run(f"CREATE INDEX {name} ON {table} ({columns})" + (f" WHERE {where}" if where else ""))
    for name, definition in keys:
        _run(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    _run(f"ALTER SEQUENCE {sequence} OWNED BY {table}.id")
    _run(f"DROP TABLE {aside} CASCADE")


def _partition(table: str, column: str, indexes) -> None:
    aside = f"{table}_unpartitioned"
    keys, sequence = _move_out(table, aside, indexes)
    _run(f"CREATE TABLE {table} (LIKE {aside} INCLUDING DEFAULTS) PARTITION BY RANGE ({column})")
    _run(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id, {column})")
    first, last = _run(f"SELECT min({column}), max({column}) FROM {aside}").one()
    today = datetime.now().date()
    months = _months(first.date() if first else today, _month(max(last.date() if last else today, today),
                                                              MONTHS_AHEAD))
    for month in months:
        following = _month(month, 1)
        _run(f"CREATE TABLE {table}_p{month:%Y%m} PARTITION OF {table} "
             f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')")
        _run(f"INSERT INTO {table} SELECT * FROM {aside} WHERE {column} >= :a AND {column} < :b",
             a=month, b=following)
    _run(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    _put_back(table, aside, indexes, keys, sequence)


def _unpartition(table: str, indexes) -> None:
    aside = f"{table}_partitioned"
    keys, sequence = _move_out(table, aside, indexes)
    _run(f"CREATE TABLE {table} (LIKE {aside} INCLUDING DEFAULTS)")
    _run(f"INSERT INTO {table} SELECT * FROM {aside}")
    _run(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
    _put_back(table, aside, indexes, keys, sequence)  # its partitions go with it
