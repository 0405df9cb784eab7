"""The monthly partitions of the warnings and the dissuasions on PostgreSQL (migration 0025).

Each month has its partition (``warnings_p202401``: received in January
2024; ``dissuasions_p202401``: attempts started then); a ``DEFAULT``
partition takes any row of a month that has none yet, so an insert never
fails for want of one.  ``ensure_months`` creates the months from the
current one to ``MONTHS_AHEAD`` after it and the month of every row in the
default partition, moving those rows into it; it runs with every
``migrate.upgrade`` (each start of the app, ``antifraud init-db``), every
``antifraud archive`` and every demo load (which first creates the months of
its history).  SQLite keeps one table: nothing to do there.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import Connection, text

PARTITIONED = {"warnings": "received_at", "dissuasions": "started_at"}
MONTHS_AHEAD = 2
PARTITION_NAME = re.compile(r"^(warnings|dissuasions)_(p\d{6}|default)$")


def is_partition(name: str) -> bool:
    """A table that is one month (or the default) of a partitioned table."""
    return bool(PARTITION_NAME.match(name))


def month_start(day: date, add: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + add
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(conn: Connection, table: str = "warnings") -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return conn.scalar(text("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(:t)"),
                       {"t": table}) is True


def attached_months(conn: Connection, table: str) -> list[date]:
    """The months that have their own partition of ``table``, in order."""
    names = conn.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:t)"), {"t": table})
    found = [re.fullmatch(rf"{table}_p(\d{{4}})(\d{{2}})", name) for name in names]
    return sorted(date(int(m[1]), int(m[2]), 1) for m in found if m)


def add_month(conn: Connection, table: str, month: date) -> str:
    """Give ``month`` its partition of ``table``, taking its rows out of the default partition."""
    column, name = PARTITIONED[table], partition_name(table, month)
    bounds = {"a": month, "b": month_start(month, 1)}
    conn.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"))
    # a moved row is not a deleted one: its key stays (migration 0025's triggers)
    conn.execute(text(f"ALTER TABLE {table}_default DISABLE TRIGGER {table}_unkeyed"))
    conn.execute(text(
        f"WITH moved AS (DELETE FROM {table}_default WHERE {column} >= :a AND {column} < :b RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved"), bounds)
    conn.execute(text(f"ALTER TABLE {table}_default ENABLE TRIGGER {table}_unkeyed"))
    conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} "
                      f"FOR VALUES FROM ('{month.isoformat()}') TO ('{bounds['b'].isoformat()}')"))
    return name


def _stray_months(conn: Connection, table: str) -> set[date]:
    """The months of the rows in ``table``'s default partition."""
    column = PARTITIONED[table]
    return {m.date() for m in conn.scalars(text(
        f"SELECT DISTINCT date_trunc('month', {column}) FROM {table}_default"))}


def ensure_months(conn: Connection, today: date | None = None, since: date | None = None) -> list[str]:
    """Create the partitions missing; their names.

    The months wanted: from this month (or ``since``: a load of past data)
    to ``MONTHS_AHEAD`` after it, and every month that has rows in the default
    partition (they move into their month's partition).
    """
    if not is_partitioned(conn):
        return []
    today = today or datetime.now().date()
    first = month_start(min(since or today, today))
    count = (today.year - first.year) * 12 + today.month - first.month + MONTHS_AHEAD + 1
    wanted = {month_start(first, k) for k in range(count)}
    made = []
    for table in PARTITIONED:
        have = set(attached_months(conn, table))
        made += [add_month(conn, table, month) for month in sorted((wanted | _stray_months(conn, table)) - have)]
    return made
