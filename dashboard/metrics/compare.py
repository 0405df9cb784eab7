"""Year on year (同比) and period on period (环比) for every KPI.

A finished period is compared whole with the period before it and with the
same dates last year.  A period still running is compared on its complete
days only (this month's 1st to yesterday against the same days of last
month and of last year), so that a half-finished today never reads as a
fall.  "Today" itself has no complete day: it is compared hour by hour
(warnings received until the last full hour against the same hours
yesterday and a year ago); its other figures have no comparison.

Only comparisons with a meaning of their own are made (docs/metrics.md,
"Fair comparisons"): where the previous period is the same window as the
same dates last year (a year, a year to date), there is no 环比, only 同比.
A rate of a cohort that grows for weeks after its events (``matures_days``
of the figure: cases solved, money returned) is compared only when every
event of the compared days is at least that many days old; before, its
comparisons are "not yet comparable" (verdict ``immature``, no change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
COMPARED = ("last_year", "previous")  # 同比 and 环比, in the order they are shown
IMMATURE = "immature"  # the verdict of a comparison of a cohort rate too young to compare


@dataclass(frozen=True)
class Windows:
    """What is compared with what."""

    current: Period          # the chosen period: the figures shown
    basis: Period | None     # the part of it that is compared (None: nothing to compare yet)
    previous: Period | None  # 环比
    last_year: Period | None  # 同比
    hourly: bool = False     # today: compared by the hour, warnings received only

    @property
    def names(self) -> tuple[str, ...]:
        """The comparisons shown: 同比 and 环比, or 同比 alone where 环比 has no meaning of its own."""
        return COMPARED if self.previous is not None or self.last_year is None else ("last_year",)

    def __deepcopy__(self, _memo) -> Windows:
        # immutable: pandas deep-copies a frame's attrs (``attrs["windows"]``) at every step
        return self


def _meaningful(windows: Windows) -> Windows:
    """``windows`` without a 环比 that is the same window as the 同比 (a year, a year to date)."""
    previous, last_year = windows.previous, windows.last_year
    if previous is not None and last_year is not None and (previous.start, previous.end) == (
            last_year.start, last_year.end):
        return Windows(windows.current, windows.basis, None, last_year, windows.hourly)
    return windows


def comparison_windows(period: Period, now: datetime) -> Windows:
    """The windows compared for ``period`` seen at ``now`` (see the module docstring)."""
    return _meaningful(_windows(period, now))


def mature(matures_days: int, basis: Period | None, now: datetime) -> bool:
    """Whether a figure maturing over ``matures_days`` can be compared over ``basis`` at ``now``.

    True when every day of ``basis`` lies at least ``matures_days`` days
    before today (or the figure does not mature, or nothing is compared).
    """
    if not matures_days or basis is None:
        return True
    return (now.astimezone(SHANGHAI).date() - basis.last_day).days >= matures_days


def comparison_row(figure, value, compared, others: dict[str, Any], comparable: bool) -> dict:
    """One row of a comparison frame for ``figure`` (a ``Kpi`` or ``figures.Figure``).

    ``compared``: its value over the basis; ``others``: its value over each
    compared window by name (``COMPARED``; a window without meaning is
    absent).  Not ``comparable``: every change is None, verdict ``immature``.
    """
    row = {"key": figure.key, "group": figure.group, "kind": figure.kind, "better": figure.better,
           "matures_days": figure.matures_days, "value": _clean(value), "compared": _clean(compared)}
    for name in COMPARED:
        other = _clean(others.get(name))
        delta, pct = _change(row["compared"], other) if comparable else (None, None)
        verdict = _verdict(delta, pct, figure.kind, figure.better) if comparable else (
            IMMATURE if name in others and row["compared"] is not None else None)
        row.update({name: other, f"change_{name}": delta, f"pct_{name}": pct, f"verdict_{name}": verdict})
    return row


def _clean(value):
    return None if value is None or pd.isna(value) else value


def _windows(period: Period, now: datetime) -> Windows:
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
        # one reading of the aggregate tables for the (three or) four windows
        read = [period, windows.basis, windows.last_year, *([windows.previous] if windows.previous else [])]
        current, compared, last_year, *rest = (row for _, row in kpi_frames(session, scope, read, now).iterrows())
        previous = rest[0] if rest else None
    else:
        current = kpi_frames(session, scope, [period], now).iloc[0]
    if windows.basis is not None and windows.hourly:
        counts = [_hourly_received(session, scope, w) if w is not None else None
                  for w in (windows.basis, windows.previous, windows.last_year)]
        compared, previous, last_year = ({k: n for k in HOURLY_KPIS} if n is not None else None
                                         for n in counts)
    population = session.get(OrgUnit, scope.unit_id).population if scope.unit_id else None
    windows_by_name = {"previous": (windows.previous, previous), "last_year": (windows.last_year, last_year)}
    rows = []
    for kpi in KPIS:
        value = current[kpi.key]
        others = {name: (other.get(kpi.key) if other is not None else None)
                  for name, (window, other) in windows_by_name.items() if window is not None}
        base = compared.get(kpi.key) if compared is not None else None
        row = comparison_row(kpi, value, base, others,
                             windows.hourly or mature(kpi.matures_days, windows.basis, now))
        row["per_10k"] = (float(value) / population * 10_000
                          if kpi.additive and population and row["value"] is not None else None)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["windows"] = windows
    return frame
