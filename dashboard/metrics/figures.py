"""A page's own figures beside their 同比 and 环比, and the shared pieces of page metrics.

The overview's figures are ``kpis.KPIS``; the funds, cases and prevention
pages show a few more (the share of reported loss stopped, the minutes to
a stop-payment, ...).  Each page computes its figures with one function
``compute(session, scope, periods) -> [{key: value}, ...]`` (one answer per
period, every period read in the same statements), and ``compare_figures``
calls it once for the period, the part of it that is compared, the period
before and the same dates last year, with exactly the windows of
the overview (``compare.comparison_windows``: a running period is compared
on its complete days; today has nothing complete to compare).  The answer
has the columns of ``compare.kpi_comparison``, so ``components.kpi_cards``
draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.compare import COMPARED, Windows, comparison_row, comparison_windows, mature
from dashboard.metrics.period import Period, next_month
from dashboard.metrics.sums import sums
from dashboard.metrics.units import UnitView, breadcrumb, map_view

MONTHLY_FROM_DAYS = 62  # longer periods are drawn by month, shorter ones by day

Compute = Callable[[Session, Scope, list[Period]], list[dict]]


@dataclass(frozen=True)
class Figure:
    key: str     # also its message id ``kpi.<key>`` (and ``kpi.<key>.help``)
    kind: str    # count, yuan, rate, minutes
    better: str  # up, down or neutral
    group: str = "page"
    matures_days: int = 0  # a cohort rate that grows for this many days: compared only once mature

    @property
    def additive(self) -> bool:
        return self.kind in ("count", "yuan")


def _clean(value):
    return None if value is None or pd.isna(value) else value


def compare_figures(session: Session, scope: Scope, period: Period, now: datetime,
                    figures: tuple[Figure, ...], compute: Compute) -> pd.DataFrame:
    """``figures`` of ``scope`` in ``period`` with 同比 and 环比 (see the module docstring).

    Columns as ``compare.kpi_comparison``; ``attrs["windows"]`` says which
    dates were compared (``basis`` None: nothing was).
    """
    windows = comparison_windows(period, now)
    if windows.hourly:  # today: the page figures have no hourly comparison
        windows = Windows(period, None, None, None)
    compared, others = None, {}
    if windows.basis is None:
        current = compute(session, scope, [period])[0]
    else:
        named = {"last_year": windows.last_year, "previous": windows.previous}
        named = {name: window for name, window in named.items() if window is not None}
        periods = list(dict.fromkeys([period, windows.basis, *named.values()]))
        values = dict(zip(periods, compute(session, scope, periods), strict=True))
        current, compared = values[period], values[windows.basis]
        others = {name: values[window] for name, window in named.items()}
    unit = session.get(OrgUnit, scope.unit_id) if scope.unit_id else None
    population = unit.population if unit is not None else None
    rows = []
    for figure in figures:
        value = _clean(current.get(figure.key))
        row = comparison_row(figure, value, compared.get(figure.key) if compared is not None else None,
                             {name: other.get(figure.key) for name, other in others.items()},
                             mature(figure.matures_days, windows.basis, now))
        row["per_10k"] = (float(value) / population * 10_000
                          if figure.additive and population and value is not None else None)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["windows"] = windows
    return frame


def child_units(session: Session, scope: Scope, level: str) -> pd.DataFrame:
    """Every unit of ``level`` in scope: unit_id, code, name_zh, name_en, parent_id, population."""
    if level not in ("county", "station"):
        raise ValueError("level: must be 'county' or 'station'")
    rows = session.execute(scope.filter_org_units(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name_zh, OrgUnit.name_en, OrgUnit.parent_id,
               OrgUnit.population).where(OrgUnit.level == level)).order_by(OrgUnit.code)).all()
    return pd.DataFrame(rows, columns=["unit_id", "code", "name_zh", "name_en", "parent_id", "population"])


def with_units(units: pd.DataFrame, *frames: pd.DataFrame) -> pd.DataFrame:
    """``units`` with each frame's columns merged on unit_id; counts missing for a unit are 0."""
    out = units
    for frame in frames:
        out = out.merge(frame, on="unit_id", how="left")
        for name in frame.columns:
            if name != "unit_id" and pd.api.types.is_numeric_dtype(frame[name]):
                out[name] = out[name].fillna(0).astype("int64")
    return out


def ratio(numerator, denominator) -> list:
    """Element-wise ``numerator / denominator``, None where the denominator is 0."""
    return [n / d if d else None for n, d in zip(numerator, denominator, strict=True)]


def grain_of(period: Period) -> str:
    """"month" for periods longer than ``MONTHLY_FROM_DAYS`` days, else "day"."""
    return "month" if period.days > MONTHLY_FROM_DAYS else "day"


