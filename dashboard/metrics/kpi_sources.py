"""What the KPIs are summed from, and those sums for one unit over several periods in one pass.

``source_measures`` names, for each aggregate table, the sums the KPIs need
(``kpis.kpi_frame`` reads them per child unit).  ``window_values`` reads them
for the scope's own unit and several periods at once, as the 同比 / 环比
comparison needs (the period, its compared part, the period before, the same
days last year): one statement per table, returning its sums over the pieces
of time cut at every period's first and end day (a few rows), added up per
period here.  Running totals (``received_before``, ``closed_before``) take
every piece before each period's end from the same statements.  A statement
per table instead of one per table and period was most of an overview's time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import case
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain.aggregates import (
    CaseDay,
    DissuasionDay,
    FundsDay,
    OutcomeDay,
    PublicityDay,
    ResponseDay,
    WarningDay,
)
from dashboard.metrics.period import Period
from dashboard.metrics.response import (
    BUCKET_COLUMNS,
    PERCENTILES,
    longest_response_minutes,
    not_yet_due,
    percentile,
)
from dashboard.metrics.sums import sums

RESPONSE_MEASURES = ("first_contact", "door_visit")
# the running totals: (table, column name in the KPI frame, the table's measure it sums)
RUNNING_TOTALS = {WarningDay: ("received_before", "received"), OutcomeDay: ("closed_before", "closed")}


def source_measures(dissuaded: list[str]) -> dict[type, dict[str, object]]:
    """For each aggregate table: KPI frame column -> the table's column (or an expression of it)."""
    return {
        WarningDay: {"received": "received", "amount_at_risk": "amount_at_risk"},
        OutcomeDay: {"closed": "closed", "loss": "loss", "loss_avoided": "loss_avoided",
                     "dissuaded": lambda t: case((t.c.outcome.in_(dissuaded), t.c.closed), else_=0)},
        DissuasionDay: {"attempts": "attempts"},
        FundsDay: {"accounts_stopped": "stopped", "amount_stopped": "stopped_amount",
                   "amount_frozen": "frozen_amount", "amount_returned": "returned_amount"},
        CaseDay: {"cases_reported": "reported", "cases_solved": "solved",
                  "reported_solved": "reported_solved", "suspects_arrested": "suspects_arrested"},
        PublicityDay: {"publicity_events": "events", "publicity_reach": "reach"},
    }


class Segments:
    """The days cut at every period's first and end day; which pieces make up each period."""

    def __init__(self, periods: list[Period]) -> None:
        for period in periods:
            period.require_whole_days()
        self.bounds = sorted({p.first_day for p in periods} | {p.end_day for p in periods})
        ordinals = [float(day.toordinal()) for day in self.bounds]
        self.lower = np.array([-np.inf, *ordinals])  # piece k: lower[k] <= day < upper[k]
        self.upper = np.array([*ordinals, np.inf])
        self.span = Period.of_days(self.bounds[0], self.bounds[-1] - timedelta(days=1))
        # the days in some period, as few ranges as possible (this month and last touch; last year is apart)
        ranges: list[list] = []
        for period in sorted(periods, key=lambda p: p.first_day):
            if ranges and period.first_day <= ranges[-1][1]:
                ranges[-1][1] = max(ranges[-1][1], period.end_day)
            else:
                ranges.append([period.first_day, period.end_day])
        self.ranges = [Period.of_days(first, end - timedelta(days=1)) for first, end in ranges]

    def read(self, session: Session, model, measures: dict, scope: Scope, **keys) -> pd.DataFrame:
        """``sums`` of ``measures`` by piece, over the days of the periods (a statement per range)."""
        parts = [sums(session, model, measures, scope, days, segments=self.bounds, **keys) for days in self.ranges]
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def pieces(self, frame: pd.DataFrame, period: Period, running: bool = False) -> np.ndarray:
        """Which rows of ``frame`` (by its ``segment``) fall in ``period`` (``running``: before its end)."""
        k = frame["segment"].to_numpy(dtype=np.int64)
        inside = self.upper[k] <= period.end_day.toordinal()
        return inside if running else inside & (self.lower[k] >= period.first_day.toordinal())


def window_values(session: Session, scope: Scope, periods: list[Period], now: datetime,
                  dissuaded: list[str]) -> pd.DataFrame:
    """One row per period, with the columns ``kpis.kpi_frame`` builds its figures from."""
    segments = Segments(periods)
    rows: list[dict] = [{} for _ in periods]
    for model, measures in source_measures(dissuaded).items():
        running = RUNNING_TOTALS.get(model)
        if model is WarningDay:
            measures = {**measures, "on_time": "contacted_on_time"}
        # a table with a running total is read from its first day, the others over the periods' days only
        summed = (sums(session, model, measures, scope, None, before=segments.span, segments=segments.bounds)
                  if running else segments.read(session, model, measures, scope))
        values = summed[list(measures)].to_numpy(dtype=np.int64)
        for row, period in zip(rows, periods, strict=True):
            row.update(zip(measures, values[segments.pieces(summed, period)].sum(axis=0).tolist(), strict=True))
            if running:
                column = list(measures).index(running[1])
                row[running[0]] = int(values[segments.pieces(summed, period, running=True), column].sum())
    _add_response_times(session, scope, periods, segments, rows)
    longest = longest_response_minutes(session)
    for row, period in zip(rows, periods, strict=True):
        waiting = not_yet_due(session, scope, period, now, None, longest)
        row["due"] = row["received"] - int(waiting["not_yet_due"].iloc[0])
    return pd.DataFrame(rows)


def _add_response_times(session: Session, scope: Scope, periods: list[Period], segments: Segments,
                        rows: list[dict]) -> None:
    summed = segments.read(session, ResponseDay, {c: c for c in BUCKET_COLUMNS}, scope, dims=("measure",))
    measure, counts = summed["measure"].to_numpy(), summed[BUCKET_COLUMNS].to_numpy(dtype=np.int64)
    for row, period in zip(rows, periods, strict=True):
        in_period = segments.pieces(summed, period)
        for name in RESPONSE_MEASURES:
            histogram = counts[in_period & (measure == name)].sum(axis=0)
            row[f"{name}_warnings"] = int(histogram.sum())
            for key, fraction in PERCENTILES.items():
                row[f"{name}_{key}"] = percentile(histogram, fraction)
