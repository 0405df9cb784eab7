"""The key figures (KPIs) of a unit and period, read from the aggregate tables.

``KPIS`` lists every figure once: its key (also its message id ``kpi.<key>``
and its entry in ``docs/metrics.md``), its group, what kind of number it is,
and which direction is better.  ``kpi_frame`` computes all of them for a
scope and period, in one row or one row per child unit.

Definitions (each figure counts the events whose own time falls in the
period, "day" meaning the local Asia/Shanghai day):

- ``received``: warnings received (``received_at``).
- ``received_per_day``: ``received`` / days of the period up to today.
- ``closed``: warnings closed (``closed_at``) with an outcome.
- ``open_at_end``: warnings received before the period's end (or now) and
  not closed by then.
- ``attempts``: dissuasion attempts started (``started_at``), every method.
- ``dissuaded``: warnings closed with an outcome marked ``dissuaded``
  (with or without a partial loss).
- ``success_rate``: ``dissuaded`` / ``closed``.
- ``on_time_rate``: see ``response.within_deadline``.
- ``first_contact_median`` / ``_p90``, ``door_visit_median`` / ``_p90``:
  see ``response.response_times`` (minutes; warnings received in the period).
- ``amount_at_risk``: sum of ``amount_at_risk`` of warnings received.
- ``loss_avoided`` / ``loss``: sums over warnings closed.
- ``accounts_stopped``, ``amount_stopped``, ``amount_frozen``,
  ``amount_returned``: stop-payment stages that happened in the period
  (``stopped_at`` etc.), their counts and amounts.
- ``cases_reported`` (``reported_at``), ``cases_solved`` (``solved_at``),
  ``suspects_arrested`` (in the cases solved).
- ``solving_rate``: of the cases reported in the period, the share solved
  by now.
- ``publicity_events``, ``publicity_reach``: events held (``day``) by the
  units in scope and the people they reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.domain.reference import Outcome
from dashboard.metrics.kpi_sources import (
    RESPONSE_MEASURES,
    RUNNING_TOTALS,
    source_measures,
    window_values,
)
from dashboard.metrics.period import Period
from dashboard.metrics.response import response_times, within_deadline
from dashboard.metrics.retired import without_idle_retired
from dashboard.metrics.sums import sums

MATURITY_DAYS = 90  # cases are solved and money returned weeks later (docs/metrics.md, "Fair comparisons")


@dataclass(frozen=True)
class Kpi:
    key: str
    group: str   # volume, dissuasion, response, money, cases, prevention
    kind: str    # count, yuan, rate, minutes, average
    better: str  # up, down or neutral: which change is good news
    matures_days: int = 0  # a cohort rate that grows for this many days: compared only once mature

    @property
    def additive(self) -> bool:
        """Counts and amounts: they add up over units and days (and have a per-capita figure)."""
        return self.kind in ("count", "yuan")


KPIS: tuple[Kpi, ...] = (
    Kpi("received", "volume", "count", "down"),
    Kpi("received_per_day", "volume", "average", "down"),
    Kpi("closed", "volume", "count", "up"),
    Kpi("open_at_end", "volume", "count", "down"),
    Kpi("attempts", "dissuasion", "count", "neutral"),
    Kpi("dissuaded", "dissuasion", "count", "up"),
    Kpi("success_rate", "dissuasion", "rate", "up"),
    Kpi("on_time_rate", "response", "rate", "up"),
    Kpi("first_contact_median", "response", "minutes", "down"),
    Kpi("first_contact_p90", "response", "minutes", "down"),
    Kpi("door_visit_median", "response", "minutes", "down"),
    Kpi("door_visit_p90", "response", "minutes", "down"),
    Kpi("amount_at_risk", "money", "yuan", "neutral"),
    Kpi("loss_avoided", "money", "yuan", "up"),
    Kpi("loss", "money", "yuan", "down"),
    Kpi("accounts_stopped", "money", "count", "up"),
    Kpi("amount_stopped", "money", "yuan", "up"),
    Kpi("amount_frozen", "money", "yuan", "up"),
    Kpi("amount_returned", "money", "yuan", "up"),
    Kpi("cases_reported", "cases", "count", "down"),
    Kpi("cases_solved", "cases", "count", "up"),
    Kpi("solving_rate", "cases", "rate", "up", matures_days=MATURITY_DAYS),
    Kpi("suspects_arrested", "cases", "count", "up"),
    Kpi("publicity_events", "prevention", "count", "up"),
    Kpi("publicity_reach", "prevention", "count", "up"),
)
KPI_BY_KEY = {k.key: k for k in KPIS}
GROUPS = tuple(dict.fromkeys(k.group for k in KPIS))


def dissuaded_outcomes(session: Session) -> list[str]:
    """Outcome codes that count as dissuaded (``outcomes.dissuaded``, from the reference list).

    Read once a session (a request's): a view asks for them in several of its figures.
    """
    codes = session.info.get("dissuaded_outcomes")
    if codes is None:
        codes = session.info["dissuaded_outcomes"] = list(
            session.scalars(select(Outcome.code).where(Outcome.dissuaded.is_(True))))
    return list(codes)


def days_elapsed(period: Period, now: datetime) -> int:
    """Days of ``period`` up to and including today (at least 1)."""
    today = now.astimezone(SHANGHAI).date()
    last = min(period.last_day, today)
    return max((last - period.first_day).days + 1, 1)


def _ratio(numerator, denominator):
    return [n / d if d else None for n, d in zip(numerator, denominator, strict=True)]


def _child_units(session: Session, scope: Scope, by: str) -> pd.DataFrame:
    rows = session.execute(scope.filter_org_units(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name_zh, OrgUnit.name_en, OrgUnit.population,
               OrgUnit.parent_id).where(OrgUnit.level == by)).order_by(OrgUnit.code)).all()
    return pd.DataFrame(rows, columns=["unit_id", "code", "name_zh", "name_en", "population", "parent_id"])


# the summed columns each figure is made of, where they are not the figure's own key alone
INPUTS: dict[str, tuple[str, ...]] = {
    "received_per_day": ("received",),
    "open_at_end": ("received_before", "closed_before"),
    "success_rate": ("dissuaded", "closed"),
    "on_time_rate": ("on_time", "due"),
    "first_contact_median": ("first_contact_median", "first_contact_warnings"),
    "first_contact_p90": ("first_contact_p90", "first_contact_warnings"),
    "door_visit_median": ("door_visit_median", "door_visit_warnings"),
    "door_visit_p90": ("door_visit_p90", "door_visit_warnings"),
    "solving_rate": ("reported_solved", "cases_reported"),
}


def inputs_of(keys) -> set[str]:
    """The summed columns that the figures ``keys`` are made of."""
    return {column for key in keys for column in INPUTS.get(key, (key,))}


def _sources(session: Session, scope: Scope, period: Period, now: datetime, by: str,
             needed: set[str] | None = None) -> list[pd.DataFrame]:
    """The frames, one row per ``by`` unit, that the figures are built from (``needed``: those columns only)."""
    wanted = (lambda *columns: True) if needed is None else (lambda *columns: not needed.isdisjoint(columns))
    frames = [sums(session, model, measures, scope, period, by)
              for model, measures in source_measures(dissuaded_outcomes(session)).items() if wanted(*measures)]
    for model, (name, column) in RUNNING_TOTALS.items():
        if wanted(name):
            frames.append(sums(session, model, {name: column}, scope, None, by, before=period))
    if wanted("on_time", "due"):
        frames.append(within_deadline(session, scope, period, now, by).drop(columns=["share"]))
    measures = [m for m in RESPONSE_MEASURES if wanted(f"{m}_median", f"{m}_p90", f"{m}_warnings")]
    times = response_times(session, scope, period, by) if measures else None
    for measure in measures:
        part = times[times["measure"] == measure][["unit_id", "median", "p90", "warnings"]]
        frames.append(part.rename(columns={"median": f"{measure}_median", "p90": f"{measure}_p90",
                                           "warnings": f"{measure}_warnings"}))
    return frames


COUNTS = ("on_time", "due", "reported_solved", "first_contact_warnings", "door_visit_warnings")


def kpi_frame(session: Session, scope: Scope, period: Period, now: datetime,
              by: str | None = None, counts: bool = False, only: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every KPI of ``scope`` in ``period`` as seen at ``now``: one row, or one per ``by`` unit.

    With ``by`` ("county" or "station") every unit of that level in scope is
    listed (zeros where nothing happened), with code, names, population and
    parent_id.  Columns: the keys of ``KPIS`` (rates 0..1, minutes as
    whole numbers, None where undefined); with ``counts`` also ``COUNTS``,
    the counts behind the rates and waiting times (for disclosure control).
    ``only`` (keys of ``KPIS``, with ``by``): those figures alone, from
    only the sums they are made of (the map of one chosen figure).
    """
    if by is None:
        return kpi_frames(session, scope, [period], now, counts)
    units = _child_units(session, scope, by)
    needed = None if only is None else inputs_of(only)
    # one row per unit in each source: side by side on unit_id in one step (a merge each was slower)
    frames = [f.set_index("unit_id") for f in _sources(session, scope, period, now, by, needed)]
    out = units.join(pd.concat(frames, axis=1), on="unit_id") if frames else units
    figures = without_idle_retired(session, _figures(out, [days_elapsed(period, now)] * len(out), counts),
                                   period)
    if only is None:
        return figures
    return figures[[*units.columns, *only, *(c for c in COUNTS if counts and c in needed)]]


def kpi_frames(session: Session, scope: Scope, periods: list[Period], now: datetime,
               counts: bool = False) -> pd.DataFrame:
    """``kpi_frame`` of the scope's own unit for several periods: row ``i`` is ``periods[i]``.

    The aggregate tables are read once for all the periods
    (``kpi_sources.window_values``), not once per period.
    """
    out = window_values(session, scope, periods, now, dissuaded_outcomes(session))
    out.insert(0, "unit_id", scope.unit_id)
    return _figures(out, [days_elapsed(p, now) for p in periods], counts)


SUMMED = ("received", "amount_at_risk", "closed", "loss", "loss_avoided", "dissuaded", "attempts",
          "accounts_stopped", "amount_stopped", "amount_frozen", "amount_returned",
          "cases_reported", "cases_solved", "reported_solved", "suspects_arrested",
          "publicity_events", "publicity_reach", "received_before", "closed_before",
          "on_time", "due", "first_contact_warnings", "door_visit_warnings")
WAITS = ("first_contact_median", "first_contact_p90", "door_visit_median", "door_visit_p90")


def _figures(out: pd.DataFrame, days: list[int], counts: bool) -> pd.DataFrame:
    """The KPIs from the summed columns of ``out``; ``days``: each row's days elapsed.

    The columns are made as arrays and put in one frame at the end: a
    column set on a frame at a time cost more than the arithmetic.
    """
    columns: dict[str, object] = {name: out[name] for name in out.columns}
    size = len(out)
    for name in SUMMED:
        columns[name] = (np.nan_to_num(out[name].to_numpy(dtype="float64", na_value=np.nan)).astype(np.int64)
                         if name in out else np.zeros(size, dtype=np.int64))
    for name in WAITS:
        columns[name] = out[name].astype("Int64") if name in out else pd.array([None] * size, dtype="Int64")
    value = columns.__getitem__
    columns["open_at_end"] = value("received_before") - value("closed_before")
    columns["received_per_day"] = value("received") / np.array(days, dtype=float)
    columns["success_rate"] = _ratio(value("dissuaded"), value("closed"))
    columns["on_time_rate"] = _ratio(value("on_time"), value("due"))
    columns["solving_rate"] = _ratio(value("reported_solved"), value("cases_reported"))
    dropped = {"received_before", "closed_before", *([] if counts else COUNTS)}
    return pd.DataFrame({name: column for name, column in columns.items() if name not in dropped},
                        index=out.index)

