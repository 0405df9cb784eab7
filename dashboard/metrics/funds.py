"""Money: amounts stopped, frozen and returned, the money clock, the largest stop-payments.

Definitions (``docs/metrics.md``, "Funds"):

- stage figures (``accounts_stopped``, ``amount_stopped``, ``amount_frozen``,
  ``amount_returned``) count each stage on the day it happened, from
  ``agg_funds_day``, exactly as the overview's KPIs;
- the *cohort* of a period is the stop-payments *requested* in it
  (``requested_at``); ``funds_reported_loss`` is their ``requested_amount``
  (the payment the victim reported), ``funds_stopped_share`` and
  ``funds_returned_share`` the shares of it stopped and returned by now;
- the money clock: for the cohort's stop-payments that were stopped, the
  whole minutes from the victim's report (``reported_at``) to the stop
  (``stopped_at``), negative waits counting as 0, counted in the waiting-time
  histogram's buckets (``agg_response_day``, measure ``stop_payment``, on the
  day of request); its median and p90 are read from the histogram as the
  response times' are (exact to the minute below an hour);
- amount at risk by fraud type: the ``amount_at_risk`` of the warnings
  received in the period (``received_at``), by their fraud type, from
  ``agg_fraud_types_day``: what the upstream platforms flagged as about to
  be lost, beside what was stopped.

Every figure but the largest stop-payments (record-level) comes from the
aggregate tables: the cohort's sums are columns of ``agg_funds_day`` counted
on the day of request.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit, StopPayment
from dashboard.domain.aggregates import RESPONSE_BUCKETS, FundsDay, ResponseDay
from dashboard.domain.personal_data import mask_bank_account
from dashboard.metrics.breakdowns import fraud_types
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
from dashboard.metrics.kpi_sources import period_sums
from dashboard.metrics.kpis import MATURITY_DAYS
from dashboard.metrics.period import Period
from dashboard.metrics.response import BUCKET_COLUMNS, PERCENTILES, percentile
from dashboard.metrics.retired import without_idle_retired
from dashboard.metrics.sums import total

FIGURES: tuple[Figure, ...] = (
    Figure("accounts_stopped", "count", "up"),
    Figure("amount_stopped", "yuan", "up"),
    Figure("amount_frozen", "yuan", "up"),
    Figure("amount_returned", "yuan", "up"),
    Figure("funds_reported_loss", "yuan", "neutral"),
    Figure("funds_stopped_share", "rate", "up"),
    Figure("funds_returned_share", "rate", "up", matures_days=MATURITY_DAYS),
    Figure("funds_stop_minutes_median", "minutes", "down"),
    Figure("funds_within_hour_share", "rate", "up"),
)
STAGES = {"accounts_stopped": "stopped", "amount_stopped": "stopped_amount",
          "amount_frozen": "frozen_amount", "amount_returned": "returned_amount"}
# the cohort's sums, on its day of request
COHORT = {"requests": "requests", "funds_reported_loss": "requested_amount",
          "cohort_stopped": "cohort_stopped_amount", "cohort_returned": "cohort_returned_amount"}
# the money clock's bars: lower bounds in minutes; the last one is open-ended
CLOCK_BUCKETS: tuple[int, ...] = (0, 10, 20, 30, 60, 120, 360, 1440)
WITHIN_MINUTES = 60
RECENT_DAYS = 30
SP = StopPayment
BUCKET_LOWER = np.array(RESPONSE_BUCKETS)


def _cohort(stmt, scope: Scope, period: Period):
    return scope.filter_units(stmt.where(SP.requested_at >= period.start, SP.requested_at < period.end),
                              SP.county_id, SP.station_id)


def stop_clocks(session: Session, scope: Scope, periods: list[Period]) -> list[np.ndarray]:
    """For each period, the histogram of its cohort's waits from report to stop (counts in ``RESPONSE_BUCKETS``)."""
    frames = period_sums(session, ResponseDay, {c: c for c in BUCKET_COLUMNS}, scope, periods,
                         only={"measure": "stop_payment"})
    return [frame[BUCKET_COLUMNS].to_numpy(dtype=np.int64).sum(axis=0) for frame in frames]


def funds_figures(session: Session, scope: Scope, periods: list[Period]) -> list[dict]:
    """Every figure of ``FIGURES`` for ``scope`` in each of ``periods`` (rates None when undefined)."""
    answers = []
    for totals, clock in zip(period_sums(session, FundsDay, {**STAGES, **COHORT}, scope, periods),
                             stop_clocks(session, scope, periods), strict=True):
        out = {key: total(totals, key) for key in STAGES}
        reported = total(totals, "funds_reported_loss")
        out["funds_reported_loss"] = reported
        out["funds_stopped_share"] = total(totals, "cohort_stopped") / reported if reported else None
        out["funds_returned_share"] = total(totals, "cohort_returned") / reported if reported else None
        n = int(clock.sum())
        out["funds_stop_minutes_median"] = percentile(clock, PERCENTILES["median"])
        out["funds_within_hour_share"] = int(clock[BUCKET_LOWER < WITHIN_MINUTES].sum()) / n if n else None
        answers.append(out)
    return answers


