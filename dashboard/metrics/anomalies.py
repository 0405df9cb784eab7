"""Anomalies: units whose warnings surge above their own usual level, or whose dissuasion fails more.

The method is written out in ``docs/anomalies.md``; in short, for every
station in scope and every county (the sum of its stations):

**Volume spike.**  ``observed``: warnings received in the last
``SPIKE_HOURS`` hours up to ``now``.  ``expected``: the mean of the counts
in the same window (same weekday, same hours) in each of the
``BASELINE_WEEKS`` weeks before.  If nothing unusual is happening, the
recent count and the sum of the weekly counts are Poisson counts with means
λ and ``BASELINE_WEEKS`` × λ, so, given their total n, the recent count is
Binomial(n, 1 / (``BASELINE_WEEKS`` + 1)); ``p_value`` is the chance of a
recent count at least as large (the exact test of two Poisson rates, which
allows for the baseline being itself a sample).  Flagged when all three
hold: observed ≥ ``MIN_SPIKE_WARNINGS``; observed ≥ ``SPIKE_RATIO`` ×
expected; p_value ≤ ``SPIKE_ALPHA``.

**Success-rate drop.**  The dissuasion success rate (dissuaded ÷ closed,
as the KPI) over the last ``DROP_RECENT_DAYS`` days (today included)
against the ``DROP_BASELINE_DAYS`` days before.  Flagged when both windows
closed at least ``MIN_CLOSED`` warnings, the rate fell by at least
``MIN_DROP`` (0.10 = 10 points), and the two-proportion z statistic (pooled)
is ≤ −``DROP_Z``.

Volumes come from ``agg_warnings_hour`` plus the raw warnings of the
minutes at the windows' edges (as ``metrics.volume``); rates from
``agg_outcomes_day``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from math import erfc, log, log1p, sqrt

import numpy as np
import pandas as pd
from sqlalchemy import Integer, func, literal, select, union_all
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import Warning
from dashboard.domain.aggregates import OutcomeDay, WarningHour
from dashboard.domain.base import SHANGHAI, to_local_naive
from dashboard.metrics.figures import child_units
from dashboard.metrics.kpis import dissuaded_outcomes
from dashboard.metrics.period import Period
from dashboard.metrics.sums import Among, sum_block

SPIKE_HOURS = 3
BASELINE_WEEKS = 8
MIN_SPIKE_WARNINGS = 6
SPIKE_RATIO = 2.0
SPIKE_ALPHA = 0.0001

DROP_RECENT_DAYS = 7
DROP_BASELINE_DAYS = 28
MIN_CLOSED = 20
MIN_DROP = 0.10
DROP_Z = 3.0

UNIT_COLUMNS = ["unit_id", "code", "name_zh", "name_en", "level"]
FLAG_COLUMNS = [*UNIT_COLUMNS, "kind", "observed", "expected", "change", "score"]


def log_factorials(n: int) -> np.ndarray:
    """log(i!) for i = 0..n."""
    return np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1)))))


def binomial_upper_tail(k: int, n: int, p: float, log_factorial: np.ndarray | None = None) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space (no underflow for large n).

    ``log_factorial``: ``log_factorials(m)`` for some m ≥ n, when many tails are asked for at once.
    """
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if log_factorial is None or len(log_factorial) <= n:
        log_factorial = log_factorials(n)
    i = np.arange(k, n + 1)
    logs = log_factorial[n] - log_factorial[i] - log_factorial[n - i] + i * log(p) + (n - i) * log1p(-p)
    peak = logs.max()
    return float(min(1.0, np.exp(peak) * np.exp(logs - peak).sum()))


def spike_p_value(observed: int, baseline_total: int, weeks: int = BASELINE_WEEKS,
                  log_factorial: np.ndarray | None = None) -> float:
    """The chance of ``observed`` or more recent warnings if the rate is the baseline's (module doc)."""
    return binomial_upper_tail(observed, observed + baseline_total, 1 / (weeks + 1), log_factorial)


def _units(session: Session, scope: Scope,
           read: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scope's stations and counties (``read``, if the caller has them already)."""
    if read is not None:
        return read
    stations = child_units(session, scope, "station").assign(level="station")
    counties = child_units(session, scope, "county").assign(level="county")
    return stations, counties


def _with_counties(stations: pd.DataFrame, counties: pd.DataFrame, values: dict[int, list[int]],
                   width: int) -> tuple[dict[str, list], np.ndarray]:
    """The unit columns of the counties, then the stations; and their ``width`` values per row.

    ``values``: by station id (none: zeros); a county's are the sums of its stations'.
    Plain lists and one array: a frame of 54 rows cost more in pandas steps than in sums.
    """
    grid = np.zeros((len(stations), width), dtype=np.int64)
    for row, unit in enumerate(stations["unit_id"].tolist()):
        if unit in values:
            grid[row] = values[unit]
    county_row = {unit: row for row, unit in enumerate(counties["unit_id"].tolist())}
    county_grid = np.zeros((len(county_row), width), dtype=np.int64)
    for row, parent in enumerate(stations["parent_id"].tolist()):
        if parent in county_row:
            county_grid[county_row[parent]] += grid[row]
    units = {name: counties[name].tolist() + stations[name].tolist() for name in UNIT_COLUMNS}
    return units, np.vstack([county_grid, grid])


def _hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)


