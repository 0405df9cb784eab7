"""Live figures for today: warnings by hour, the last minutes, and the open queue now.

The hourly series reads ``agg_warnings_hour``; the last-minutes counter and
the open queue read the raw warnings, but only through their indexes (the
time index over a few minutes, the partial index of open warnings), so
they stay cheap however long the history grows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import Warning
from dashboard.domain.aggregates import WarningHour
from dashboard.domain.base import SHANGHAI, to_local_naive
from dashboard.metrics.period import Period, year_back
from dashboard.metrics.sums import sum_block


def _by_hour(session: Session, scope: Scope, day_start: datetime) -> dict[int, int]:
    window = Period(day_start, day_start + timedelta(days=1))
    # the plain block, not a frame: the live poll runs every few seconds on every open screen
    _, keys, block = sum_block(session, WarningHour, {"received": "received"}, scope, window, dims=("hour",))
    return {to_local_naive(key[0]).hour: int(n) for key, n in zip(keys, block[:, 0].tolist(), strict=True)}


def hourly_today(session: Session, scope: Scope, now: datetime) -> pd.DataFrame:
    """Warnings received in each hour of today, yesterday and the same date last year.

    Definition: warnings whose ``received_at`` falls in the local hour.
    Columns: hour (0-23), today (None for hours not begun yet), yesterday,
    last_year.
    """
    now = now.astimezone(SHANGHAI)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    year_ago = datetime.combine(year_back(today.date()), today.time(), SHANGHAI)
    series = {name: _by_hour(session, scope, start) for name, start in (
        ("today", today), ("yesterday", today - timedelta(days=1)), ("last_year", year_ago))}
    hours = list(range(24))
    out = pd.DataFrame({"hour": hours})
    out["today"] = pd.array([series["today"].get(h, 0) if h <= now.hour else None for h in hours],
                            dtype="Int64")
    out["yesterday"] = [series["yesterday"].get(h, 0) for h in hours]
    out["last_year"] = [series["last_year"].get(h, 0) for h in hours]
    return out


def received_recently(session: Session, scope: Scope, now: datetime, minutes: int) -> int:
    """Warnings received in the ``minutes`` up to ``now`` (``received_at`` in ``(now - minutes, now]``)."""
    now = to_local_naive(now)
    stmt = scope.filter_units(
        select(func.count()).select_from(Warning).where(
            Warning.received_at > now - timedelta(minutes=minutes), Warning.received_at <= now),
        Warning.county_id, Warning.station_id)
    return int(session.scalar(stmt) or 0)


def open_queue(session: Session, scope: Scope, now: datetime) -> dict[str, int]:
    """The warnings open now (status not closed) and, of those, the overdue ones.

    Overdue: open, with no first contact, and ``deadline_at`` before ``now``.
    """
    now = to_local_naive(now)
    overdue = ((Warning.first_contact_at.is_(None)) & (Warning.deadline_at < now))
    stmt = scope.filter_units(
        select(func.count(), func.coalesce(func.sum(case((overdue, 1), else_=0)), 0))
        .select_from(Warning).where(Warning.status != "closed"),
        Warning.county_id, Warning.station_id)
    total, late = session.execute(stmt).one()
    return {"open": int(total or 0), "overdue": int(late or 0)}
