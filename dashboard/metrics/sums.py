"""Sums over the aggregate tables for a scope, a period of whole days and an optional breakdown.

Every figure of the metrics layer comes through ``sums``: it picks the
county twin of a table when whole counties are asked for (a city or county
scope, not broken down by station), narrows the rows to the scope's units
and the period's days, and groups them by the child unit (``by``) and by
the table's own dimension (``dims``).  Where a county twin has a month twin,
the whole months of the period are read from it and only the days at the
ends from the day table (``month_parts``); a running total reads the months
before the period from it too (``running_parts``).  No raw table is read
here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, case, false, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from dashboard.auth.scope import BOUND_UNIT_IDS, Scope
from dashboard.domain.aggregates import COUNTY_TWINS, MONTH_TWINS, PublicityDay, WarningHour
from dashboard.metrics.period import Period, disjoint, next_month

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


def scope_condition(table):
    """Rows of ``table`` inside the scope whose units are bound at execution (``Scope.bound_values``).

    By station, by county for county twins, by unit for publicity.
    """
    if "station_id" in table.c:
        column = table.c.station_id
    elif table.name == PublicityDay.__tablename__:
        column = table.c.unit_id
    else:
        column = table.c.county_id
    return column.in_(BOUND_UNIT_IDS)


@dataclass(frozen=True)
class Among:
    """A measure: the column ``measure`` on rows whose ``dimension`` is one of ``values``, else 0.

    Equal specs are equal (unlike lambdas), so their statements are kept too.
    """

    measure: str
    dimension: str
    values: tuple[str, ...]

    def __call__(self, table):
        return case((table.c[self.dimension].in_(self.values), table.c[self.measure]), else_=0)


@dataclass(frozen=True)
class Difference:
    """A measure: the column ``measure`` less the column ``less``."""

    measure: str
    less: str

    def __call__(self, table):
        return table.c[self.measure] - table.c[self.less]


def sums(session: Session, model, measures: dict[str, object], scope: Scope,
         period: Period | Sequence[Period] | None,
         by: str | None = None, dims: tuple[str, ...] = (), before: Period | None = None,
         daily: bool = False, segments: Sequence[date] = (), only: dict[str, str] | None = None
         ) -> pd.DataFrame:
    """Sums of ``measures`` (name -> a column name, an ``Among`` or ``Difference``, or a function of the table).

    Rows: one per ``by`` unit (column ``unit_id``) and per ``dims`` value (and
    per ``day`` if ``daily``); without ``by`` and ``dims`` a single row.
    ``period`` limits the days (several disjoint periods: their days, in one
    statement); ``before`` instead takes every day before that period's end
    (for running totals such as the open queue).
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


def sum_block(session: Session, model, measures: dict[str, object], scope: Scope,
              period: Period | Sequence[Period] | None,
              by: str | None = None, dims: tuple[str, ...] = (), before: Period | None = None,
              daily: bool = False, segments: Sequence[date] = (), only: dict[str, str] | None = None
              ) -> tuple[list[str], list[tuple], np.ndarray]:
    """``sums`` without the DataFrame: the key names, each row's keys, the sums (rows × measures, int64)."""
    if by not in BY_LEVELS:
        raise ValueError(f"by: must be one of {BY_LEVELS}")
    table = table_for(model, scope, by)
    if before is not None and period is None and not daily and table in MONTH_TABLES:
        parts = running_parts(before.end_day, segments)
    else:
        parts = _parts(table, [] if period is None else [period] if isinstance(period, Period) else period,
                       segments, monthly=before is None and not daily)
    only = only or {}
    # the statement's shape: everything but the values, which are sent as parameters
    shape = (table.name, tuple(measures.items()), by, dims, daily, len(segments), tuple(only),
             tuple(whole for whole, _, _ in parts), before is not None, scope.is_empty)
    kept = _kept(measures)
    built = _STATEMENTS.get(shape) if kept else None
    if built is None:
        built = _statement(table, measures, scope.is_empty, by, dims, daily, len(segments), tuple(only),
                           [whole for whole, _, _ in parts], before is not None)
        if kept:
            if len(_STATEMENTS) >= STATEMENT_CACHE_SIZE:
                _STATEMENTS.clear()
            _STATEMENTS[shape] = built
    stmt, names = built
    values = {} if scope.is_empty else scope.bound_values()
    values.update({f"sums_segment{i}": day for i, day in enumerate(segments)})
    values.update({f"sums_only_{name}": value for name, value in only.items()})
    for i, (_, first, end) in enumerate(parts):
        values.update({f"sums_from{i}": first, f"sums_to{i}": end})
    if before is not None:
        values["sums_before"] = before.end_day
    rows = session.execute(stmt, values).all()
    # the sums straight into one int64 block (converting column by column was most of the time)
    n = len(names)
    block = np.array([r[n:] for r in rows], dtype=np.int64).reshape(len(rows), len(measures))
    return names, [tuple(r[:n]) for r in rows], block


