"""Declarative base, naming convention and the local-time column type.

Times are Asia/Shanghai.  China has kept a fixed UTC+8 offset with no daylight
saving since 1991, so a naive Shanghai wall time is unambiguous; storing it
that way lets both SQLite and PostgreSQL bucket by local day and hour with
plain column arithmetic.  ``LocalDateTime`` converts any aware datetime to
Shanghai before storing and hands back aware Shanghai datetimes.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, MetaData
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

SHANGHAI = ZoneInfo("Asia/Shanghai")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def to_local_naive(value: datetime) -> datetime:
    """Shanghai wall time without tzinfo; naive input is taken as Shanghai already."""
    zone = value.tzinfo
    if zone is SHANGHAI:  # already Shanghai wall time, the usual case: no conversion
        return value.replace(tzinfo=None)
    if zone is not None:
        value = value.astimezone(SHANGHAI).replace(tzinfo=None)
    return value


# whole seconds, the same text the sqlite3 module writes for a datetime
SQLITE_STORAGE = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"


class LocalDateTime(TypeDecorator):
    """A timestamp to the second, stored as naive Asia/Shanghai wall time, read back aware."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sqlite.DATETIME(storage_format=SQLITE_STORAGE))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return to_local_naive(value).replace(microsecond=0)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=SHANGHAI)


def now_local() -> datetime:
    """The current time, aware, in Asia/Shanghai."""
    return datetime.now(SHANGHAI)
