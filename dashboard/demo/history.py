"""Generate the demo's warnings and dissuasion attempts, vectorised with numpy.

Deterministic for a seed and an end time.  Times are naive Asia/Shanghai
``datetime64[s]``.  Volumes follow ``data/demo/calibration.json``: a daily
level that grows year on year, weekday and month factors, an hourly rhythm,
busier central stations, a fraud-type mix with type-specific amounts, and
outcomes that depend on the risk level.  Warnings whose work is not finished
at the end time are left open, so "today" always has a live queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.demo import HISTORY_SOURCE, people
from dashboard.demo.calibration import calibration, categorical
from dashboard.domain.reference import RiskLevel
from dashboard.domain.reference_files import read_reference_file
from dashboard.domain.warnings import Warning
from dashboard.ingest.bulk import seal_frame

SEC = np.timedelta64(1, "s")
MIN = 60 * SEC

DURATION_MINUTES = {  # (low, high) length of an attempt by method
    "sms": (0, 0), "ai_call": (1, 2), "phone": (2, 12), "video": (3, 15),
    "relative": (10, 40), "door_visit": (10, 40),
}
ATTEMPTS_BY_OUTCOME = {  # how many person-to-person attempts each outcome took
    "dissuaded_no_loss": ([1, 2, 3], [0.75, 0.2, 0.05]),
    "dissuaded_partial_loss": ([1, 2, 3], [0.3, 0.4, 0.3]),
    "refused": ([1, 2, 3, 4], [0.2, 0.3, 0.3, 0.2]),
    "unreachable": ([2, 3, 4, 5], [0.2, 0.3, 0.3, 0.2]),
    "defrauded": ([1, 2], [0.7, 0.3]),
}
LAST_RESULT = {
    "dissuaded_no_loss": "dissuaded", "dissuaded_partial_loss": "dissuaded",
    "refused": "not_convinced", "unreachable": "no_answer", "defrauded": "already_paid",
}


@dataclass(frozen=True)
class Stations:
    """The stations warnings are routed to: ids, their counties, weights, positions."""

    ids: np.ndarray
    county_ids: np.ndarray
    codes: list[str]
    weights: np.ndarray
    lon: np.ndarray
    lat: np.ndarray



def daily_level(dates: np.ndarray, end_day: np.datetime64, base: float, growth: float) -> pd.DataFrame:
    """Expected events on each of ``dates``: ``base`` on ``end_day``, ``growth`` year on year."""
    cal = calibration()
    age_years = (end_day - dates).astype(np.int64) / 365.0
    idx = pd.DatetimeIndex(dates)
    level = (
        base * (1 + growth) ** (-age_years)
        * np.array(cal["weekday_factor"])[idx.weekday]
        * np.array(cal["month_factor"])[idx.month - 1]
    )
    return pd.DataFrame({"day": dates, "level": level})


def event_times(rng, days: pd.DataFrame, end: np.datetime64) -> np.ndarray:
    """Poisson counts per day, spread over the day's hourly rhythm; none after ``end``."""
    hours = np.array(calibration()["hour_weights"], dtype=float)
    counts = rng.poisson(days["level"].to_numpy())
    day_of = np.repeat(days["day"].to_numpy().astype("datetime64[s]"), counts)
    hour = rng.choice(24, size=len(day_of), p=hours / hours.sum())
    times = day_of + (hour * 3600 + rng.integers(0, 3600, len(day_of))) * SEC
    times = np.sort(times[times <= end])
    return times


def _minutes(rng, low, high) -> np.ndarray:
    return rng.uniform(low, high) * 60


