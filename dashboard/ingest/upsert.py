"""Helpers the ingest writers share: bulk inserts and value comparison."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import any_, literal
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

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
