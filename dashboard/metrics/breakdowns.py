"""Breakdowns and series for charts: by fraud type, outcome and method, and daily trends.

All read the aggregate tables through ``sums``; names come from the
reference lists (``name_zh`` / ``name_en``) so that the lists stay data.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain.aggregates import (
    CaseDay,
    DissuasionDay,
    FraudTypeDay,
    FundsDay,
    OutcomeDay,
    PublicityDay,
    WarningDay,
)
from dashboard.domain.reference import DissuasionMethod, FraudType, Outcome
from dashboard.metrics.kpis import dissuaded_outcomes
from dashboard.metrics.period import Period, disjoint, year_back
from dashboard.metrics.sums import Among, sum_block, sums


def _with_names(session: Session, model, frame: pd.DataFrame, dim: str, value: str) -> pd.DataFrame:
    """Every item of the reference list ``model`` in its order, with its sums in ``frame`` (0 when none).

    Put together in plain lists: a merge of these few rows cost more in pandas' steps than the sums.
    """
    items = session.execute(select(model.code, model.name_zh, model.name_en).order_by(model.sort_order)).all()
    measures = [c for c in frame.columns if c != dim]
    found = {row[0]: row[1:] for row in frame[[dim, *measures]].itertuples(index=False, name=None)}
    zeros = (0,) * len(measures)
    sums_of = [found.get(code, zeros) for code, _, _ in items]
    out = pd.DataFrame({"code": [i[0] for i in items], "name_zh": [i[1] for i in items],
                        "name_en": [i[2] for i in items],
                        **{m: pd.array([int(s[k]) for s in sums_of], dtype="int64") for k, m in enumerate(measures)}})
    whole = int(out[value].sum())
    out["share"] = out[value] / whole if whole else 0.0
    return out


def fraud_types(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Warnings received in ``period`` by fraud type, every type of the reference list.

    Columns: code, name_zh, name_en, received, amount_at_risk, share (of
    ``received``), in the list's order.
    """
    frame = sums(session, FraudTypeDay, {"received": "received", "amount_at_risk": "amount_at_risk"},
                 scope, period, dims=("fraud_type",))
    return _with_names(session, FraudType, frame, "fraud_type", "received")


def outcomes(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Warnings closed in ``period`` by outcome (the outcome mix).

    Columns: code, name_zh, name_en, closed, loss, loss_avoided, share (of
    ``closed``), dissuaded (the outcome's flag).
    """
    frame = sums(session, OutcomeDay, {"closed": "closed", "loss": "loss", "loss_avoided": "loss_avoided"},
                 scope, period, dims=("outcome",))
    out = _with_names(session, Outcome, frame, "outcome", "closed")
    out["dissuaded"] = out["code"].isin(dissuaded_outcomes(session))
    return out


def methods(session: Session, scope: Scope, period: Period) -> pd.DataFrame:
    """Dissuasion attempts started in ``period`` by method.

    Columns: code, name_zh, name_en, attempts, reached (the result reached
    the person), dissuaded (the result was a dissuasion), share (of attempts).
    """
    frame = sums(session, DissuasionDay, {"attempts": "attempts", "reached": "reached",
                                          "dissuaded": "dissuaded"}, scope, period, dims=("method",))
    return _with_names(session, DissuasionMethod, frame, "method", "attempts")


# KPIs that add up day by day, and where their daily values come from.
DAILY_SOURCES = {
    "received": (WarningDay, "received"),
    "amount_at_risk": (WarningDay, "amount_at_risk"),
    "closed": (OutcomeDay, "closed"),
    "loss_avoided": (OutcomeDay, "loss_avoided"),
    "loss": (OutcomeDay, "loss"),
    "attempts": (DissuasionDay, "attempts"),
    "accounts_stopped": (FundsDay, "stopped"),
    "amount_stopped": (FundsDay, "stopped_amount"),
    "amount_frozen": (FundsDay, "frozen_amount"),
    "amount_returned": (FundsDay, "returned_amount"),
    "cases_reported": (CaseDay, "reported"),
    "cases_solved": (CaseDay, "solved"),
    "suspects_arrested": (CaseDay, "suspects_arrested"),
    "publicity_events": (PublicityDay, "events"),
    "publicity_reach": (PublicityDay, "reach"),
}


def _daily(session: Session, scope: Scope, periods: list[Period], kpi: str) -> dict:
    """The KPI's value by day over ``periods`` (apart: one statement; overlapping: one each)."""
    if kpi == "dissuaded":
        codes = dissuaded_outcomes(session)
        model, measure = OutcomeDay, Among("closed", "outcome", tuple(codes))
    else:
        model, measure = DAILY_SOURCES[kpi]
    values: dict = {}
    for read in ([periods] if disjoint(periods) else [[p] for p in periods]):
        _, keys, block = sum_block(session, model, {"value": measure}, scope, read, daily=True)
        values.update(zip((key[0] for key in keys), block[:, 0].tolist(), strict=True))
    return values


def daily_trend(session: Session, scope: Scope, period: Period, kpi: str = "received") -> pd.DataFrame:
    """The daily values of an additive KPI over ``period``, beside the same dates last year.

    Definition: as the KPI (see ``kpis``), per local day.  Columns: day,
    value, last_year (the value on the same date one year earlier; 29
    February has none), every day of the period listed.
    """
    if kpi not in DAILY_SOURCES and kpi != "dissuaded":
        raise ValueError(f"daily_trend: {kpi!r} does not add up by day")
    days = [period.first_day + timedelta(days=i) for i in range(period.days)]
    by_day = _daily(session, scope, [period, period.last_year()], kpi)  # a day's value, whichever period read it
    out = pd.DataFrame({"day": days})
    out["value"] = [int(by_day.get(d, 0)) for d in days]
    out["last_year"] = [None if (d.month, d.day) == (2, 29) else int(by_day.get(year_back(d), 0))
                        for d in days]
    return out