def _bucket_starts(period: Period, grain: str) -> list[date]:
    if grain == "day":
        return [period.first_day + timedelta(days=i) for i in range(period.days)]
    starts, day = [], period.first_day.replace(day=1)
    while day < period.end_day:
        starts.append(day)
        day = next_month(day)
    return starts


def by_grain(daily: pd.DataFrame, period: Period, grain: str, columns: list[str],
             today: date | None = None) -> pd.DataFrame:
    """Daily sums (columns day and ``columns``) added up by day or calendar month of ``period``.

    Every day or month of the period is listed (0 where nothing happened);
    column ``start`` is the first day of each bucket.  A bucket that starts
    after ``today`` has not come yet: its values are None, never 0.
    """
    starts = _bucket_starts(period, grain)
    out = pd.DataFrame({"start": starts})
    summed = None
    if not daily.empty:
        keys = [d if grain == "day" else d.replace(day=1) for d in daily["day"]]
        summed = daily[columns].groupby(keys).sum()
    for name in columns:
        values = [int(summed[name].get(s, 0)) if summed is not None else 0 for s in starts]
        if today is not None and starts and starts[-1] > today:  # None stays None (not NaN): object dtype
            values = pd.Series([None if s > today else v for s, v in zip(starts, values, strict=True)],
                               dtype=object)
        out[name] = values
    return out


def over_time(session: Session, table, measures: dict[str, object], scope: Scope, period: Period,
              today: date | None = None) -> pd.DataFrame:
    """The sums of ``measures`` (as ``sums.sums``) of ``table`` by day or month (``grain_of``).

    Columns: start (first day of the bucket) and the keys of ``measures``
    (None for the buckets after ``today``: days not yet come are not drawn);
    ``attrs["grain"]`` is "day" or "month".
    """
    daily = sums(session, table, measures, scope, period, daily=True)
    grain = grain_of(period)
    out = by_grain(daily, period, grain, list(measures), today)
    out.attrs["grain"] = grain
    return out


def pct_change(value, base):
    """(value - base) / base, None when the base is 0 or missing."""
    if value is None or base is None or pd.isna(value) or pd.isna(base) or not base:
        return None
    return (value - base) / base


def compared_periods(period: Period, windows: Windows | None) -> list[Period]:
    """``period``, then the windows its 同比 / 环比 compare (basis, last year[, previous]) if any."""
    if windows is None or windows.basis is None:
        return [period]
    return [period, windows.basis, windows.last_year, *([windows.previous] if windows.previous else [])]


def add_changes(out: pd.DataFrame, compared: list[pd.DataFrame], column: str, key: str = "unit_id") -> None:
    """Add the 同比 and 环比 of ``column`` to ``out``, row by row (matched on ``key``).

    ``compared``: the frames of the compared windows (basis, last year,
    previous; ``compared_periods`` after the period), or none: the changes
    are None.  Columns ``<column>_pct_last_year`` and, unless the windows
    have no 环比 (``Windows.names``), ``<column>_pct_previous``.
    """
    names = COMPARED[:len(compared) - 1] if compared else COMPARED
    for name in names:
        out[f"{column}_pct_{name}"] = None
    if compared:
        basis, *others = (frame.set_index(key)[column] for frame in compared)
        for name, other in zip(names, others, strict=True):
            out[f"{column}_pct_{name}"] = [pct_change(int(basis.get(k, 0)), int(other.get(k, 0)))
                                           for k in out[key]]


@dataclass
class ReportView:
    """What every report page shows around its own sections: the unit, its chain, the figures."""

    unit: OrgUnit
    scope: Scope               # the viewed unit's subtree
    chain: list[OrgUnit]       # breadcrumb, from the top of the viewer's scope
    period: Period
    figures: pd.DataFrame      # compare_figures
    level: str                 # level of the units in the page's unit sections
    units_scope: Scope         # the scope of those units (a station's view: its county's, if visible)
    highlight: str | None      # the code of the viewed station among its peers
    today: date | None = None  # the day the page is drawn: later days of the period have not come yet


def report_view(session: Session, scope: Scope, view: UnitView, period: Period, now: datetime,
                figures: tuple[Figure, ...], compute: Compute) -> ReportView:
    """The frame of a report page for ``view`` (a ``units.UnitView`` the viewer may see)."""
    units_scope, level, highlighted = map_view(session, scope, view)
    return ReportView(unit=view.unit, scope=view.scope, chain=breadcrumb(session, scope, view.unit), period=period,
                      figures=compare_figures(session, view.scope, period, now, figures, compute),
                      level=level, units_scope=units_scope,
                      highlight=highlighted.code if highlighted is not None else None,
                      today=now.astimezone(SHANGHAI).date())
