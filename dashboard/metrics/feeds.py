"""Feeds: each source's usual arrival rate by hour of day, and which sources are silent now.

The method is written out in ``docs/operations.md`` ("A silent feed"); in
short, from ``feed_arrivals`` (``dashboard.domain.feeds``):

**Usual rate.**  For a source and an hour of the day h: the warning
records that arrived in hours h of the ``days`` days before the current
hour (from the source's first arrival, when that is later), divided by the
number of hours h in that span: arrivals per hour, as usual at h.

**Silent.**  A source is watched while it holds an active (unrevoked)
ingest token.  A watched source is

- ``learning`` while its first arrival is less than a day old (or nothing
  arrived yet): its usual rate is not known;
- ``silent`` when nothing of it arrived in the whole window, or when the
  minutes since its last arrival exceed
  ``max(floor_minutes, factor × 60 / usual)`` for the current hour
  (60 / usual is the usual gap between two arrivals, in minutes);
- ``quiet`` when it usually sends nothing at this hour (usual 0): not
  flagged, however long ago its last arrival;
- ``ok`` otherwise.

A source with tokens that are all revoked is ``revoked``, one that never
had a token (file imports only) ``no_token``: neither is watched.  Refused
records do not count as arrivals: a feed whose every record is refused
leaves the figures as calm as a silent one (the sources page shows the
refused share beside it).

Plain functions of a session and a ``now``; the web layer passes the
settings (``SilenceRule.from_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import ApiToken, Warning
from dashboard.domain.base import SHANGHAI, to_local_naive
from dashboard.domain.feeds import FeedArrival
from dashboard.domain.org import PATH_SEPARATOR

STATES = ("silent", "learning", "ok", "quiet", "revoked", "no_token")
LEARNING_HOURS = 24

# setting -> (default, lowest, highest, whole number)
LIMITS = {
    "FEED_SILENCE_FACTOR": (6, 1, 1000, False),
    "FEED_SILENCE_FLOOR_MINUTES": (15, 1, 7 * 24 * 60, True),
    "FEED_USUAL_DAYS": (28, 1, 366, True),
}


@dataclass(frozen=True)
class SilenceRule:
    """When a source counts as silent: ``factor`` × its usual gap, at least ``floor_minutes``."""

    factor: float = 6.0
    floor_minutes: int = 15
    days: int = 28

    @classmethod
    def from_settings(cls, settings) -> SilenceRule:
        """The rule of the settings, or ``ValueError`` naming the setting and its bounds."""
        values = [check_setting(name, settings.get(name, LIMITS[name][0])) for name in LIMITS]
        return cls(*values)


def check_setting(name: str, value):
    """``value`` of the feed setting ``name`` as a number within its bounds, else ``ValueError``."""
    _, low, high, whole = LIMITS[name]
    try:
        number = float(str(value).strip())
        ok = low <= number <= high and (not whole or number.is_integer())
    except (TypeError, ValueError):
        ok = False
    if not ok:
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{name}: must be {kind} from {low} to {high}, got {value!r}")
    return int(number) if whole else number


def _hour_start(now: datetime) -> datetime:
    return to_local_naive(now).replace(minute=0, second=0, microsecond=0)


def _naive(value) -> datetime | None:
    return None if value is None or pd.isna(value) else to_local_naive(value)


def _tokens(session: Session) -> dict[str, dict]:
    active = case((ApiToken.revoked_at.is_(None), 1), else_=0)
    rows = session.execute(select(ApiToken.source, func.sum(active), func.count(),
                                  func.max(ApiToken.last_used_at)).group_by(ApiToken.source))
    return {source: {"active_tokens": int(n_active or 0), "revoked_tokens": int(n) - int(n_active or 0),
                     "token_last_used_at": _naive(used)}
            for source, n_active, n, used in rows}


def window_rows(session: Session, now: datetime, days: int) -> pd.DataFrame:
    """Every ``feed_arrivals`` row of the ``days`` days up to ``now`` (the current hour included).

    Columns: source, hour (naive local), arrived, rejected, last_arrival_at,
    lag_count, lag_seconds_sum, lag_seconds_max.
    """
    start = _hour_start(now) - timedelta(days=days)
    t = FeedArrival
    rows = session.execute(select(t.source, t.hour, t.arrived, t.rejected, t.last_arrival_at, t.lag_count,
                                  t.lag_seconds_sum, t.lag_seconds_max).where(t.hour >= start)).all()
    frame = pd.DataFrame(rows, columns=["source", "hour", "arrived", "rejected", "last_arrival_at",
                                        "lag_count", "lag_seconds_sum", "lag_seconds_max"])
    frame["hour"] = [to_local_naive(h) for h in frame["hour"]]
    frame["last_arrival_at"] = [_naive(v) for v in frame["last_arrival_at"]]
    return frame


def _history_before(session: Session, source: str, before: datetime) -> tuple[bool, datetime | None]:
    """Whether ``source`` has arrivals before ``before``, and the last of them (index look-ups)."""
    t = FeedArrival
    last = session.scalar(select(t.last_arrival_at).where(
        t.source == source, t.hour < before, t.last_arrival_at.is_not(None))
        .order_by(t.hour.desc()).limit(1))
    return last is not None, _naive(last)


def hours_of_day(start: datetime, end: datetime) -> list[int]:
    """How many hours of each hour of the day (0-23) the span [start, end) holds, by whole hours."""
    n = max(int((end - start).total_seconds() // 3600), 0)
    full, rest = divmod(n, 24)
    return [full + (1 if (h - start.hour) % 24 < rest else 0) for h in range(24)]


def usual_rates(rows: pd.DataFrame, spans: dict[str, tuple[datetime, datetime]]) -> pd.DataFrame:
    """Arrivals per hour, as usual at each hour of the day, per source.

    ``rows``: ``window_rows``; ``spans``: per source, the whole hours [start,
    end) its rate is learned from.  Columns: source, hour_of_day, usual
    (arrivals an hour), hours (how many such hours the span holds).
    """
    out = []
    for source, (start, end) in spans.items():
        counts = hours_of_day(start, end)
        mine = rows[(rows["source"] == source) & (rows["hour"] >= start) & (rows["hour"] < end)]
        arrived = mine.groupby(mine["hour"].map(lambda h: h.hour))["arrived"].sum() if len(mine) else {}
        for h in range(24):
            total = int(arrived.get(h, 0)) if len(mine) else 0
            out.append({"source": source, "hour_of_day": h, "hours": counts[h],
                        "usual": total / counts[h] if counts[h] else 0.0})
    return pd.DataFrame(out, columns=["source", "hour_of_day", "usual", "hours"])


def feed_states(session: Session, now: datetime, rule: SilenceRule,
                rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every known source (with a token or arrivals in the window) and its state at ``now``.

    Columns: source, state (``STATES``), last_arrival_at (naive local, or
    None), minutes_since, usual (arrivals an hour, usual at the current
    hour), threshold_minutes (the silence limit now), active_tokens,
    revoked_tokens, token_last_used_at.  Silent sources first, then by name.
    """
    rows = window_rows(session, now, rule.days) if rows is None else rows
    at = to_local_naive(now)
    current = _hour_start(now)
    window_start = current - timedelta(days=rule.days)
    tokens = _tokens(session)
    sources = sorted(set(tokens) | set(rows.loc[rows["arrived"] > 0, "source"]))
    spans, facts = {}, {}
    for source in sources:
        token = tokens.get(source, {"active_tokens": 0, "revoked_tokens": 0, "token_last_used_at": None})
        mine = rows[(rows["source"] == source) & (rows["arrived"] > 0)]
        older, last_before = _history_before(session, source, window_start)
        first = window_start if older else (min(mine["hour"]) if len(mine) else None)
        last = max(mine["last_arrival_at"].dropna(), default=None) if len(mine) else None
        facts[source] = {**token, "first": first, "last_arrival_at": last or last_before}
        if first is not None:
            spans[source] = (first, current)
    usual = usual_rates(rows, spans)
    now_usual = usual[usual["hour_of_day"] == current.hour].set_index("source")["usual"]
    out = []
    for source in sources:
        fact = facts[source]
        last = fact["last_arrival_at"]
        minutes = (at - last).total_seconds() / 60 if last is not None else None
        rate = float(now_usual.get(source, 0.0))
        threshold = max(rule.floor_minutes, rule.factor * 60 / rate) if rate > 0 else None
        if fact["active_tokens"] == 0:
            state = "revoked" if fact["revoked_tokens"] else "no_token"
        elif fact["first"] is None or last is None or current - fact["first"] < timedelta(hours=LEARNING_HOURS):
            state = "learning"
        elif last < window_start or (threshold is not None and minutes > threshold):
            state = "silent"
        elif rate == 0:
            state = "quiet"
        else:
            state = "ok"
        out.append({"source": source, "state": state, "last_arrival_at": last, "minutes_since": minutes,
                    "usual": rate, "threshold_minutes": threshold,
                    **{k: fact[k] for k in ("active_tokens", "revoked_tokens", "token_last_used_at")}})
    frame = pd.DataFrame(out, columns=["source", "state", "last_arrival_at", "minutes_since", "usual",
                                       "threshold_minutes", "active_tokens", "revoked_tokens",
                                       "token_last_used_at"])
    frame["order"] = frame["state"].map(STATES.index)
    return frame.sort_values(["order", "source"]).drop(columns="order").reset_index(drop=True)


