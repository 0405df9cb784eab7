"""Warning volume by unit, for any period (to the second), still read from the aggregates.

Whole days come from ``agg_warnings_day``; whole hours at the edges of a
period that does not start or end at midnight from ``agg_warnings_hour``;
only the minutes before the first and after the last whole hour from the
raw warnings, through their time index (at most two hours of rows).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.aggregates import WarningDay, WarningHour
from dashboard.domain.base import SHANGHAI, to_local_naive
from dashboard.metrics.period import Period
from dashboard.metrics.retired import without_idle_retired
from dashboard.metrics.sums import sums


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floor = _floor(moment, step)
    return floor if floor == moment else floor + step


def _floor(moment: datetime, step: timedelta) -> datetime:
    moment = moment.astimezone(SHANGHAI)
    if step == timedelta(days=1):
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(minute=0, second=0, microsecond=0)


def _pieces(start: datetime, end: datetime, step: timedelta) -> tuple[tuple, tuple | None, tuple]:
    """``[start, end)`` as (head, whole steps, tail); head and tail are the parts outside whole steps."""
    first, last = _ceil(start, step), _floor(end, step)
    if first >= last:
        return (start, end), None, (end, end)
    return (start, first), (first, last), (last, end)


def _raw(session: Session, scope: Scope, start: datetime, end: datetime, unit_col) -> pd.DataFrame:
    stmt = scope.filter_units(
        select(unit_col.label("unit_id"), func.count().label("warnings")).where(
            Warning.received_at >= to_local_naive(start), Warning.received_at < to_local_naive(end)),
        Warning.county_id, Warning.station_id).group_by(unit_col)
    return pd.DataFrame(session.execute(stmt).all(), columns=["unit_id", "warnings"])


def _counts(session: Session, scope: Scope, period: Period, level: str) -> pd.DataFrame:
    measure = {"warnings": "received"}
    head, days, tail = _pieces(period.start, period.end, timedelta(days=1))
    parts = [sums(session, WarningDay, measure, scope, Period(*days), by=level)] if days else []
    unit_col = Warning.county_id if level == "county" else Warning.station_id
    for start, end in (head, tail):
        if start >= end:
            continue
        before, hours, after = _pieces(start, end, timedelta(hours=1))
        if hours:
            parts.append(sums(session, WarningHour, measure, scope, Period(*hours), by=level))
        parts += [_raw(session, scope, a, b, unit_col) for a, b in (before, after) if a < b]
    if not parts:
        return pd.DataFrame(columns=["unit_id", "warnings"])
    return pd.concat(parts).groupby("unit_id", as_index=False)["warnings"].sum()


def warnings_by_unit(session: Session, scope: Scope, period: Period, level: str) -> pd.DataFrame:
    """Warnings received in ``period`` per unit of ``level`` ("county" or "station") in scope.

    Definition: the number of warnings whose ``received_at`` lies in
    ``[period.start, period.end)``, counted at the county or station the
    warning was routed to.  Every unit of that level in scope is listed,
    with 0 where it had none (but a unit retired before the period with none,
    ``metrics.retired``).  Columns: unit_id, code, name_zh, name_en,
    parent_id, warnings.
    """
    if level not in ("county", "station"):
        raise ValueError("level: must be 'county' or 'station'")
    units = scope.filter_org_units(
        select(OrgUnit.id.label("unit_id"), OrgUnit.code, OrgUnit.name_zh, OrgUnit.name_en,
               OrgUnit.parent_id).where(OrgUnit.level == level).order_by(OrgUnit.code)
    )
    unit_df = pd.DataFrame(session.execute(units).all(),
                           columns=["unit_id", "code", "name_zh", "name_en", "parent_id"])
    out = unit_df.merge(_counts(session, scope, period, level), on="unit_id", how="left")
    out["warnings"] = out["warnings"].fillna(0).astype(int)
    return without_idle_retired(session, out, period)
