"""Year on year (同比) and period on period (环比) for every KPI.

A finished period is compared whole with the period before it and with the
same dates last year.  A period still running is compared on its complete
days only (this month's 1st to yesterday against the same days of last
month and of last year), so that a half-finished today never reads as a
fall.  "Today" itself has no complete day: it is compared hour by hour
(warnings received until the last full hour against the same hours
yesterday and a year ago); its other figures have no comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit
from dashboard.domain.aggregates import WarningHour
from dashboard.domain.base import SHANGHAI
from dashboard.i18n.numbers import is_no_change
from dashboard.metrics.kpis import KPIS, kpi_frames
from dashboard.metrics.period import Period, year_back
from dashboard.metrics.sums import sums, total

HOURLY_KPIS = ("received", "received_per_day")


@dataclass(frozen=True)
class Windows:
    """What is compared with what."""

    current: Period          # the chosen period: the figures shown
    basis: Period | None     # the part of it that is compared (None: nothing to compare yet)
    previous: Period | None  # 环比
    last_year: Period | None  # 同比
    hourly: bool = False     # today: compared by the hour, warnings received only

    def __deepcopy__(self, _memo) -> Windows:
        # immutable: pandas deep-copies a frame's attrs (``attrs["windows"]``) at every step
        return self


def comparison_windows(period: Period, now: datetime) -> Windows:
    """The windows compared for ``period`` seen at ``now`` (see the module docstring)."""
    now = now.astimezone(SHANGHAI)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period.end <= today:
        return Windows(period, period, period.previous(), period.last_year())
    if period.start < today:
        complete = (today.date() - period.first_day).days
        previous, last_year = period.previous(), period.last_year()
        return Windows(period, period.first_days(complete),
                       previous.first_days(min(complete, previous.days)),
                       last_year.first_days(min(complete, last_year.days)))
    hour = now.replace(minute=0, second=0, microsecond=0)
    if period.start >= now or hour <= period.start:
        return Windows(period, None, None, None, hourly=True)
    basis = Period(period.start, hour, period.kind)
    day = timedelta(days=1)
    year_start = datetime.combine(year_back(basis.start.date()), basis.start.time(), SHANGHAI)
    return Windows(period, basis, Period(basis.start - day, basis.end - day, period.kind),
                   Period(year_start, year_start + (basis.end - basis.start), period.kind), hourly=True)


def _change(value, base):
    if value is None or base is None or pd.isna(value) or pd.isna(base):
        return None, None
    delta = value - base
    return delta, (delta / base if base else None)


def _verdict(delta, pct, kind: str, better: str) -> str | None:
    """"better", "worse" or "same" for a change, given which direction is good.

    "same" when the change reads as none where it is shown (``is_no_change``:
    rounded to 0.0% or 0.0 points), so the colour agrees with "持平".
    """
    if delta is None or better == "neutral":
        return None if delta is None else "neutral"
    if is_no_change(kind, delta, pct):
        return "same"
    return "better" if (delta > 0) == (better == "up") else "worse"


def _hourly_received(session: Session, scope: Scope, window: Period) -> int:
    return total(sums(session, WarningHour, {"received": "received"}, scope, window), "received")


def kpi_comparison(session: Session, scope: Scope, period: Period, now: datetime) -> pd.DataFrame:
    """Every KPI of ``scope`` in ``period`` with 同比 and 环比, one row per KPI.

    Columns: key, group, kind, better, value (the whole period), compared
    (the value over ``basis``), previous, last_year, change_previous,
    pct_previous, verdict_previous, change_last_year, pct_last_year,
    verdict_last_year, per_10k (``value`` per 10,000 residents for counts
    and amounts where the unit has a population).  ``windows`` of the frame's
    ``attrs`` says which dates were compared.
    """
    windows = comparison_windows(period, now)
    compared = previous = last_year = None
    if windows.basis is not None and not windows.hourly:
        # one reading of the aggregate tables for the four windows
        frame = kpi_frames(session, scope, [period, windows.basis, windows.previous, windows.last_year], now)
        current, compared, previous, last_year = (row for _, row in frame.iterrows())
    else:
        current = kpi_frames(session, scope, [period], now).iloc[0]
    if windows.basis is not None and windows.hourly:
        counts = [_hourly_received(session, scope, w) for w in (windows.basis, windows.previous,
                                                                 windows.last_year)]
        compared, previous, last_year = ({k: n for k in HOURLY_KPIS} for n in counts)
    population = session.get(OrgUnit, scope.unit_id).population if scope.unit_id else None
    rows = []
    for kpi in KPIS:
        value = current[kpi.key]
        row = {"key": kpi.key, "group": kpi.group, "kind": kpi.kind, "better": kpi.better,
               "value": None if pd.isna(value) else value}
        base = compared.get(kpi.key) if compared is not None else None
        row["compared"] = None if base is None or pd.isna(base) else base
        for name, other in (("previous", previous), ("last_year", last_year)):
            other_value = other.get(kpi.key) if other is not None else None
            other_value = None if other_value is None or pd.isna(other_value) else other_value
            delta, pct = _change(row["compared"], other_value)
            row.update({name: other_value, f"change_{name}": delta, f"pct_{name}": pct,
                        f"verdict_{name}": _verdict(delta, pct, kpi.kind, kpi.better)})
        row["per_10k"] = (float(value) / population * 10_000
                          if kpi.additive and population and row["value"] is not None else None)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["windows"] = windows
    return frame
