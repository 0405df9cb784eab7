"""What the KPIs are summed from, and those sums for one unit over several periods in one pass.

``source_measures`` names, for each aggregate table, the sums the KPIs need
(``kpis.kpi_frame`` reads them per child unit).  ``window_values`` reads them
for the scope's own unit and several periods at once, as the 同比 / 环比
comparison needs (the period, its compared part, the period before, the same
days last year): one statement per table, reading each run of adjacent days
(this month and last; last year's) as an arm of a ``UNION ALL``, summed by
the pieces of time that every period's first and end day cut (a few rows),
added up per period here.  Running
totals (``received_before``, ``closed_before``) take every piece before each
period's end, one column read from the table's first day.  A statement per
table and period (four times as many) was most of an overview's time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
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
    not_yet_due_counts,
    percentile,
)
from dashboard.metrics.sums import Among, sum_block

RESPONSE_MEASURES = ("first_contact", "door_visit")
# the running totals: (table, column name in the KPI frame, the table's measure it sums)
RUNNING_TOTALS = {WarningDay: ("received_before", "received"), OutcomeDay: ("closed_before", "closed")}


def source_measures(dissuaded: list[str]) -> dict[type, dict[str, object]]:
    """For each aggregate table: KPI frame column -> the table's column (or an expression of it)."""
    return {
        WarningDay: {"received": "received", "amount_at_risk": "amount_at_risk"},
        OutcomeDay: {"closed": "closed", "loss": "loss", "loss_avoided": "loss_avoided",
                     "dissuaded": Among("closed", "outcome", tuple(dissuaded))},
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

    def read(self, session: Session, model, measures: dict, scope: Scope, dims: tuple[str, ...] = (),
             by: str | None = None, only: dict[str, str] | None = None
             ) -> tuple[np.ndarray, list[tuple], np.ndarray]:
        """The sums of ``measures`` by piece (and ``by`` unit, ``dims``) over the periods' days, in one statement.

        Each row's piece, its keys (the ``by`` unit, the ``dims`` values, the
        piece), and the sums (rows × measures).
        """
        _, keys, block = sum_block(session, model, measures, scope, self.ranges, by=by, dims=dims,
                                   segments=self.bounds, only=only)
        return self.piece_of(keys), keys, block

    @staticmethod
    def piece_of(keys: list[tuple]) -> np.ndarray:
        return np.array([k[-1] for k in keys], dtype=np.int64)

    def pieces(self, piece: np.ndarray, period: Period, running: bool = False) -> np.ndarray:
        """Which of the rows (their ``piece``) fall in ``period`` (``running``: before its end)."""
        inside = self.upper[piece] <= period.end_day.toordinal()
        return inside if running else inside & (self.lower[piece] >= period.first_day.toordinal())


def period_sums(session: Session, model, measures: dict, scope: Scope, periods: list[Period],
                by: str | None = None, only: dict[str, str] | None = None) -> list[pd.DataFrame]:
    """``sums`` of ``measures`` for each of ``periods`` (whole days, overlapping or not), in one statement.

    One frame per period, as ``sums(..., period, by=by, only=only)`` answers
    it: a single row without ``by``; with ``by``, a row per unit that has any
    (column ``unit_id``, in unit order).
    """
    segments = Segments(periods)
    piece, keys, block = segments.read(session, model, measures, scope, by=by, only=only)
    names = list(measures)
    if by is None:
        return [pd.DataFrame(block[segments.pieces(piece, period)].sum(axis=0)[None, :], columns=names)
                for period in periods]
    units = np.array([k[0] for k in keys], dtype=np.int64)
    out = []
    for period in periods:
        inside = segments.pieces(piece, period)
        frame = pd.DataFrame(block[inside], columns=names).groupby(units[inside], sort=True).sum()
        out.append(frame.rename_axis("unit_id").reset_index())
    return out


def window_values(session: Session, scope: Scope, periods: list[Period], now: datetime,
                  dissuaded: list[str]) -> pd.DataFrame:
    """One row per period, with the columns ``kpis.kpi_frame`` builds its figures from."""
    segments = Segments(periods)
    rows: list[dict] = [{} for _ in periods]
    for model, measures in source_measures(dissuaded).items():
        running = RUNNING_TOTALS.get(model)
        if model is WarningDay:
            measures = {**measures, "on_time": "contacted_on_time"}
        piece, _, values = segments.read(session, model, measures, scope)
        for row, period in zip(rows, periods, strict=True):
            row.update(zip(measures, values[segments.pieces(piece, period)].sum(axis=0).tolist(), strict=True))
        if running:  # one column from the table's first day (all the measures that far was slower)
            name, column = running
            _, keys, before = sum_block(session, model, {name: measures[column]}, scope, None,
                                        before=segments.span, segments=segments.bounds)
            piece = segments.piece_of(keys)
            for row, period in zip(rows, periods, strict=True):
                row[name] = int(before[segments.pieces(piece, period, running=True), 0].sum())
    _add_response_times(session, scope, periods, segments, rows)
    for row, waiting in zip(rows, not_yet_due_counts(session, scope, periods, now), strict=True):
        row["due"] = row["received"] - waiting
    return pd.DataFrame(rows)


def _add_response_times(session: Session, scope: Scope, periods: list[Period], segments: Segments,
                        rows: list[dict]) -> None:
    piece, keys, counts = segments.read(session, ResponseDay, {c: c for c in BUCKET_COLUMNS}, scope,
                                        dims=("measure",))
    measure = np.array([k[0] for k in keys], dtype=object)
    for row, period in zip(rows, periods, strict=True):
        in_period = segments.pieces(piece, period)
        for name in RESPONSE_MEASURES:
            histogram = counts[in_period & (measure == name)].sum(axis=0)
            row[f"{name}_warnings"] = int(histogram.sum())
            for key, fraction in PERCENTILES.items():
                row[f"{name}_{key}"] = percentile(histogram, fraction)