def generate_warnings(rng, stations: Stations, end: np.datetime64, dates: np.ndarray,
                      daily_warnings: float, cipher, source: str = HISTORY_SOURCE,
                      growth: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The warnings received on ``dates`` and their dissuasion attempts, as of ``end``.

    Ids are local (from 1); external ids are unique across chunks of dates.
    ``cipher`` (a ``PersonalDataCipher``) encrypts the personal data columns (``seal_frame``).
    ``growth``: year on year, ``daily_warnings`` being the last day's level
    (None: the calibration's).
    """
    cal = calibration()
    end64 = end
    growth = cal["year_on_year_growth"] if growth is None else growth
    level = daily_level(dates, end64.astype("datetime64[D]"), daily_warnings, growth)
    received = event_times(rng, level, end64)
    n = len(received)
    prefix = f"{source.upper()}-{str(dates[0]).replace('-', '')}-"

    station_idx = rng.choice(len(stations.ids), size=n, p=stations.weights)
    type_codes, type_idx = categorical(rng, {k: v["weight"] for k, v in cal["fraud_types"].items()}, n)
    channel_codes, channel_idx = categorical(rng, cal["channels"], n)
    risk_codes, risk_idx = categorical(rng, cal["risk_levels"], n)
    transfer = np.array(channel_codes)[channel_idx] == "transfer"
    risk_idx = np.where(transfer & (rng.random(n) < cal["high_risk_if_transfer"]),
                        risk_codes.index("high"), risk_idx)
    risk = np.array(risk_codes)[risk_idx]

    median = np.array([cal["fraud_types"][c]["median_amount"] for c in type_codes])[type_idx]
    sigma = np.array([cal["fraud_types"][c]["sigma"] for c in type_codes])[type_idx]
    amount = np.maximum(100, np.round(median * np.exp(sigma * rng.standard_normal(n)))).astype(np.int64)

    response = {row["code"]: row["response_minutes"] for row in read_reference_file(RiskLevel)}
    response_min = np.select([risk == r for r in response], list(response.values()))
    deadline = received + response_min * MIN
    to_county = received + _minutes(rng, np.full(n, 0.5), 3).astype("timedelta64[s]")
    to_station = to_county + _minutes(rng, np.full(n, 0.5), 4).astype("timedelta64[s]")

    outcome = np.empty(n, dtype=object)
    for r in risk_codes:
        mask = risk == r
        codes, idx = categorical(rng, cal["outcomes_by_risk"][r], int(mask.sum()))
        outcome[mask] = np.array(codes)[idx]

    warnings = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "source": source,
        "external_id": [f"{prefix}{i:06d}" for i in range(1, n + 1)],
        "received_at": received,
        "fraud_type": np.array(type_codes)[type_idx],
        "risk_level": risk,
        "channel": np.array(channel_codes)[channel_idx],
        "county_id": stations.county_ids[station_idx],
        "station_id": stations.ids[station_idx],
        "dispatched_county_at": to_county,
        "dispatched_station_at": to_station,
        "deadline_at": deadline,
        "amount_at_risk": amount,
        "outcome": outcome,
    })
    attempts = _attempts(rng, warnings, stations, station_idx, cal)
    _settle(rng, warnings, attempts, end64)
    _people(rng, warnings, stations, station_idx, cipher)
    return warnings, attempts


def _attempts(rng, w: pd.DataFrame, stations: Stations, station_idx, cal) -> pd.DataFrame:
    n = len(w)
    risk = w["risk_level"].to_numpy()
    outcome = w["outcome"].to_numpy()
    k = np.ones(n, dtype=np.int64)
    for code, (values, p) in ATTEMPTS_BY_OUTCOME.items():
        mask = outcome == code
        k[mask] = rng.choice(values, size=int(mask.sum()), p=p)
    sms_first = risk == "low"
    k = k + sms_first  # low risk starts with an automatic warning SMS

    owner = np.repeat(np.arange(n), k)
    first_of = np.repeat(np.cumsum(k) - k, k)
    pos = np.arange(len(owner)) - first_of
    last = pos == np.repeat(k - 1, k)

    ladder = cal["method_ladder"]
    method = np.empty(len(owner), dtype=object)
    r_own = risk[owner]
    for r, steps in ladder.items():
        mask = r_own == r
        method[mask] = np.array(steps)[np.minimum(pos[mask], len(steps) - 1)]
    o_own = outcome[owner]
    method[last & (o_own == "unreachable")] = "door_visit"

    fail = np.array(["no_answer", "hung_up", "not_convinced"])[
        rng.choice(3, size=len(owner), p=[0.5, 0.3, 0.2])]
    result = np.where(method == "sms", "delivered", fail).astype(object)
    for code, res in LAST_RESULT.items():
        result[last & (o_own == code)] = res

    low = np.zeros(len(owner))
    high = np.zeros(len(owner))
    for m, (lo, hi) in DURATION_MINUTES.items():
        low[method == m], high[method == m] = lo, hi
    duration = (rng.uniform(low, high) * 60).astype(np.int64)
    gap = np.where(method == "door_visit", rng.uniform(15, 60, len(owner)),
                   rng.uniform(1, 10, len(owner))) * 60

    # first person-to-person attempt: a lognormal delay after the warning, by risk
    median = np.zeros(n)
    for r, minutes in cal["first_contact_median_minutes"].items():
        median[risk == r] = minutes
    delay = median * np.exp(0.8 * rng.standard_normal(n)) * 60
    received = w["received_at"].to_numpy()
    to_station = w["dispatched_station_at"].to_numpy()
    contact = np.maximum(received + delay.astype("timedelta64[s]"), to_station + 30 * SEC)

    contact_pos = sms_first.astype(np.int64)[owner]
    step = np.where(pos > contact_pos, gap, 0) + np.where(pos > contact_pos, np.roll(duration, 1), 0)
    offset = pd.Series(step).groupby(owner).cumsum().to_numpy().astype("timedelta64[s]")
    started = np.where(pos < contact_pos, to_station[owner] + 60 * SEC, contact[owner] + offset)
    per = cal["officers_per_station"]
    badges = np.array([f"{c}-{b:02d}" for c in stations.codes for b in range(1, per + 1)])
    officer = badges[station_idx[owner] * per + rng.integers(0, per, len(owner))]
    return pd.DataFrame({
        "warning_id": w["id"].to_numpy()[owner],
        "method": method,
        "officer": officer,
        "started_at": started,
        "ended_at": started + duration.astype("timedelta64[s]"),
        "result": result,
        "_owner": owner,
        "_contact": pos >= contact_pos,
    })


def _settle(rng, w: pd.DataFrame, a: pd.DataFrame, end: np.datetime64) -> None:
    """Close finished warnings with their losses; leave the unfinished ones open at ``end``."""
    n = len(w)
    last_end = pd.Series(a["ended_at"].to_numpy()).groupby(a["_owner"].to_numpy()).max().to_numpy()
    closed = last_end + (rng.uniform(1, 10, n) * 60).astype("timedelta64[s]")
    is_closed = closed <= end

    kept = a["ended_at"].to_numpy() <= end
    a.drop(index=a.index[~kept], inplace=True)
    contact_starts = a.loc[a["_contact"], ["_owner", "started_at"]].groupby("_owner")["started_at"].min()
    first_contact = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    first_contact[contact_starts.index.to_numpy()] = contact_starts.to_numpy()
    has_attempt = np.zeros(n, dtype=bool)
    has_attempt[a["_owner"].unique()] = True

    amount = w["amount_at_risk"].to_numpy()
    outcome = w["outcome"].to_numpy()
    u = rng.random(n)
    share = np.select(
        [outcome == "dissuaded_partial_loss", outcome == "defrauded",
         (outcome == "refused") & (u < 0.4), (outcome == "unreachable") & (u < 0.25)],
        [rng.uniform(0.05, 0.4, n), rng.uniform(0.5, 1.0, n), rng.uniform(0.3, 1.0, n),
         rng.uniform(0.3, 1.0, n)],
        0.0,
    )
    loss = np.round(amount * share).astype(np.int64)
    dissuaded = np.isin(outcome, ["dissuaded_no_loss", "dissuaded_partial_loss"])

    w["status"] = np.where(is_closed, "closed", np.where(
        has_attempt, "in_progress",
        np.where(w["dispatched_station_at"].to_numpy() <= end, "dispatched", "new")))
    for col in ("dispatched_county_at", "dispatched_station_at"):
        w[col] = w[col].where(w[col] <= pd.Timestamp(end))
    w["first_contact_at"] = first_contact
    w["closed_at"] = np.where(is_closed, closed, np.datetime64("NaT"))
    w["outcome"] = np.where(is_closed, outcome, None)
    w["loss"] = np.where(is_closed, loss, 0)
    w["loss_avoided"] = np.where(is_closed & dissuaded, amount - loss, 0)
    w["version"] = 1


def _people(rng, w: pd.DataFrame, stations: Stations, station_idx, cipher) -> None:
    """The person at risk; name, phone, ID and account encrypted as ``Warning`` stores them."""
    n = len(w)
    w["person_name"] = people.names(rng, n)
    w["person_phone"] = people.mobiles(rng, n)
    w["person_id_number"] = people.id_numbers(rng, n)
    has_account = (w["channel"].to_numpy() == "transfer") | (rng.random(n) < 0.25)
    accounts = np.full(n, None, dtype=object)
    accounts[has_account] = people.bank_accounts(rng, int(has_account.sum()))
    w["person_bank_account"] = accounts
    seal_frame(w, Warning.__table__, cipher)
    w["lon"] = np.round(stations.lon[station_idx] + rng.normal(0, 0.004, n), 6)
    w["lat"] = np.round(stations.lat[station_idx] + rng.normal(0, 0.004, n), 6)