def silent_sources(session: Session, now: datetime, rule: SilenceRule,
                   scope: Scope | None = None) -> pd.DataFrame:
    """The silent sources at ``now`` (columns: source, since), those of ``scope`` only if given.

    A source belongs to a scope when it fed warnings into it in the
    window of the usual rate (``rule.days``); the whole city sees every
    silent source.  ``since``: its last arrival, aware Shanghai time (None
    when nothing of it ever arrived).
    """
    states = feed_states(session, now, rule)
    silent = states[states["state"] == "silent"]
    keep = []
    for source, last in zip(silent["source"], silent["last_arrival_at"], strict=True):
        if scope is not None and not _whole_city(scope) and not _fed(session, scope, source, now, rule.days):
            continue
        keep.append({"source": source, "since": None if last is None else last.replace(tzinfo=SHANGHAI)})
    return pd.DataFrame(keep, columns=["source", "since"])


def _whole_city(scope: Scope) -> bool:
    return not scope.is_empty and PATH_SEPARATOR not in scope.unit_path


def _fed(session: Session, scope: Scope, source: str, now: datetime, days: int) -> bool:
    start = _hour_start(now) - timedelta(days=days)
    stmt = scope.filter_units(select(Warning.id).where(Warning.source == source, Warning.received_at >= start),
                              Warning.county_id, Warning.station_id).limit(1)
    return session.scalar(stmt) is not None


