"""The raw figures behind the statistics builder: KPIs per unit, the counts behind them, breakdowns.

Everything here is the metrics layer's own KPIs (``kpis.kpi_frame``) read
for a list of units at any levels of the caller's scope, plus the counts a
rate, an amount or a percentile is built from (so that disclosure control
can tell how many cases stand behind each figure):

- ``on_time`` / ``due``: numerator and denominator of ``on_time_rate``;
- ``reported_solved``: numerator of ``solving_rate`` (over ``cases_reported``);
- ``loss_cases``: warnings closed with an outcome marked ``defrauded``
  (those that carry a loss);
- ``frozen``, ``returned``: stop-payment stages frozen / returned;
- ``contacted``, ``door_visits``: warnings behind the waiting-time percentiles.

No disclosure control here: these are the exact figures.  Callers pass the
scope computed on the server; every unit asked for must lie in it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope, scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.domain.aggregates import FraudTypeDay, FundsDay, OutcomeDay
from dashboard.domain.reference import Outcome
from dashboard.metrics.breakdowns import DAILY_SOURCES, _daily
from dashboard.metrics.kpis import kpi_frame
from dashboard.metrics.period import Period
from dashboard.metrics.sums import Among, sums

COMPONENTS = ("on_time", "due", "reported_solved", "loss_cases", "frozen", "returned",
              "contacted", "door_visits")


def defrauded_outcomes(session: Session) -> list[str]:
    """Outcome codes that carry a loss (``outcomes.defrauded`` of the reference list)."""
    return list(session.scalars(select(Outcome.code).where(Outcome.defrauded.is_(True))))


def _by(level: str) -> str | None:
    return None if level == "city" else level


def _components(session: Session, scope: Scope, period: Period, by: str | None) -> list[pd.DataFrame]:
    lost = defrauded_outcomes(session)
    return [
        sums(session, OutcomeDay, {"loss_cases": Among("closed", "outcome", tuple(lost))}, scope, period, by),
        sums(session, FundsDay, {"frozen": "frozen", "returned": "returned"}, scope, period, by),
    ]


def _level_frame(session: Session, scope: Scope, period: Period, now: datetime,
                 level: str) -> pd.DataFrame:
    by = _by(level)
    out = kpi_frame(session, scope, period, now, by, counts=True).rename(
        columns={"first_contact_warnings": "contacted", "door_visit_warnings": "door_visits"})
    for frame in _components(session, scope, period, by):
        if by is None:
            frame = frame.assign(unit_id=scope.unit_id) if len(frame) else pd.DataFrame(
                {"unit_id": [scope.unit_id]})
        out = out.merge(frame, on="unit_id", how="left")
    for name in COMPONENTS:
        out[name] = out[name].fillna(0).astype("int64") if name in out else 0
    return out


def unit_figures(session: Session, scope: Scope, period: Period, now: datetime,
                 units: list[OrgUnit]) -> pd.DataFrame:
    """Every KPI and the ``COMPONENTS`` of each unit of ``units``, indexed by unit id.

    One query set per level (city, county, station), not per unit.  A unit
    outside ``scope`` is an error: callers check scope first.
    """
    rows = []
    for level in dict.fromkeys(u.level for u in units):
        wanted = {u.id for u in units if u.level == level}
        if level == "city":
            for unit in (u for u in units if u.id in wanted):
                if not scope.contains_path(unit.path):
                    raise ValueError(f"unit {unit.code} lies outside the scope")
                rows.append(_level_frame(session, scope_for_unit(unit), period, now, level))
            continue
        frame = _level_frame(session, scope, period, now, level)
        missing = wanted - set(frame["unit_id"])
        if missing:
            raise ValueError("units outside the scope: " + ", ".join(map(str, sorted(missing))))
        rows.append(frame[frame["unit_id"].isin(wanted)])
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return out.set_index("unit_id")


def _breakdown(session: Session, scope: Scope, period: Period, units: list[OrgUnit], model,
               measures: dict, dim: str) -> pd.DataFrame:
    parts = []
    for level in dict.fromkeys(u.level for u in units):
        wanted = [u for u in units if u.level == level]
        if level == "city":
            for unit in wanted:
                frame = sums(session, model, measures, scope_for_unit(unit), period, dims=(dim,))
                parts.append(frame.assign(unit_id=unit.id))
            continue
        frame = sums(session, model, measures, scope, period, by=level, dims=(dim,))
        parts.append(frame[frame["unit_id"].isin({u.id for u in wanted})])
    if not parts:
        return pd.DataFrame(columns=["unit_id", dim, *measures])
    return pd.concat(parts, ignore_index=True).rename(columns={dim: "item"})


def fraud_types_by_unit(session: Session, scope: Scope, period: Period,
                        units: list[OrgUnit]) -> pd.DataFrame:
    """Warnings received in ``period`` per unit and fraud type: unit_id, item, received (no zero rows)."""
    return _breakdown(session, scope, period, units, FraudTypeDay, {"received": "received"},
                      "fraud_type")


def outcomes_by_unit(session: Session, scope: Scope, period: Period,
                     units: list[OrgUnit]) -> pd.DataFrame:
    """Warnings closed in ``period`` per unit and outcome: unit_id, item, closed (no zero rows)."""
    return _breakdown(session, scope, period, units, OutcomeDay, {"closed": "closed"}, "outcome")


def daily_values(session: Session, unit: OrgUnit, period: Period, kpi: str) -> list[int]:
    """The value of an additive KPI on each day of ``period`` for ``unit``'s subtree."""
    if kpi not in DAILY_SOURCES and kpi != "dissuaded":
        raise ValueError(f"daily_values: {kpi!r} does not add up by day")
    series = _daily(session, scope_for_unit(unit), [period], kpi)
    return [int(series.get(period.first_day + timedelta(days=i), 0)) for i in range(period.days)]
