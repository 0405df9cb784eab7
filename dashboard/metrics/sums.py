"""Sums over the aggregate tables for a scope, a period of whole days and an optional breakdown.

Every figure of the metrics layer comes through ``sums``: it picks the
county twin of a table when whole counties are asked for (a city or county
scope, not broken down by station), narrows the rows to the scope's units
and the period's days, and groups them by the child unit (``by``) and by
the table's own dimension (``dims``).  Where a county twin has a month twin,
the whole months of the period are read from it and only the days at the
ends from the day table (``month_parts``).  No raw table is read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain.aggregates import COUNTY_TWINS, MONTH_TWINS, PublicityDay, WarningHour
from dashboard.metrics.period import Period

BY_LEVELS = (None, "county", "station")
WHOLE_COUNTY_LEVELS = ("city", "county")
MONTH_TABLES = {county.__table__: month.__table__ for county, month in MONTH_TWINS.items()}


def table_for(model, scope: Scope, by: str | None):
    """``model`` or its county twin: the twin when the answer is whole counties."""
    twin = COUNTY_TWINS.get(model)
    if twin is not None and by != "station" and scope.level in WHOLE_COUNTY_LEVELS:
        return twin.__table__
    return model.__table__


def unit_column(table, by: str | None):
    """The column that names the unit a row is counted at, for grouping by ``by``."""
    if table.name == PublicityDay.__tablename__:
        return table.c.county_id if by == "county" else table.c.unit_id
    return table.c.station_id if by == "station" else table.c.county_id


def scope_condition(table, scope: Scope):
    """Rows of ``table`` inside ``scope``: by station, by county for county twins, by unit for publicity."""
    if "station_id" in table.c:
        return scope.unit_condition(table.c.station_id)
    if table.name == PublicityDay.__tablename__:
        return scope.unit_condition(table.c.unit_id)
    return scope.unit_condition(table.c.county_id)


def sums(session: Session, model, measures: dict[str, object], scope: Scope, period: Period | None,
         by: str | None = None, dims: tuple[str, ...] = (), before: Period | None = None,
         daily: bool = False, segments: Sequence[date] = (), only: dict[str, str] | None = None
         ) -> pd.DataFrame:
    """Sums of ``measures`` (name -> column name or a function of the table giving an expression).

    Rows: one per ``by`` unit (column ``unit_id``) and per ``dims`` value (and
    per ``day`` if ``daily``); without ``by`` and ``dims`` a single row.
    ``period`` limits the days; ``before`` instead takes every day before
    that period's end (for running totals such as the open queue).
    ``segments`` (ascending days) also splits the rows at those days: column
    ``segment`` is the number of them on or before the row's day.
    ``only``: the rows of those values of the table's own dimensions (column -> value).
    """
    names, keys, block = sum_block(session, model, measures, scope, period, by, dims, before, daily, segments,
                                   only)
    frame = pd.DataFrame(block, columns=list(measures))
    if not names:
        return frame
    return pd.concat([pd.DataFrame(keys, columns=names), frame], axis=1)


def sum_block(session: Session, model, measures: dict[str, object], scope: Scope, period: Period | None,
              by: str | None = None, dims: tuple[str, ...] = (), before: Period | None = None,
              daily: bool = False, segments: Sequence[date] = (), only: dict[str, str] | None = None
              ) -> tuple[list[str], list[tuple], np.ndarray]:
    """``sums`` without the DataFrame: the key names, each row's keys, the sums (rows × measures, int64)."""
    if by not in BY_LEVELS:
        raise ValueError(f"by: must be one of {BY_LEVELS}")
    table = table_for(model, scope, by)
    parts = []
    if table in MONTH_TABLES and period is not None and before is None and not daily:
        period.require_whole_days()
        parts = month_parts(period.first_day, period.end_day, segments)
    if any(whole for whole, _, _ in parts):
        # whole months from the month twin, the days at the ends from the day table: summed again outside
        arms = []
        for whole, first, end in parts:
            source = MONTH_TABLES[table] if whole else table
            stmt, names = _grouped(source, measures, scope, by, dims, daily, segments, only)
            arms.append(stmt.where(source.c.day >= first, source.c.day < end))
        if len(arms) > 1:
            sub = union_all(*arms).subquery("parts")
            outer = [sub.c[name] for name in names]
            stmt = select(*outer, *(_sum_of(sub.c[name], name) for name in measures))
            stmt = stmt.group_by(*outer) if outer else stmt
        else:
            stmt = arms[0]
    else:
        stmt, names = _grouped(table, measures, scope, by, dims, daily, segments, only)
        time_col = table.c.hour if table.name == WarningHour.__tablename__ else table.c.day
        if period is not None:
            if table.name != WarningHour.__tablename__:
                period.require_whole_days()
                stmt = stmt.where(time_col >= period.first_day, time_col < period.end_day)
            else:
                stmt = stmt.where(time_col >= period.start, time_col < period.end)
        if before is not None:
            stmt = stmt.where(time_col < before.end_day)
    rows = session.execute(stmt).all()
    # the sums straight into one int64 block (converting column by column was most of the time)
    n = len(names)
    block = np.array([r[n:] for r in rows], dtype=np.int64).reshape(len(rows), len(measures))
    return names, [tuple(r[:n]) for r in rows], block


def _grouped(table, measures: dict[str, object], scope: Scope, by: str | None, dims: tuple[str, ...],
             daily: bool, segments: Sequence[date], only: dict[str, str] | None = None):
    """The sums of ``table`` in ``scope`` grouped by the keys, before any time condition: (stmt, key names)."""
    columns = [_sum_of(m(table), name) if callable(m) else _summed(table, m, name) for name, m in measures.items()]
    keys = []
    if by is not None:
        keys.append(unit_column(table, by).label("unit_id"))
    keys += [table.c[d] for d in dims]
    if daily:
        keys.append(table.c.day)
    if segments:
        keys.append(case(*((table.c.day < day, i) for i, day in enumerate(segments)),
                         else_=len(segments)).label("segment"))
    stmt = select(*keys, *columns).where(scope_condition(table, scope),
                                         *(table.c[name] == value for name, value in (only or {}).items()))
    if by is not None and table.name == PublicityDay.__tablename__ and by == "county":
        stmt = stmt.where(table.c.county_id.is_not(None))
    return (stmt.group_by(*keys) if keys else stmt), [k.name for k in keys]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_parts(first: date, end: date, bounds: Sequence[date] = ()) -> list[tuple[bool, date, date]]:
    """The days ``[first, end)`` as runs ``(whole, first, end)``: of whole months, or of days.

    A month is whole when all its days are inside and no day of ``bounds``
    (the segments' cuts) falls inside it after its first day, so that each
    month lies in one segment.  Adjacent runs of the same kind are joined.
    """
    parts: list[tuple[bool, date, date]] = []
    day = first
    while day < end:
        stop = min(_next_month(day), end)
        whole = day.day == 1 and stop == _next_month(day) and not any(day < b < stop for b in bounds)
        if parts and parts[-1][0] == whole:
            parts[-1] = (whole, parts[-1][1], stop)
        else:
            parts.append((whole, day, stop))
        day = stop
    return parts


def _sum_of(expression, name: str):
    return func.coalesce(func.sum(expression), 0).label(name)


@cache
def _summed(table, column: str, name: str):
    """The labelled sum of a plain column, built once (the view asks for the same ones many times)."""
    return _sum_of(table.c[column], name)


def total(frame: pd.DataFrame, name: str) -> int:
    """The single value of a sums frame without breakdown (0 when empty)."""
    return int(frame[name].iloc[0]) if len(frame) else 0
