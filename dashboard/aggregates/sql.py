"""Time arithmetic that compiles to each database: local day, hour and month, seconds between.

Times are stored as naive Asia/Shanghai wall time (text ``YYYY-MM-DD HH:MM:SS``
on SQLite, ``timestamp without time zone`` on PostgreSQL), so the local day
and hour of an event are plain column arithmetic on both.
"""

from __future__ import annotations

from sqlalchemy import Date, DateTime, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class day_of(FunctionElement):  # noqa: N801 - reads like the SQL function it is
    """The local calendar day of a timestamp column."""

    type = Date()
    inherit_cache = True


@compiles(day_of)
def _day_default(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(day_of, "sqlite")
def _day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"


class month_of(FunctionElement):  # noqa: N801
    """The first day of the month of a date column."""

    type = Date()
    inherit_cache = True


@compiles(month_of)
def _month_default(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class hour_of(FunctionElement):  # noqa: N801
    """The start of the local hour of a timestamp column."""

    type = DateTime()
    inherit_cache = True


@compiles(hour_of)
def _hour_default(element, compiler, **kw):
    return f"date_trunc('hour', {compiler.process(element.clauses, **kw)})"


@compiles(hour_of, "sqlite")
def _hour_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m-%d %H:00:00', {compiler.process(element.clauses, **kw)})"


class seconds_between(FunctionElement):  # noqa: N801
    """Whole seconds from the second timestamp argument to the first (``later - earlier``)."""

    type = Integer()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_default(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS INTEGER)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(CAST(strftime('%s', {later}) AS INTEGER) - "
            f"CAST(strftime('%s', {earlier}) AS INTEGER))")
