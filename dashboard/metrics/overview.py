"""Everything the command overview (and the wall) shows for one unit and period, in one call.

``overview_data`` gathers the KPI comparison, the child units' figures for
the map and the ranking, the trend, the breakdowns and the unit's place in
the chain; ``live_data`` the figures refreshed every few seconds.  Plain
data (DataFrames and dicts): the page and the wall turn it into components.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.breakdowns import DAILY_SOURCES, daily_trend, fraud_types, methods, outcomes
from dashboard.metrics.compare import kpi_comparison
from dashboard.metrics.geography import neighbour_shapes, precincts
from dashboard.metrics.kpis import KPI_BY_KEY, kpi_frame
from dashboard.metrics.live import hourly_today, open_queue, received_recently
from dashboard.metrics.period import Period
from dashboard.metrics.units import UnitView, breadcrumb, map_view

TREND_MIN_DAYS = 14  # shorter periods show the last 30 days' trend instead
TREND_FALLBACK_DAYS = 30


@dataclass
class OverviewData:
    unit: OrgUnit
    chain: list[OrgUnit]          # breadcrumb, from the top of the viewer's scope
    period: Period
    kpis: pd.DataFrame            # kpi_comparison
    map_level: str                # level of the units on the map and in the ranking
    map_units: pd.DataFrame       # the chosen metric by map_level unit (kpi_frame ``only``), and as "value"
    geojson: dict                 # the shapes the map colours: the children; a station's own shape
    map_unit_id: int              # the unit whose map_level units the map draws (its shapes' URL)
    highlight: dict | None        # the station's own polygon in a station view
    neighbours: dict | None       # a station view: its neighbours' bare shapes, drawn grey
    trend: pd.DataFrame
    trend_kpi: str
    trend_period: Period
    fraud_types: pd.DataFrame
    outcomes: pd.DataFrame
    methods: pd.DataFrame


def metric_values(frame: pd.DataFrame, metric: str, per_capita: bool) -> pd.Series:
    """The chosen metric of each row, per 10,000 residents if asked and the metric adds up."""
    values = frame[metric].astype("Float64")
    if per_capita and KPI_BY_KEY[metric].additive:
        population = frame["population"].astype("Float64")
        values = (values / population * 10_000).where(population > 0)
    return values


def trend_window(period: Period, now: datetime) -> Period:
    """The days the trend draws: the period's complete days (up to yesterday).

    A period of fewer than 14 complete days draws the 30 days up to its
    last complete day instead, so that a day or a week still shows a trend.
    """
    yesterday = now.astimezone(SHANGHAI).date() - timedelta(days=1)
    last = min(period.last_day, yesterday)
    if (last - period.first_day).days + 1 < TREND_MIN_DAYS:
        return Period.of_days(last - timedelta(days=TREND_FALLBACK_DAYS - 1), last)
    return Period.of_days(period.first_day, last)


def overview_data(session: Session, scope: Scope, view: UnitView, period: Period, now: datetime,
                  metric: str = "received", per_capita: bool = False) -> OverviewData:
    """The overview of ``view`` (a unit the viewer with ``scope`` may see) for ``period`` at ``now``.

    A station's map colours the station alone, its neighbours grey
    (``neighbour_shapes``); its ranking keeps its county's stations when the
    viewer may see them.
    """
    map_scope, level, highlight_unit = map_view(session, scope, view)
    units = kpi_frame(session, map_scope, period, now, by=level, only=(metric,))
    units["value"] = metric_values(units, metric, per_capita)
    highlight = neighbours = None
    if highlight_unit is None:
        geojson = precincts(session, map_scope, level)
    else:  # a station: its own shape coloured (the ranking keeps its county's stations), neighbours grey
        map_scope = view.scope
        geojson = precincts(session, map_scope, level)
        highlight = geojson
        neighbours = neighbour_shapes(session, view.unit)
    trend_kpi = metric if (metric in DAILY_SOURCES or metric == "dissuaded") else "received"
    window = trend_window(period, now)
    return OverviewData(
        unit=view.unit, chain=breadcrumb(session, scope, view.unit), period=period,
        kpis=kpi_comparison(session, view.scope, period, now),
        map_level=level, map_units=units, geojson=geojson, map_unit_id=map_scope.unit_id,
        highlight=highlight, neighbours=neighbours,
        trend=daily_trend(session, view.scope, window, trend_kpi), trend_kpi=trend_kpi,
        trend_period=window,
        fraud_types=fraud_types(session, view.scope, period),
        outcomes=outcomes(session, view.scope, period),
        methods=methods(session, view.scope, period),
    )


def live_data(session: Session, scope: Scope, now: datetime, minutes: int) -> dict:
    """Today's warnings by hour, those of the last ``minutes``, and the open queue, at ``now``."""
    return {"hourly": hourly_today(session, scope, now), "recent": received_recently(session, scope, now, minutes),
            "minutes": minutes, **open_queue(session, scope, now), "at": now}