def _parts(table, periods: Sequence[Period], segments: Sequence[date], monthly: bool
           ) -> list[tuple[bool, object, object]]:
    """The runs of time read, ``(from the month twin, from, to)``: none when the days are not limited."""
    hourly = table.name == WarningHour.__tablename__
    if not disjoint(periods):
        raise ValueError("period: several periods must not overlap (their days would be counted twice)")
    parts = []
    for period in periods:
        if not hourly:
            period.require_whole_days()
        runs = month_parts(period.first_day, period.end_day, segments) if table in MONTH_TABLES and monthly else []
        if not any(whole for whole, _, _ in runs):  # one reading of the table itself
            runs = [(False, *((period.start, period.end) if hourly else (period.first_day, period.end_day)))]
        parts += runs
    return parts


def running_parts(end: date, bounds: Sequence[date] = ()) -> list[tuple[bool, date, date]]:
    """Every day before ``end`` as runs (``month_parts``): a running total read as history grows.

    The whole months before the first month that ``end`` or a cut of
    ``bounds`` falls in come from the month twin in one run, from its first
    row on; three years of history cost a few dozen month rows more than
    one year, not a thousand day rows.
    """
    start = min([end, *bounds]).replace(day=1)
    runs = month_parts(start, end, bounds)
    if runs and runs[0][0]:
        return [(True, date.min, runs[0][2]), *runs[1:]]
    return [(True, date.min, start), *runs]


# Built statements by shape (``sum_block``): a view sends the same few dozen shapes with other
# values, and building one (a histogram's is 131 sums) cost more than the database's answer.
# Only shapes whose measures are columns or specs are kept: a lambda is a new object each time.
STATEMENT_CACHE_SIZE = 2048
_STATEMENTS: dict[tuple, tuple] = {}
KEPT_MEASURES = (str, Among, Difference)


def _kept(measures: dict[str, object]) -> bool:
    return all(isinstance(m, KEPT_MEASURES) for m in measures.values())


def _statement(table, measures: dict[str, object], empty: bool, by: str | None, dims: tuple[str, ...],
               daily: bool, segments: int, only: tuple[str, ...], arms: list[bool], before: bool):
    """The statement of a shape, its values left as parameters (``sum_block`` names them): (stmt, key names).

    ``arms``: one per run of days read (whole months from the month twin when
    True), none when the period is not limited.
    """
    def read(source, i: int | None, inner: bool = False):
        stmt, names = _grouped(source, measures, empty, by, dims, daily, segments, only, inner)
        time_col = source.c.hour if source.name == WarningHour.__tablename__ else source.c.day
        if i is not None:
            stmt = stmt.where(time_col >= bindparam(f"sums_from{i}", type_=time_col.type),
                              time_col < bindparam(f"sums_to{i}", type_=time_col.type))
        if before:
            stmt = stmt.where(time_col < bindparam("sums_before", type_=time_col.type))
        return stmt, names

    if not arms:
        return read(table, None)
    if len(arms) == 1:
        return read(MONTH_TABLES[table] if arms[0] else table, 0)
    reads = [read(MONTH_TABLES[table] if whole else table, i, inner=True) for i, whole in enumerate(arms)]
    names = reads[0][1]
    # whole months from the month twin, the days at the ends from the day table: summed again outside
    sub = union_all(*(stmt for stmt, _ in reads)).subquery("parts")
    outer = [sub.c[name] for name in names]
    stmt = select(*outer, *(_sum_of(sub.c[name], name) for name in measures))
    return (stmt.group_by(*outer) if outer else stmt), names


