"""Generate what follows the warnings: stop-payments, cases, publicity events.

Losses reported from warnings get emergency stop-payments within minutes to
hours, freezing and (weeks later) partial return; defrauded warnings become
cases, beside the cases reported directly by victims; cases are solved
weeks later or stay under investigation.  Stations hold publicity events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.demo.calibration import calibration, categorical
from dashboard.demo.history import Stations, daily_level, event_times
from dashboard.demo.people import bank_accounts

NAT = np.datetime64("NaT", "s")


def _lognormal_seconds(rng, median_seconds: float, sigma: float, n: int) -> np.ndarray:
    return (median_seconds * np.exp(sigma * rng.standard_normal(n))).astype("timedelta64[s]")


def generate_cases(rng, warnings: pd.DataFrame, stations: Stations, end: np.datetime64,
                   dates: np.ndarray) -> pd.DataFrame:
    """Cases grown from defrauded warnings, plus cases reported directly on ``dates``.

    Ids are local (from 1); the caller numbers them.
    """
    cal = calibration()
    lost = warnings[(warnings["loss"] > 0) & warnings["outcome"].isin(["defrauded", "dissuaded_partial_loss"])]
    lost = lost[rng.random(len(lost)) < cal["case_share_of_defrauded_warnings"]]
    from_warnings = pd.DataFrame({
        "reported_at": lost["closed_at"].to_numpy() + (rng.uniform(10, 360, len(lost)) * 60).astype(
            "timedelta64[s]"),
        "fraud_type": lost["fraud_type"].to_numpy(),
        "county_id": lost["county_id"].to_numpy(),
        "station_id": lost["station_id"].to_numpy(),
        "warning_id": lost["id"].to_numpy(),
        "loss": lost["loss"].to_numpy(),
    })

    level = daily_level(dates, end.astype("datetime64[D]"), cal["cases_per_day_without_warning"], -0.2)
    times = event_times(rng, level, end)
    m = len(times)
    type_codes, type_idx = categorical(rng, {k: v["weight"] for k, v in cal["fraud_types"].items()}, m)
    median = np.array([cal["fraud_types"][c]["median_amount"] for c in type_codes])[type_idx]
    station_idx = rng.choice(len(stations.ids), size=m, p=stations.weights)
    direct = pd.DataFrame({
        "reported_at": times,
        "fraud_type": np.array(type_codes)[type_idx],
        "county_id": stations.county_ids[station_idx],
        "station_id": stations.ids[station_idx],
        "warning_id": pd.array([pd.NA] * m, dtype="Int64"),
        "loss": np.maximum(100, np.round(median * np.exp(rng.standard_normal(m)))).astype(np.int64),
    })
    cases = pd.concat([from_warnings.astype({"warning_id": "Int64"}), direct], ignore_index=True)
    cases = cases[cases["reported_at"] <= pd.Timestamp(end)].sort_values("reported_at", ignore_index=True)
    n = len(cases)

    solved_at = cases["reported_at"].to_numpy().astype("datetime64[s]") + _lognormal_seconds(
        rng, cal["case_solving_median_days"] * 86400, 0.7, n)
    solved = (rng.random(n) < cal["case_solving_share"]) & (solved_at <= end)
    cases["id"] = np.arange(1, n + 1)
    cases["status"] = np.where(solved, "solved", "filed")
    cases["solved_at"] = np.where(solved, solved_at, NAT)
    extra = rng.poisson(cal["suspects_per_solved_case_mean"] - 1, n)
    cases["suspects_arrested"] = np.where(solved, 1 + extra, 0)
    return cases


def generate_stop_payments(rng, warnings: pd.DataFrame, cases: pd.DataFrame,
                           end: np.datetime64) -> pd.DataFrame:
    """Emergency stop-payments for reported losses: stopped, frozen, returned over time."""
    cal = calibration()
    case_of_warning = cases.dropna(subset=["warning_id"]).set_index("warning_id")["id"]
    lost = warnings[warnings["loss"] > 0]
    lost = lost[rng.random(len(lost)) < cal["stop_payment_share_of_losses"]]
    direct = cases[cases["warning_id"].isna()]
    direct = direct[rng.random(len(direct)) < 0.6]
    base = pd.concat([
        pd.DataFrame({
            "warning_id": lost["id"].to_numpy(),
            "case_id": case_of_warning.reindex(lost["id"].to_numpy()).to_numpy(),
            "county_id": lost["county_id"].to_numpy(),
            "station_id": lost["station_id"].to_numpy(),
            "reported_at": lost["closed_at"].to_numpy(),
            "requested_amount": lost["loss"].to_numpy(),
        }),
        pd.DataFrame({
            "warning_id": np.full(len(direct), np.nan),
            "case_id": direct["id"].to_numpy(),
            "county_id": direct["county_id"].to_numpy(),
            "station_id": direct["station_id"].to_numpy(),
            "reported_at": direct["reported_at"].to_numpy(),
            "requested_amount": direct["loss"].to_numpy(),
        }),
    ], ignore_index=True)
    n = len(base)
    reported = base["reported_at"].to_numpy().astype("datetime64[s]")
    requested = reported + _lognormal_seconds(rng, cal["stop_payment_median_minutes"] * 60, 0.9, n)
    stopped_at = requested + (rng.uniform(1, 25, n) * 60).astype("timedelta64[s]")
    frozen_at = stopped_at + (rng.uniform(10, 360, n) * 60).astype("timedelta64[s]")
    returned_at = frozen_at + _lognormal_seconds(rng, cal["return_median_days"] * 86400, 0.5, n)

    req = base["requested_amount"].to_numpy()
    stopped = (rng.random(n) < cal["stop_success_share"]) & (stopped_at <= end)
    frozen = stopped & (rng.random(n) < cal["freeze_share_of_stopped"]) & (frozen_at <= end)
    returned = frozen & (rng.random(n) < cal["return_share_of_frozen"]) & (returned_at <= end)
    stopped_amount = np.where(stopped, np.round(req * rng.uniform(0.3, 1.0, n)), 0).astype(np.int64)
    frozen_amount = np.where(frozen, np.round(stopped_amount * rng.uniform(0.85, 1.0, n)), 0).astype(np.int64)
    returned_amount = np.where(returned, np.round(frozen_amount * rng.uniform(0.5, 1.0, n)), 0).astype(np.int64)


    keep = requested <= end
    sp = base.assign(
        requested_at=requested, account=bank_accounts(rng, n),
        bank=np.array(cal["banks"])[rng.integers(0, len(cal["banks"]), n)],
        stopped_at=np.where(stopped, stopped_at, NAT), stopped_amount=stopped_amount,
        frozen_at=np.where(frozen, frozen_at, NAT), frozen_amount=frozen_amount,
        returned_at=np.where(returned, returned_at, NAT), returned_amount=returned_amount,
    )[keep].sort_values("requested_at", ignore_index=True)
    sp["id"] = np.arange(1, len(sp) + 1)
    sp["warning_id"] = sp["warning_id"].astype("Int64")
    sp["case_id"] = sp["case_id"].astype("Int64")
    return sp


def generate_publicity(rng, stations: Stations, dates: np.ndarray) -> pd.DataFrame:
    """Publicity events held by stations on ``dates``, with the people each reached."""
    cal = calibration()
    kinds = cal["publicity_reach"]
    days = len(dates)
    rate = cal["publicity_events_per_station_day"] * stations.weights / stations.weights.mean()
    counts = rng.poisson(np.outer(np.ones(days), np.clip(rate, 0.15, 1.5)))
    day_idx, station_idx = np.nonzero(counts)
    reps = counts[day_idx, station_idx]
    day_idx, station_idx = np.repeat(day_idx, reps), np.repeat(station_idx, reps)
    codes, kind_idx = categorical(rng, {k: v["weight"] for k, v in kinds.items()}, len(day_idx))
    median = np.array([kinds[c]["median"] for c in codes])[kind_idx]
    return pd.DataFrame({
        "day": pd.to_datetime(dates[day_idx]).date,
        "unit_id": stations.ids[station_idx],
        "county_id": stations.county_ids[station_idx],
        "kind": np.array(codes)[kind_idx],
        "reach": np.maximum(5, np.round(median * np.exp(0.6 * rng.standard_normal(len(day_idx))))).astype(
            np.int64),
    })