def window_counts(session: Session, scope: Scope, windows: list[Period]) -> pd.DataFrame:
    """Warnings received in each window per station: columns station_id, window (index), warnings."""
    frame = pd.DataFrame(_window_rows(session, scope, windows), columns=["station_id", "window", "warnings"])
    frame = frame.astype({"warnings": "int64"})
    return frame.groupby(["station_id", "window"], as_index=False)["warnings"].sum()


def _window_rows(session: Session, scope: Scope, windows: list[Period]) -> list[tuple[int, int, int]]:
    """(station_id, window, warnings) parts; a station and window may come in two parts (hours, edges).

    Whole hours come from ``agg_warnings_hour`` (through its index by hour)
    and the minutes at each window's edges from the raw warnings (through
    their time index): one query for all the windows, counted by the database.
    """
    hours, edges = [], []
    for index, (start, end) in enumerate((w.start, w.end) for w in windows):
        first = _hour_floor(start)
        first = first if first == start else first + timedelta(hours=1)
        last = _hour_floor(end)
        if first >= last:
            edges.append((index, start, end))
            continue
        hours.append((index, first, last))
        edges += [(index, a, b) for a, b in ((start, first), (last, end)) if a < b]
    # one plain time range per arm, so that each reads an index by time (a
    # single OR of the ranges, or a CASE over every hour, made SQLite scan the table)
    arms = [select(WarningHour.station_id, literal(i, Integer).label("window"),
                   func.sum(WarningHour.received).label("warnings")).where(
        scope.unit_condition(WarningHour.station_id), WarningHour.hour >= a, WarningHour.hour < b,
    ).group_by(WarningHour.station_id) for i, a, b in hours]
    arms += [scope.filter_units(
        select(Warning.station_id, literal(i, Integer).label("window"), func.count().label("warnings")).where(
            Warning.received_at >= to_local_naive(a), Warning.received_at < to_local_naive(b)),
        Warning.county_id, Warning.station_id).group_by(Warning.station_id) for i, a, b in edges]
    parts = session.execute(union_all(*arms)).all() if arms else []
    return [(int(station), int(window), int(n)) for station, window, n in parts]


def volume_spikes(session: Session, scope: Scope, now: datetime, hours: int = SPIKE_HOURS,
                  weeks: int = BASELINE_WEEKS, units: tuple[pd.DataFrame, pd.DataFrame] | None = None
                  ) -> pd.DataFrame:
    """Every station and county in scope with its recent warnings against its usual level.

    Columns: unit_id, code, name_zh, name_en, level, observed, expected,
    ratio (observed ÷ expected, None when expected is 0), p_value, flagged.
    ``units``: the scope's stations and counties (``_units``) if already read.
    """
    stations, counties = _units(session, scope, units)
    window = Period(now - timedelta(hours=hours), now)
    windows = [window] + [Period(window.start - timedelta(days=7 * w), window.end - timedelta(days=7 * w))
                          for w in range(1, weeks + 1)]
    values: dict[int, np.ndarray] = {}
    for station, index, warnings in _window_rows(session, scope, windows):
        values.setdefault(station, np.zeros(len(windows), dtype=np.int64))[index] += warnings
    units, grid = _with_counties(stations, counties, values, len(windows))
    observed, baseline = grid[:, 0], grid[:, 1:]
    expected = baseline.mean(axis=1)
    totals = baseline.sum(axis=1)
    # one table of log factorials for every unit's tail (one each was most of this function's time)
    log_factorial = log_factorials(int((observed + totals).max(initial=0)))
    p_values = np.array([spike_p_value(o, b, weeks, log_factorial)
                         for o, b in zip(observed.tolist(), totals.tolist(), strict=True)])
    return pd.DataFrame({
        **units, "observed": observed, "expected": expected,
        "ratio": [o / e if e else None for o, e in zip(observed.tolist(), expected.tolist(), strict=True)],
        "p_value": p_values,
        "flagged": ((observed >= MIN_SPIKE_WARNINGS) & (observed >= SPIKE_RATIO * expected)
                    & (p_values <= SPIKE_ALPHA)),
    })