def _grouped(table, measures: dict[str, object], empty: bool, by: str | None, dims: tuple[str, ...],
             daily: bool, segments: int, only: tuple[str, ...] = (), inner: bool = False):
    """The sums of ``table`` in the scope (of the parameters) grouped by the keys, no time condition.

    (stmt, key names); ``empty``: the scope sees nothing.  ``inner``: an arm
    summed again outside, whose sums may stay NULL (the outer ones are not).
    """
    columns = [(_sum_of(m(table), name, inner) if callable(m) else _summed(table, m, name, inner))
               for name, m in measures.items()]
    keys = []
    if by is not None:
        keys.append(unit_column(table, by).label("unit_id"))
    keys += [table.c[d] for d in dims]
    if daily:
        keys.append(table.c.day)
    grouping = list(keys)
    if segments:  # the piece's number written into the SQL, grouped by its name: no parameter twice over
        keys.append(case(*((table.c.day < bindparam(f"sums_segment{i}", type_=table.c.day.type),
                            literal_column(str(i))) for i in range(segments)),
                         else_=literal_column(str(segments))).label("segment"))
        grouping.append(literal_column("segment"))
    stmt = select(*keys, *columns).where(false() if empty else scope_condition(table),
                                         *(table.c[name] == bindparam(f"sums_only_{name}", type_=table.c[name].type)
                                           for name in only))
    if by is not None and table.name == PublicityDay.__tablename__ and by == "county":
        stmt = stmt.where(table.c.county_id.is_not(None))
    return (stmt.group_by(*grouping) if keys else stmt), [k.name for k in keys]


def month_parts(first: date, end: date, bounds: Sequence[date] = ()) -> list[tuple[bool, date, date]]:
    """The days ``[first, end)`` as runs ``(whole, first, end)``: of whole months, or of days.

    A month is whole when all its days are inside and no day of ``bounds``
    (the segments' cuts) falls inside it after its first day, so that each
    month lies in one segment.  Adjacent runs of the same kind are joined.
    """
    parts: list[tuple[bool, date, date]] = []
    day = first
    while day < end:
        stop = min(next_month(day), end)
        whole = day.day == 1 and stop == next_month(day) and not any(day < b < stop for b in bounds)
        if parts and parts[-1][0] == whole:
            parts[-1] = (whole, parts[-1][1], stop)
        else:
            parts.append((whole, day, stop))
        day = stop
    return parts


# written into the SQL, not a parameter: psycopg converts a statement of more than 50 parameters
# (or 4 kB) into PostgreSQL's form anew each time, in Python, and each sum's 0 was one
ZERO = literal_column("0")


def _sum_of(expression, name: str, inner: bool = False):
    summed = func.sum(expression)
    return (summed if inner else func.coalesce(summed, ZERO)).label(name)


@cache
def _summed(table, column: str, name: str, inner: bool = False):
    """The labelled sum of a plain column, built once (the view asks for the same ones many times)."""
    return _sum_of(table.c[column], name, inner)


def total(frame: pd.DataFrame, name: str) -> int:
    """The single value of a sums frame without breakdown (0 when empty)."""
    return int(frame[name].iloc[0]) if len(frame) else 0