def money_clock(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """How many of the cohort's stop-payments were stopped within each band of minutes.

    Columns: lower, upper (None for the last, open band), stop_payments,
    share, cumulative_share.  ``attrs``: count, median, p90 (minutes, as the
    lower bound of their histogram bucket).
    """
    clock = stop_clocks(session, scope, [period])[0]
    band = np.searchsorted(np.array(CLOCK_BUCKETS), BUCKET_LOWER, side="right") - 1
    counts = np.bincount(band, weights=clock, minlength=len(CLOCK_BUCKETS)).astype(np.int64)
    n = int(counts.sum())
    out = pd.DataFrame({"lower": list(CLOCK_BUCKETS),
                        "upper": [*CLOCK_BUCKETS[1:], None],
                        "stop_payments": counts})
    out["share"] = out["stop_payments"] / n if n else 0.0
    out["cumulative_share"] = out["stop_payments"].cumsum() / n if n else 0.0
    out.attrs.update(count=n, median=percentile(clock, PERCENTILES["median"]),
                     p90=percentile(clock, PERCENTILES["p90"]))
    return out


def funds_over_time(session: Session, scope: Scope, period: Period, today: date | None = None) -> pd.DataFrame:
    """The stage figures by day (periods up to 62 days) or by calendar month (``figures.over_time``).

    Columns: start (first day of the bucket) and the keys of ``STAGES``;
    ``attrs["grain"]`` is "day" or "month".
    """
    return over_time(session, FundsDay, STAGES, scope, period, today)


def funds_by_unit(session: Session, scope: Scope, period: Period, level: str,
                  windows: Windows | None = None) -> pd.DataFrame:
    """The figures of every ``level`` unit in scope.

    Columns: unit_id, code, name_zh, name_en, parent_id, population, the
    keys of ``STAGES``, funds_reported_loss, funds_stopped_share,
    funds_returned_share, and the 同比 / 环比 of ``amount_stopped``
    (``amount_stopped_pct_last_year``, ``amount_stopped_pct_previous``,
    over the compared windows; None without them or when the base is 0).
    """
    units = child_units(session, scope, level)
    # the compared windows' amounts come with the period's figures, in one statement
    frames = period_sums(session, FundsDay, {**STAGES, **COHORT}, scope, compared_periods(period, windows),
                         by=level)
    out = with_units(units, frames[0])
    out["funds_stopped_share"] = ratio(out["cohort_stopped"], out["funds_reported_loss"])
    out["funds_returned_share"] = ratio(out["cohort_returned"], out["funds_reported_loss"])
    out = out.drop(columns=["requests", "cohort_stopped", "cohort_returned"])
    add_changes(out, frames[1:], "amount_stopped")
    return without_idle_retired(session, out, period)


def at_risk_by_fraud_type(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """The amount at risk of the warnings received in ``period`` by fraud type, largest first.

    Every type of the reference list (0 when none).  Columns: code, name_zh,
    name_en, amount_at_risk, received, share (of the amount at risk; 0 when
    there is none).
    """
    out = fraud_types(session, scope, period)[["code", "name_zh", "name_en", "amount_at_risk", "received"]]
    whole = int(out["amount_at_risk"].sum())
    out["share"] = out["amount_at_risk"] / whole if whole else 0.0
    return out.sort_values("amount_at_risk", ascending=False, kind="stable").reset_index(drop=True)


def largest_stop_payments(session: Session, scope: Scope, now: datetime, days: int = RECENT_DAYS,
                          limit: int = 10) -> pd.DataFrame:
    """The stop-payments requested in the ``days`` up to ``now`` with the largest amount stopped (ties: latest first).

    Record-level: only for roles that may see records.  The receiving
    account is masked here (``6222 **** **** 1234``) and never leaves this
    function in clear.  Columns: id, warning_id, case_id, station_id,
    station_zh, station_en, bank, account, reported_at, stopped_at, minutes,
    requested_amount, stopped_amount, frozen_amount, returned_amount.
    """
    station = aliased(OrgUnit)
    stmt = _cohort(select(SP.id, SP.warning_id, SP.case_id, SP.station_id, station.name_zh,
                          station.name_en, SP.bank, SP.account, SP.reported_at, SP.stopped_at,
                          SP.requested_amount, SP.stopped_amount, SP.frozen_amount, SP.returned_amount)
                   .join(station, station.id == SP.station_id),
                   scope, Period(now - timedelta(days=days), now + timedelta(seconds=1)))
    # equal amounts: the latest first; both descending, so the index on (stopped_amount, id) read backwards
    stmt = stmt.where(SP.stopped_at.is_not(None)).order_by(SP.stopped_amount.desc(), SP.id.desc()).limit(limit)
    columns = ["id", "warning_id", "case_id", "station_id", "station_zh", "station_en", "bank", "account",
               "reported_at", "stopped_at", "requested_amount", "stopped_amount", "frozen_amount",
               "returned_amount"]
    out = pd.DataFrame([tuple(r) for r in session.execute(stmt).all()], columns=columns)
    out["account"] = [mask_bank_account(a) for a in out["account"]]
    out["minutes"] = [max(int((s - r).total_seconds()), 0) // 60
                      for s, r in zip(out["stopped_at"], out["reported_at"], strict=True)]
    return out


def funds_sections(session: Session, report: ReportView, now: datetime, records: bool) -> dict:
    """The funds page's sections for ``report``; the record-level list only if ``records``."""
    windows = report.figures.attrs["windows"]
    return {
        "over_time": funds_over_time(session, report.scope, report.period, report.today),
        "clock": money_clock(session, report.scope, report.period),
        "at_risk": at_risk_by_fraud_type(session, report.scope, report.period),
        "units": funds_by_unit(session, report.units_scope, report.period, report.level, windows),
        "largest": largest_stop_payments(session, report.scope, now) if records else None,
        "largest_days": RECENT_DAYS,
    }