def _rates(session: Session, scope: Scope, period: Period, codes: list[str]) -> dict[int, list[int]]:
    """Closed and dissuaded warnings by station id."""
    _names, keys, block = sum_block(session, OutcomeDay, {
        "closed": "closed",
        "dissuaded": Among("closed", "outcome", tuple(codes)),
    }, scope, period, by="station")
    return {int(unit): pair for (unit,), pair in zip(keys, block.tolist(), strict=True)}


def success_drops(session: Session, scope: Scope, now: datetime, days: int = DROP_RECENT_DAYS,
                  baseline_days: int = DROP_BASELINE_DAYS,
                  units: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every station and county in scope with its recent success rate against the weeks before.

    Columns: unit_id, code, name_zh, name_en, level, recent_closed,
    recent_dissuaded, recent_rate, baseline_closed, baseline_dissuaded,
    baseline_rate, drop (baseline_rate − recent_rate), z, flagged.
    ``units``: the scope's stations and counties (``_units``) if already read.
    """
    stations, counties = _units(session, scope, units)
    recent = Period.last_days(days, now)
    baseline = Period.of_days(recent.first_day - timedelta(days=baseline_days),
                              recent.first_day - timedelta(days=1))
    codes = dissuaded_outcomes(session)
    recent_rates, baseline_rates = _rates(session, scope, recent, codes), _rates(session, scope, baseline, codes)
    values = {unit: recent_rates.get(unit, [0, 0]) + baseline_rates.get(unit, [0, 0])
              for unit in recent_rates.keys() | baseline_rates.keys()}
    units, grid = _with_counties(stations, counties, values, 4)
    columns = ["recent_closed", "recent_dissuaded", "baseline_closed", "baseline_dissuaded"]
    rows = []
    for recent_closed, recent_dissuaded, base_closed, base_dissuaded in grid.tolist():
        recent_rate = recent_dissuaded / recent_closed if recent_closed else None
        base_rate = base_dissuaded / base_closed if base_closed else None
        z = None
        if recent_rate is not None and base_rate is not None:
            pooled = (recent_dissuaded + base_dissuaded) / (recent_closed + base_closed)
            spread = sqrt(pooled * (1 - pooled) * (1 / recent_closed + 1 / base_closed))
            z = (recent_rate - base_rate) / spread if spread else None
        drop = base_rate - recent_rate if z is not None else None
        flagged = (recent_closed >= MIN_CLOSED and base_closed >= MIN_CLOSED and drop is not None
                   and drop >= MIN_DROP and z <= -DROP_Z)
        rows.append((recent_rate, base_rate, drop, z, bool(flagged)))
    rates = pd.DataFrame(rows, columns=["recent_rate", "baseline_rate", "drop", "z", "flagged"])
    return pd.concat([pd.DataFrame({**units, **dict(zip(columns, grid.T, strict=True))}), rates], axis=1)


def anomaly_flags(session: Session, scope: Scope, now: datetime) -> pd.DataFrame:
    """The flagged units only, both kinds, worst first within each kind.

    Columns: unit_id, code, name_zh, name_en, level, kind ("volume" or
    "success"), observed and expected (warnings for a spike, rates for a
    drop), change (the ratio of a spike, the drop in points of a rate as a
    fraction), score (the p-value of a spike, the z of a drop).
    """
    if scope.is_empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    units = _units(session, scope)
    spikes = volume_spikes(session, scope, now, units=units)
    spikes = spikes[spikes["flagged"]].sort_values("p_value").assign(kind="volume").rename(
        columns={"ratio": "change", "p_value": "score"})
    drops = success_drops(session, scope, now, units=units)
    drops = drops[drops["flagged"]].sort_values("z").assign(kind="success").rename(
        columns={"recent_rate": "observed", "baseline_rate": "expected", "drop": "change", "z": "score"})
    parts = [frame[FLAG_COLUMNS] for frame in (spikes, drops) if len(frame)]
    if not parts:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def most_severe_first(flags: pd.DataFrame) -> pd.DataFrame:
    """``anomaly_flags`` with both kinds in one order: the least likely under the usual first.

    A spike's score is its p-value already; a drop's z is read as its
    one-sided p-value, Φ(z), so that the two compare on one scale.
    """
    if flags.empty:
        return flags
    p_values = [float(score) if kind == "volume" else 0.5 * erfc(-float(score) / sqrt(2))
                for kind, score in zip(flags["kind"], flags["score"], strict=True)]
    order = sorted(range(len(flags)), key=lambda i: p_values[i])
    return flags.iloc[order].reset_index(drop=True)
