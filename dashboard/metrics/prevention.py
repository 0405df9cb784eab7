"""Prevention: publicity events and the people they reached, and stations whose publicity lags.

Events count at the unit that held them (``agg_publicity_day``): a county's
figure includes its own events and its stations'.  ``publicity_gaps`` flags
the stations with many warnings and little publicity (``docs/metrics.md``,
"Prevention"): among the stations compared, a station is flagged when

- its warnings received in the period are at or above the upper quartile
  (75th percentile, linear interpolation) of those stations' warnings, and
- its publicity events per 1,000 warnings are below half the median of that
  rate over the same stations.

Fewer than ``MIN_STATIONS`` stations with warnings are too few to compare:
nothing is flagged.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain.aggregates import PublicityDay, WarningDay
from dashboard.domain.base import SHANGHAI
from dashboard.domain.reference import PublicityKind
from dashboard.metrics.figures import (
    Figure,
    ReportView,
    by_grain,
    child_units,
    over_time,
    ratio,
    with_units,
)
from dashboard.metrics.kpi_sources import period_sums
from dashboard.metrics.period import Period
from dashboard.metrics.retired import without_idle_retired
from dashboard.metrics.sums import sums, total

FIGURES: tuple[Figure, ...] = (
    Figure("publicity_events", "count", "up"),
    Figure("publicity_reach", "count", "up"),
    Figure("prevention_events_per_1000_warnings", "average", "up"),
)
MEASURES = {"publicity_events": "events", "publicity_reach": "reach"}
HIGH_VOLUME_QUANTILE = 0.75
LOW_PUBLICITY_FRACTION = 0.5
MIN_STATIONS = 4
HEATMAP_MONTHS = 12


def prevention_figures(session: Session, scope: Scope, periods: list[Period]) -> list[dict]:
    """Events, reach and events per 1,000 warnings received, for ``scope`` in each of ``periods``."""
    answers = []
    for events, received in zip(period_sums(session, PublicityDay, MEASURES, scope, periods),
                                period_sums(session, WarningDay, {"received": "received"}, scope, periods),
                                strict=True):
        out = {key: total(events, key) for key in MEASURES}
        warnings = total(received, "received")
        out["prevention_events_per_1000_warnings"] = (out["publicity_events"] / warnings * 1000
                                                      if warnings else None)
        answers.append(out)
    return answers


def publicity_over_time(session: Session, scope: Scope, period: Period,
                        today: date | None = None) -> pd.DataFrame:
    """Events and reach by day (periods up to 62 days) or calendar month; ``attrs["grain"]``.

    Days (months) after ``today`` are None: they have not come yet.
    """
    return over_time(session, PublicityDay, MEASURES, scope, period, today)


def publicity_by_kind(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Events and reach by kind of publicity, every kind of the reference list.

    Columns: code, name_zh, name_en, publicity_events, publicity_reach, share (of events).
    """
    names = pd.DataFrame(session.execute(select(PublicityKind.code, PublicityKind.name_zh,
                                                PublicityKind.name_en).order_by(PublicityKind.sort_order)).all(),
                         columns=["code", "name_zh", "name_en"])
    frame = sums(session, PublicityDay, MEASURES, scope, period, dims=("kind",)).rename(columns={"kind": "code"})
    out = names.merge(frame, on="code", how="left")
    for name in MEASURES:
        out[name] = out[name].fillna(0).astype("int64")
    whole = int(out["publicity_events"].sum())
    out["share"] = out["publicity_events"] / whole if whole else 0.0
    return out


def publicity_by_unit(session: Session, scope: Scope, period: Period, level: str) -> pd.DataFrame:
    """Events, reach and warnings of every ``level`` unit in scope.

    Columns: unit_id, code, name_zh, name_en, parent_id, population,
    publicity_events, publicity_reach, warnings,
    events_per_1000_warnings (None for a unit without warnings).
    """
    out = with_units(child_units(session, scope, level),
                     sums(session, PublicityDay, MEASURES, scope, period, by=level),
                     sums(session, WarningDay, {"warnings": "received"}, scope, period, by=level))
    out["events_per_1000_warnings"] = [None if r is None else r * 1000
                                      for r in ratio(out["publicity_events"], out["warnings"])]
    return without_idle_retired(session, out, period)


def publicity_by_unit_month(session: Session, scope: Scope, period: Period, level: str,
                            today: date | None = None) -> pd.DataFrame:
    """Events and reach of every ``level`` unit by calendar month of ``period``.

    Columns: unit_id, code, name_zh, name_en, month (first day), publicity_events,
    publicity_reach; every unit and month listed.
    """
    units = child_units(session, scope, level)
    daily = sums(session, PublicityDay, MEASURES, scope, period, by=level, daily=True)
    parts = []
    for unit in units.itertuples():
        mine = daily[daily["unit_id"] == unit.unit_id]
        months = by_grain(mine.drop(columns=["unit_id"]), period, "month", list(MEASURES), today)
        parts.append(months.rename(columns={"start": "month"}).assign(
            unit_id=unit.unit_id, code=unit.code, name_zh=unit.name_zh, name_en=unit.name_en))
    columns = ["unit_id", "code", "name_zh", "name_en", "month", *MEASURES]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def publicity_gaps(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Every station in scope with its warnings, events and whether it is flagged (module doc).

    Columns: those of ``publicity_by_unit`` and flagged (bool).  ``attrs``:
    volume_threshold (warnings), rate_threshold (events per 1,000 warnings),
    both None when too few stations are compared.
    """
    out = publicity_by_unit(session, scope, period, "station")
    compared = out[out["warnings"] > 0]
    out["flagged"] = False
    out.attrs.update(volume_threshold=None, rate_threshold=None)
    if len(compared) < MIN_STATIONS:
        return out
    volume = float(compared["warnings"].quantile(HIGH_VOLUME_QUANTILE))
    rate = float(compared["events_per_1000_warnings"].astype(float).median()) * LOW_PUBLICITY_FRACTION
    rates = out["events_per_1000_warnings"].astype(float)
    out["flagged"] = (out["warnings"] > 0) & (out["warnings"] >= volume) & (rates < rate)
    out.attrs.update(volume_threshold=volume, rate_threshold=rate)
    return out


def heatmap_period(period: Period, months: int = HEATMAP_MONTHS) -> Period:
    """The calendar months drawn by unit: the period's, or the ``months`` up to its last if fewer."""
    last = period.last_day.replace(day=1)
    index = last.year * 12 + last.month - 1 - (months - 1)
    first = min(period.first_day.replace(day=1), date(index // 12, index % 12 + 1, 1))
    return Period(datetime.combine(first, time(0), SHANGHAI), period.end, period.kind)


def prevention_sections(session: Session, report: ReportView) -> dict:
    """The prevention page's sections for ``report`` (aggregate only: no record-level part)."""
    months = heatmap_period(report.period)
    return {
        "over_time": publicity_over_time(session, report.scope, report.period, report.today),
        "kinds": publicity_by_kind(session, report.scope, report.period),
        "units": publicity_by_unit(session, report.units_scope, report.period, report.level),
        "unit_months": publicity_by_unit_month(session, report.units_scope, months, report.level, report.today),
        "months": months,
        "gaps": publicity_gaps(session, report.units_scope, report.period),
    }
