"""Helpers the ingest writers share: bulk inserts and value comparison."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import any_, literal
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from dashboard.db import dialect_insert
from dashboard.domain.base import to_local_naive
from dashboard.domain.personal_data import EncryptedString, encrypt_values


def one_of(session: Session, column, values: list):
    """``column IN (values)``; on PostgreSQL ``column = ANY(array)``, one parameter for them all.

    psycopg turns a statement's placeholders into PostgreSQL's in Python, anew
    for each statement: one array parameter spares that for every value.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(values), postgresql.ARRAY(column.type)))
    return column.in_(values)


def same(stored, incoming) -> bool:
    """Equal as stored: times to the second in Shanghai wall time, floats to 1e-6."""
    if isinstance(stored, datetime) or isinstance(incoming, datetime):
        if stored is None or incoming is None:
            return stored is incoming
        return to_local_naive(stored).replace(microsecond=0) == to_local_naive(incoming).replace(microsecond=0)
    if isinstance(stored, float) or isinstance(incoming, float):
        if stored is None or incoming is None:
            return stored is incoming
        return abs(stored - incoming) < 1e-6
    return stored == incoming


def bound_column(column, values: list, dialect) -> list:
    """``values`` of ``column`` as its type's bind processing makes them, all at once.

    Encrypted columns are sealed in one call (``encrypt_values``, several
    times faster than a call a value); other types map their own processor.
    """
    if isinstance(column.type, EncryptedString):
        return encrypt_values(values, column.type.purpose)
    process = column.type.bind_processor(dialect)
    return list(map(process, values)) if process else values


def insert_new_rows(session: Session, table, rows: list[dict], keys: tuple[str, ...],
                    returning: tuple[str, ...]) -> list[tuple]:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING RETURNING returning``: the rows this call stored.

    On PostgreSQL the rows go in by COPY into a temporary table, then one
    ``INSERT ... SELECT``: as one multi-row ``VALUES`` statement, a batch of
    1,000 warnings has 22,000 placeholders, which psycopg parses in Python
    (about 0.6 s a batch, most of an ingest's time).  Values pass through the
    columns' own bind processing (encryption, local times) either way.
    """
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=list(keys)).returning(
            *(table.c[name] for name in returning))
        return [tuple(row) for row in session.execute(stmt, rows)]
    dialect = session.get_bind().dialect
    names = [c.name for c in table.columns if c.name in rows[0]]
    temp = f"_incoming_{table.name}"
    column_list = ", ".join(names)
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(f"CREATE TEMP TABLE {temp} AS SELECT {column_list} FROM {table.name} WITH NO DATA")
        # column by column: each column's processing is one pass over its values
        columns = [bound_column(table.c[name], [row.get(name) for row in rows], dialect) for name in names]
        with cursor.copy(f"COPY {temp} ({column_list}) FROM STDIN") as copy:
            for values in zip(*columns, strict=True):
                copy.write_row(values)
        cursor.execute(f"INSERT INTO {table.name} ({column_list}) SELECT {column_list} FROM {temp} "
                       f"ON CONFLICT ({', '.join(keys)}) DO NOTHING RETURNING {', '.join(returning)}")
        stored = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {temp}")
        return stored
    finally:
        cursor.close()