def sources_today(session: Session, now: datetime, rule: SilenceRule) -> pd.DataFrame:
    """The sources page: ``feed_states`` with today's arrivals, refusals, lag and rate against usual.

    Added columns: arrived_today, rejected_today, rejected_share (of the
    records of today, None without any), lag_mean_seconds and
    lag_max_seconds (new warnings of today whose lag was measured; None
    without any), rate_today (arrivals an hour since midnight) and
    usual_today (the usual arrivals of the same hours, an hour; None for a
    source with no history before today).
    """
    rows = window_rows(session, now, rule.days)
    states = feed_states(session, now, rule, rows)
    current = _hour_start(now)
    midnight = current.replace(hour=0)
    elapsed = max((to_local_naive(now) - midnight).total_seconds() / 3600, 1 / 60)
    part = elapsed - current.hour  # of the current hour, 0 to 1
    today = rows[rows["hour"] >= midnight].groupby("source").agg(
        arrived=("arrived", "sum"), rejected=("rejected", "sum"), lag_count=("lag_count", "sum"),
        lag_sum=("lag_seconds_sum", "sum"), lag_max=("lag_seconds_max", "max"))
    window_start = current - timedelta(days=rule.days)
    spans = {}
    for source in states["source"]:
        mine = rows[(rows["source"] == source) & (rows["arrived"] > 0) & (rows["hour"] < midnight)]
        older = _history_before(session, source, window_start)[0]
        if older or len(mine):
            spans[source] = (window_start if older else min(mine["hour"]), midnight)
    usual = usual_rates(rows, spans)
    weight = usual["hour_of_day"].map(lambda h: 1.0 if h < current.hour else part if h == current.hour else 0.0)
    expected = (usual["usual"] * weight).groupby(usual["source"]).sum()

    def today_of(source, column):
        return int(today.at[source, column]) if source in today.index else 0

    out = states.copy()
    out["arrived_today"] = [today_of(s, "arrived") for s in out["source"]]
    out["rejected_today"] = [today_of(s, "rejected") for s in out["source"]]
    total = out["arrived_today"] + out["rejected_today"]
    out["rejected_share"] = [r / n if n else None for r, n in zip(out["rejected_today"], total, strict=True)]
    lag_count = [today_of(s, "lag_count") for s in out["source"]]
    out["lag_mean_seconds"] = [today_of(s, "lag_sum") / n if n else None
                               for s, n in zip(out["source"], lag_count, strict=True)]
    out["lag_max_seconds"] = [today_of(s, "lag_max") if n else None
                              for s, n in zip(out["source"], lag_count, strict=True)]
    out["rate_today"] = out["arrived_today"] / elapsed
    out["usual_today"] = [float(expected[s]) / elapsed if s in expected.index else None
                          for s in out["source"]]
    return out
