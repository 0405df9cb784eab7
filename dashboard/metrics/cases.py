"""Cases: reported, solved, solving rate, suspects; by unit, by fraud type, and by age.

Definitions (``docs/metrics.md``, "Cases"): ``cases_reported``,
``cases_solved``, ``solving_rate`` and ``suspects_arrested`` are the
overview's KPIs, read from ``agg_cases_day``.  The fraud-type breakdown
reads the raw ``cases`` (the aggregate has no fraud type): the cases
reported in the period by type, of those the ones solved by now, and the
cases solved in the period by type with their suspects.  A case is *open*
at ``now`` when it was reported by then and not solved by then; its age is
the whole days since ``reported_at``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from dashboard.auth.scope import Scope
from dashboard.domain import Case, OrgUnit
from dashboard.domain.aggregates import CaseDay
from dashboard.domain.base import SHANGHAI
from dashboard.domain.reference import FraudType
from dashboard.metrics.compare import Windows
from dashboard.metrics.figures import (
    Figure,
    ReportView,
    add_changes,
    child_units,
    compared_periods,
    over_time,
    ratio,
    with_units,
)
from dashboard.metrics.kpi_sources import Segments, period_sums
from dashboard.metrics.kpis import MATURITY_DAYS
from dashboard.metrics.period import Period
from dashboard.metrics.retired import without_idle_retired
from dashboard.metrics.sums import Difference, sum_block, total

FIGURES: tuple[Figure, ...] = (
    Figure("cases_reported", "count", "down"),
    Figure("cases_solved", "count", "up"),
    Figure("solving_rate", "rate", "up", matures_days=MATURITY_DAYS),
    Figure("suspects_arrested", "count", "up"),
    Figure("cases_reported_loss", "yuan", "down"),
)
MEASURES = {"cases_reported": "reported", "cases_solved": "solved", "reported_solved": "reported_solved",
            "suspects_arrested": "suspects_arrested", "cases_reported_loss": "reported_loss"}
# open cases by age: lower bounds in whole days; the last band is open-ended
AGE_BANDS: tuple[int, ...] = (0, 8, 31, 91, 181, 366)


def case_figures(session: Session, scope: Scope, periods: list[Period]) -> list[dict]:
    """Every figure of ``FIGURES`` for ``scope`` in each of ``periods``."""
    answers = []
    for frame in period_sums(session, CaseDay, MEASURES, scope, periods):
        out = {key: total(frame, key) for key in MEASURES}
        out["solving_rate"] = out["reported_solved"] / out["cases_reported"] if out["cases_reported"] else None
        answers.append(out)
    return answers


def cases_over_time(session: Session, scope: Scope, period: Period, today: date | None = None) -> pd.DataFrame:
    """Cases reported and solved and suspects arrested, by day (up to 62 days) or month.

    Columns: start, cases_reported, cases_solved, suspects_arrested;
    ``attrs["grain"]``.
    """
    columns = ["cases_reported", "cases_solved", "suspects_arrested"]
    return over_time(session, CaseDay, {c: MEASURES[c] for c in columns}, scope, period, today)


def cases_by_unit(session: Session, scope: Scope, period: Period, level: str,
                  windows: Windows | None = None) -> pd.DataFrame:
    """The case figures of every ``level`` unit in scope, with 同比 / 环比 of reported and solved.

    Columns: unit_id, code, name_zh, name_en, parent_id, population,
    cases_reported, cases_solved, reported_solved, suspects_arrested,
    cases_reported_loss, solving_rate, and ``cases_reported_pct_last_year``
    (and ``_previous``), ``cases_solved_pct_last_year`` (and ``_previous``).
    """
    # the compared windows' counts come with the period's figures, in one statement
    frames = period_sums(session, CaseDay, MEASURES, scope, compared_periods(period, windows), by=level)
    out = with_units(child_units(session, scope, level), frames[0])
    out["solving_rate"] = ratio(out["reported_solved"], out["cases_reported"])
    for name in ("cases_reported", "cases_solved"):
        add_changes(out, frames[1:], name)
    return without_idle_retired(session, out, period)


def _by_type(session: Session, scope: Scope, period: Period, time_col, measures) -> pd.DataFrame:
    stmt = scope.filter_units(
        select(Case.fraud_type, *measures).where(time_col >= period.start, time_col < period.end),
        Case.county_id, Case.station_id).group_by(Case.fraud_type)
    return pd.DataFrame(session.execute(stmt).all(), columns=["code", *(m.name for m in measures)])


REPORTED_BY_TYPE = ("cases_reported", "reported_solved", "cases_reported_loss")


def _reported_by_type(session: Session, scope: Scope, periods: list[Period]) -> list[pd.DataFrame]:
    """For each period, the cases reported in it by fraud type (one statement for all the periods).

    Columns: code and ``REPORTED_BY_TYPE``.  The rows are counted by the
    pieces of time the periods' first and end days cut, added up per period.
    """
    segments = Segments(periods)
    piece = case(*((Case.reported_at < _midnight(day), i) for i, day in enumerate(segments.bounds)),
                 else_=len(segments.bounds)).label("piece")
    within = or_(*((Case.reported_at >= r.start) & (Case.reported_at < r.end) for r in segments.ranges))
    stmt = scope.filter_units(
        select(Case.fraud_type, piece, func.count(),
               func.coalesce(func.sum(case((Case.solved_at.is_not(None), 1), else_=0)), 0),
               func.coalesce(func.sum(Case.loss), 0)).where(within),
        Case.county_id, Case.station_id).group_by(Case.fraud_type, piece)
    rows = session.execute(stmt).all()
    codes = np.array([r[0] for r in rows], dtype=object)
    pieces = np.array([r[1] for r in rows], dtype=np.int64)
    values = np.array([r[2:] for r in rows], dtype=np.int64).reshape(len(rows), len(REPORTED_BY_TYPE))
    out = []
    for period in periods:
        inside = segments.pieces(pieces, period)
        frame = pd.DataFrame(values[inside], columns=list(REPORTED_BY_TYPE)).groupby(codes[inside]).sum()
        out.append(frame.rename_axis("code").reset_index())
    return out


def cases_by_fraud_type(session: Session, scope: Scope, period: Period,
                        windows: Windows | None = None) -> pd.DataFrame:
    """Cases by fraud type, every type of the reference list in its order.

    Columns: code, name_zh, name_en, cases_reported, reported_solved,
    cases_reported_loss, solving_rate (of the cases reported, those solved
    by now), cases_solved, suspects_arrested (cases solved in the period),
    share (of ``cases_reported``), cases_reported_pct_last_year and
    cases_reported_pct_previous (over the compared windows).
    """
    names = pd.DataFrame(session.execute(select(FraudType.code, FraudType.name_zh, FraudType.name_en)
                                         .order_by(FraudType.sort_order)).all(),
                         columns=["code", "name_zh", "name_en"])
    solved = _by_type(session, scope, period, Case.solved_at, [
        func.count().label("cases_solved"),
        func.coalesce(func.sum(Case.suspects_arrested), 0).label("suspects_arrested")])
    reported = _reported_by_type(session, scope, compared_periods(period, windows))
    out = names
    for frame in (reported[0], solved):
        out = out.merge(frame, on="code", how="left")
    for name in ("cases_reported", "reported_solved", "cases_reported_loss", "cases_solved",
                 "suspects_arrested"):
        out[name] = out[name].fillna(0).astype("int64")
    out["solving_rate"] = ratio(out["reported_solved"], out["cases_reported"])
    whole = int(out["cases_reported"].sum())
    out["share"] = out["cases_reported"] / whole if whole else 0.0
    add_changes(out, reported[1:], "cases_reported", key="code")
    return out


def _still_open(now: datetime) -> tuple:
    """Not solved by ``now``: never solved, or solved later; each arm a range of the index ix_cases_open."""
    return Case.solved_at.is_(None), Case.solved_at > now


def _open_at(now: datetime):
    return (Case.reported_at <= now) & or_(*_still_open(now))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _band_days(today: date, band: int) -> tuple[date | None, date]:
    """The days of report of age band ``band`` on ``today``: first (None: open-ended) and last."""
    last = today - timedelta(days=AGE_BANDS[band])
    if band + 1 == len(AGE_BANDS):
        return None, last
    return today - timedelta(days=AGE_BANDS[band + 1] - 1), last


def open_case_ages(session: Session, scope: Scope, now: datetime) -> pd.DataFrame:
    """The cases open at ``now`` by age band (``AGE_BANDS``), every band listed.

    Columns: lower, upper (None for the last band), cases, loss, share.  The
    age is in whole days, from the day of report to ``now``'s day.  The days
    before today come from ``agg_cases_day``: each day's cases still
    unsolved (reported − reported_solved, and their losses), however long
    the history; to them are added the cases solved after ``now`` (none
    when ``now`` is the present) and today's cases open at ``now``, both
    read from the raw cases through the index ix_cases_open.
    """
    today = now.astimezone(SHANGHAI).date()
    last = len(AGE_BANDS) - 1
    # the first day of each band but the oldest, oldest first: band = last − (cutoffs on or before the day)
    cutoffs = [today - timedelta(days=lower - 1) for lower in reversed(AGE_BANDS[1:])]
    counted = [[0, 0] for _ in AGE_BANDS]
    yesterday = Period.of_days(today - timedelta(days=1), today - timedelta(days=1))
    _names, keys, block = sum_block(session, CaseDay, {
        "cases": Difference("reported", "reported_solved"),
        "loss": Difference("reported_loss", "reported_solved_loss"),
    }, scope, None, before=yesterday, segments=cutoffs)
    for (segment,), (cases, loss) in zip(keys, block.tolist(), strict=True):
        counted[last - int(segment)][0] += cases
        counted[last - int(segment)][1] += loss
    band = case(*((Case.reported_at < _midnight(day), last - i) for i, day in enumerate(cutoffs)), else_=0)
    # each arm a range of ix_cases_open: today's unsolved, and any solved after ``now``
    for arm in (Case.solved_at.is_(None) & (Case.reported_at >= _midnight(today)), Case.solved_at > now):
        stmt = scope.filter_units(
            select(band.label("band"), func.count(), func.coalesce(func.sum(Case.loss), 0))
            .where(arm, Case.reported_at <= now), Case.county_id, Case.station_id).group_by(band)
        for b, n, loss in session.execute(stmt).all():
            counted[int(b)][0] += int(n)
            counted[int(b)][1] += int(loss)
    out = pd.DataFrame({"lower": list(AGE_BANDS), "upper": [d - 1 for d in AGE_BANDS[1:]] + [None]})
    out["cases"] = [c for c, _ in counted]
    out["loss"] = [loss for _, loss in counted]
    whole = int(out["cases"].sum())
    out["share"] = out["cases"] / whole if whole else 0.0
    return out


def band_of(lower: int | None) -> int | None:
    """The index of the age band starting at ``lower`` days, None for anything else."""
    return AGE_BANDS.index(lower) if lower in AGE_BANDS else None


def open_cases(session: Session, scope: Scope, now: datetime, band: int | None = None,
               limit: int = 20) -> pd.DataFrame:
    """The longest-open cases at ``now`` (oldest first), optionally of one age band.

    Record-level: only for roles that may see records.  Columns: id,
    number, reported_at, age_days, fraud_type, fraud_type_zh,
    fraud_type_en, station_zh, station_en, loss, warning_id (the warning
    the case grew from, if any).
    """
    station = aliased(OrgUnit)
    stmt = scope.filter_units(
        select(Case.id, Case.number, Case.reported_at, Case.fraud_type, FraudType.name_zh,
               FraudType.name_en, station.name_zh, station.name_en, Case.loss, Case.warning_id)
        .join(FraudType, FraudType.code == Case.fraud_type).join(station, station.id == Case.station_id)
        .where(_open_at(now)), Case.county_id, Case.station_id)
    today = now.astimezone(SHANGHAI).date()
    if band is not None:  # the band's days of report, as open_case_ages counts them
        first, last = _band_days(today, band)
        stmt = stmt.where(Case.reported_at < _midnight(last + timedelta(days=1)))
        if first is not None:
            stmt = stmt.where(Case.reported_at >= _midnight(first))
    rows = session.execute(stmt.order_by(Case.reported_at, Case.id).limit(limit)).all()
    out = pd.DataFrame([tuple(r) for r in rows],
                       columns=["id", "number", "reported_at", "fraud_type", "fraud_type_zh", "fraud_type_en",
                                "station_zh", "station_en", "loss", "warning_id"])
    out.insert(3, "age_days", [(today - r.astimezone(SHANGHAI).date()).days for r in out["reported_at"]])
    return out


def case_sections(session: Session, report: ReportView, now: datetime, records: bool,
                  band: int | None = None) -> dict:
    """The cases page's sections for ``report``; the record-level list only if ``records``."""
    windows = report.figures.attrs["windows"]
    return {
        "over_time": cases_over_time(session, report.scope, report.period, report.today),
        "ages": open_case_ages(session, report.scope, now),
        "units": cases_by_unit(session, report.units_scope, report.period, report.level, windows),
        "fraud_types": cases_by_fraud_type(session, report.scope, report.period, windows),
        "open_cases": open_cases(session, report.scope, now, band) if records else None,
        "band": band,
    }
