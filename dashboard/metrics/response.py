"""How fast warnings are answered: percentiles of waiting times and the share within the deadline.

Waiting times come from the histogram tables (``agg_response_day`` and its
county twin): each column counts warnings whose wait fell in one bucket
(whole minutes below an hour, then 5, 15 and 60 minutes wide; a day or more
is the last bucket).  A percentile is the nearest-rank value read from the
summed histogram and reported as its bucket's lower bound, so below an hour
it is exact to the minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import Warning
from dashboard.domain.aggregates import RESPONSE_BUCKETS, ResponseDay, WarningDay, bucket_column
from dashboard.domain.base import to_local_naive
from dashboard.domain.reference import RiskLevel
from dashboard.metrics.period import Period
from dashboard.metrics.sums import sums

PERCENTILES = {"median": (1, 2), "p90": (9, 10)}  # name -> fraction (numerator, denominator)
BUCKET_COLUMNS = [bucket_column(b) for b in RESPONSE_BUCKETS]


def percentile(counts, fraction: tuple[int, int]) -> int | None:
    """Nearest-rank percentile of a histogram (counts in ``RESPONSE_BUCKETS`` order), in minutes.

    The rank is ``ceil(n * p)`` of the ``n`` waits sorted ascending; the answer
    is the lower bound of the bucket holding that wait; None without waits.
    """
    n = int(sum(counts))
    if n == 0:
        return None
    numerator, denominator = fraction
    rank = -(-n * numerator // denominator)
    seen = 0
    for lower, count in zip(RESPONSE_BUCKETS, counts, strict=True):
        seen += int(count)
        if seen >= rank:
            return lower
    raise AssertionError("rank beyond the histogram")


def response_times(session: Session, scope: Scope, period: Period, by: str | None = None) -> pd.DataFrame:
    """Median and 90th percentile of the wait to first contact and to the first door visit.

    Definition: for warnings *received* in ``period`` that have had a first
    contact (resp. a door visit), the minutes from ``received_at`` to
    ``first_contact_at`` (resp. to the start of the first door-visit
    attempt), rounded down; nearest-rank percentiles, reported as the lower
    bound of the histogram bucket.  Columns: [unit_id,] measure, warnings,
    median, p90.
    """
    hist = sums(session, ResponseDay, {c: c for c in BUCKET_COLUMNS}, scope, period, by,
                dims=("measure",))
    keys = [c for c in ("unit_id", "measure") if c in hist]
    out = hist[keys].copy()
    counts = hist[BUCKET_COLUMNS].to_numpy()
    out["warnings"] = counts.sum(axis=1).astype("int64")
    for name, fraction in PERCENTILES.items():
        out[name] = pd.array([percentile(row, fraction) for row in counts], dtype="Int64")
    return out


def longest_response_minutes(session: Session) -> int:
    """The longest response time of any risk level: no deadline lies further after receipt."""
    return session.scalar(select(func.max(RiskLevel.response_minutes))) or 0


def not_yet_due(session: Session, scope: Scope, period: Period, now: datetime,
                by: str | None, longest: int | None = None) -> pd.DataFrame:
    """Warnings received in ``period`` with no first contact and a deadline still ahead at ``now``.

    Read from the raw table, but only the last few hours of it (``longest``,
    from ``longest_response_minutes`` unless given); a period that ended
    before those hours has none, and no statement is sent for it.
    """
    longest = longest_response_minutes(session) if longest is None else longest
    unit = {"county": Warning.county_id, "station": Warning.station_id}.get(by)
    keys = [unit.label("unit_id")] if unit is not None else []
    now = to_local_naive(now)
    since = max(to_local_naive(period.start), now - timedelta(minutes=longest + 1))
    if since >= to_local_naive(period.end):
        empty = {k.name: pd.Series([], dtype="int64") for k in keys}
        return pd.DataFrame({**empty, "not_yet_due": pd.Series([] if keys else [0], dtype="int64")})
    stmt = scope.filter_units(
        select(*keys, func.count().label("not_yet_due")).where(
            Warning.received_at >= since, Warning.received_at < to_local_naive(period.end),
            Warning.first_contact_at.is_(None), Warning.deadline_at > now),
        Warning.county_id, Warning.station_id)
    if keys:
        stmt = stmt.group_by(*keys)
    return pd.DataFrame(session.execute(stmt).all(), columns=[k.name for k in keys] + ["not_yet_due"])


def not_yet_due_counts(session: Session, scope: Scope, periods: list[Period], now: datetime,
                       longest: int | None = None) -> list[int]:
    """``not_yet_due`` of the whole scope for each of ``periods``, in one statement.

    The periods that reach into the last hours (the period and its compared
    part, when both run up to today) read the same raw warnings: each is
    counted by a sum over the rows of the hours they cover together.
    """
    longest = longest_response_minutes(session) if longest is None else longest
    now = to_local_naive(now)
    horizon = now - timedelta(minutes=longest + 1)
    windows = [(i, max(to_local_naive(p.start), horizon), to_local_naive(p.end)) for i, p in enumerate(periods)]
    windows = [(i, first, end) for i, first, end in windows if first < end]
    counts = [0] * len(periods)
    if not windows:
        return counts
    received = Warning.received_at
    stmt = scope.filter_units(
        select(*(func.coalesce(func.sum(case((and_(received >= first, received < end), 1), else_=0)), 0)
                 for _, first, end in windows)).where(
            received >= min(first for _, first, _ in windows), received < max(end for _, _, end in windows),
            Warning.first_contact_at.is_(None), Warning.deadline_at > now),
        Warning.county_id, Warning.station_id)
    for (i, _, _), count in zip(windows, session.execute(stmt).one(), strict=True):
        counts[i] = int(count)
    return counts


def within_deadline(session: Session, scope: Scope, period: Period, now: datetime,
                    by: str | None = None) -> pd.DataFrame:
    """The share of warnings reached within their deadline.

    Definition: of the warnings received in ``period``, those whose
    ``first_contact_at`` is at or before ``deadline_at`` (``on_time``),
    divided by those that are due (``due``): every warning received except
    those still uncontacted whose deadline is after ``now``.  Columns:
    [unit_id,] on_time, due, share (None when nothing is due).
    """
    agg = sums(session, WarningDay, {"on_time": "contacted_on_time", "received": "received"},
               scope, period, by)
    waiting = not_yet_due(session, scope, period, now, by)
    if by is None:
        agg["not_yet_due"] = int(waiting["not_yet_due"].iloc[0]) if len(waiting) else 0
    else:
        agg = agg.merge(waiting, on="unit_id", how="left")
        agg["not_yet_due"] = agg["not_yet_due"].fillna(0).astype("int64")
    agg["due"] = agg["received"] - agg["not_yet_due"]
    agg["share"] = [on / due if due else None for on, due in zip(agg["on_time"], agg["due"], strict=True)]
    return agg.drop(columns=["received", "not_yet_due"])
