"""Helpers the ingest writers share: the dialect's INSERT and value comparison."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dashboard.domain.base import to_local_naive


def dialect_insert(session: Session, table):
    """``INSERT`` with ``on_conflict_do_nothing`` for this session's database."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


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
