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


def hourly_today(session: Session, scope: Scope, now: datetime) -> pd.DataFrame:
    """Warnings received in each hour of today, yesterday and the same date last year.

    Definition: warnings whose ``received_at`` falls in the local hour.
    Columns: hour (0-23), today (None for hours not begun yet), yesterday,
    last_year.
    """
    now = now.astimezone(SHANGHAI)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = {"today": today, "yesterday": today - timedelta(days=1),
              "last_year": datetime.combine(year_back(today.date()), today.time(), SHANGHAI)}
    # the three days in one statement, as a plain block: the live poll runs every few seconds on every open screen
    _, keys, block = sum_block(session, WarningHour, {"received": "received"}, scope,
                               [Period(start, start + timedelta(days=1)) for start in starts.values()], dims=("hour",))
    by_hour = {to_local_naive(key[0]): int(n) for key, n in zip(keys, block[:, 0].tolist(), strict=True)}
    series = {name: [by_hour.get(to_local_naive(start) + timedelta(hours=h), 0) for h in range(24)]
              for name, start in starts.items()}
    hours = list(range(24))
    out = pd.DataFrame({"hour": hours})
    out["today"] = pd.array([n if h <= now.hour else None for h, n in zip(hours, series["today"], strict=True)],
                            dtype="Int64")
    out["yesterday"] = series["yesterday"]
    out["last_year"] = series["last_year"]
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
