"""Silent feeds (``dashboard.metrics.feeds``): the usual rate by hour of day, and when a source is silent.

Arrival records are written directly, with a chosen ``now``; every source
but ``files`` has an active ingest token unless the test says otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.domain import ApiToken, Warning
from dashboard.domain.base import SHANGHAI
from dashboard.domain.feeds import FeedArrival
from dashboard.metrics.feeds import (
    SilenceRule,
    check_setting,
    feed_states,
    hours_of_day,
    silent_sources,
    sources_today,
)

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=SHANGHAI)
RULE = SilenceRule(factor=6, floor_minutes=15, days=28)


def token(session: Session, source: str, revoked: bool = False) -> None:
    session.add(ApiToken(source=source, token_hash=f"{source}-{revoked}-{len(session.new)}".ljust(64, "0"),
                         hint="afd_x", created_at=NOW - timedelta(days=60),
                         revoked_at=NOW - timedelta(days=1) if revoked else None))


def history(session: Session, source: str, per_hour: int, last: datetime, *, days: int = 30,
            hours: range = range(24)) -> None:
    """``per_hour`` arrivals in each hour of ``hours`` of the ``days`` days up to ``last`` (its last arrival)."""
    end = last.replace(minute=0, second=0, tzinfo=None)
    hour = end - timedelta(days=days)
    while hour <= end:
        if hour.hour in hours:
            at = last.replace(tzinfo=None) if hour == end else hour + timedelta(minutes=59)
            session.add(FeedArrival(source=source, hour=hour, arrived=per_hour, rejected=0,
                                    last_arrival_at=at, lag_count=0, lag_seconds_sum=0, lag_seconds_max=0))
        hour += timedelta(hours=1)


def states(session: Session, now=NOW, rule=RULE) -> dict[str, str]:
    frame = feed_states(session, now, rule)
    return dict(zip(frame["source"], frame["state"], strict=True))


def test_hours_of_day_counts_each_hour_of_a_span():
    start = datetime(2026, 11, 1, 22)
    counts = hours_of_day(start, start + timedelta(days=2, hours=3))
    assert sum(counts) == 51
    assert counts[22] == counts[23] == counts[0] == 3 and counts[1] == 2 and counts[12] == 2


def test_a_source_silent_far_longer_than_usual_is_flagged_with_its_last_arrival(session):
    token(session, "busy")
    history(session, "busy", 12, NOW - timedelta(minutes=60))  # usual gap 5 min: limit max(15, 30)
    token(session, "recent")
    history(session, "recent", 12, NOW - timedelta(minutes=20))
    session.flush()
    frame = feed_states(session, NOW, RULE).set_index("source")
    assert frame.at["busy", "state"] == "silent" and frame.at["recent", "state"] == "ok"
    assert frame.at["busy", "usual"] == pytest.approx(12) and frame.at["busy", "threshold_minutes"] == 30
    silent = silent_sources(session, NOW, RULE)
    assert list(silent["source"]) == ["busy"]
    assert silent["since"][0] == NOW - timedelta(minutes=60)


def test_the_factor_and_the_floor_are_honoured(session):
    token(session, "busy")
    history(session, "busy", 120, NOW - timedelta(minutes=10))  # usual gap 0.5 min: 6 x = 3 min
    token(session, "slow")
    history(session, "slow", 1, NOW - timedelta(minutes=200))  # usual gap 60 min: 6 x = 360 min
    session.flush()
    assert states(session) == {"busy": "ok", "slow": "ok"}  # 10 min is under the 15-minute floor
    assert states(session, rule=SilenceRule(6, 5, 28))["busy"] == "silent"
    assert states(session, rule=SilenceRule(3, 15, 28))["slow"] == "silent"  # 200 > 3 x 60


def test_a_source_that_usually_sends_nothing_at_this_hour_is_not_flagged(session):
    token(session, "daytime")
    last = datetime(2026, 11, 21, 20, 59, tzinfo=SHANGHAI)
    history(session, "daytime", 30, last, hours=range(8, 21))
    session.flush()
    assert states(session, now=datetime(2026, 11, 22, 2, 30, tzinfo=SHANGHAI)) == {"daytime": "quiet"}
    # the same silence at 09:30, an hour it usually sends in, is flagged
    assert states(session, now=datetime(2026, 11, 22, 9, 30, tzinfo=SHANGHAI)) == {"daytime": "silent"}


def test_a_source_without_history_is_learning_and_revoked_or_tokenless_ones_are_not_watched(session):
    token(session, "new")
    token(session, "young")
    history(session, "young", 12, NOW - timedelta(minutes=90), days=0)  # only since 09:00 today
    token(session, "retired", revoked=True)
    history(session, "retired", 12, NOW - timedelta(hours=5))
    history(session, "files", 12, NOW - timedelta(hours=5))  # imports only: no token
    session.flush()
    assert states(session) == {"new": "learning", "young": "learning", "retired": "revoked",
                               "files": "no_token"}
    assert silent_sources(session, NOW, RULE).empty


def test_a_source_silent_for_the_whole_window_stays_silent(session):
    token(session, "gone")
    history(session, "gone", 12, NOW - timedelta(days=40))
    session.flush()
    frame = feed_states(session, NOW, RULE).set_index("source")
    assert frame.at["gone", "state"] == "silent"
    assert frame.at["gone", "last_arrival_at"] == (NOW - timedelta(days=40)).replace(tzinfo=None)


def test_sources_today_compares_the_rate_with_the_usual_one(session):
    token(session, "busy")
    history(session, "busy", 12, NOW - timedelta(minutes=1))
    today = session.get(FeedArrival, ("busy", datetime(2026, 11, 22, 10)))
    today.rejected, today.lag_count, today.lag_seconds_sum, today.lag_seconds_max = 4, 12, 600, 120
    session.flush()
    row = sources_today(session, NOW, RULE).set_index("source").loc["busy"]
    assert row["arrived_today"] == 11 * 12 and row["rejected_today"] == 4
    assert row["rejected_share"] == pytest.approx(4 / 136)
    assert row["lag_mean_seconds"] == pytest.approx(50) and row["lag_max_seconds"] == 120
    assert row["rate_today"] == pytest.approx(132 / 10.5)
    assert row["usual_today"] == pytest.approx(12)


def test_the_silence_is_read_in_the_scope_that_the_source_fed(session):
    from tests.factories import build_chain

    units = build_chain(session)
    token(session, "busy")
    history(session, "busy", 12, NOW - timedelta(hours=2))
    station = units["99000101"]
    session.add(Warning(source="busy", external_id="B1", received_at=NOW - timedelta(hours=3),
                        fraud_type="investment", risk_level="high", channel="call",
                        county_id=station.parent_id, station_id=station.id, status="dispatched",
                        deadline_at=NOW, amount_at_risk=0))
    session.flush()
    from dashboard.auth.scope import Scope

    def scope(unit):
        return Scope("subtree", unit.id, unit.path, unit.level)

    assert list(silent_sources(session, NOW, RULE, scope(units["990001"]))["source"]) == ["busy"]
    assert silent_sources(session, NOW, RULE, scope(units["990002"])).empty
    assert list(silent_sources(session, NOW, RULE, scope(units["city"]))["source"]) == ["busy"]


@pytest.mark.parametrize(("name", "value"), [
    ("FEED_SILENCE_FACTOR", "abc"), ("FEED_SILENCE_FACTOR", "0.5"), ("FEED_SILENCE_FLOOR_MINUTES", "2.5"),
    ("FEED_SILENCE_FLOOR_MINUTES", "0"), ("FEED_USUAL_DAYS", "400"), ("FEED_USUAL_DAYS", None)])
def test_a_bad_setting_is_refused_naming_it(name, value):
    with pytest.raises(ValueError, match=f"^{name}: must be"):
        check_setting(name, value)
    with pytest.raises(ValueError, match=name):
        SilenceRule.from_settings({name: value})


def test_the_demo_history_fills_the_arrivals(seeded_session):
    """The seed counts its warnings by source and hour (one INSERT ... SELECT)."""
    arrived = seeded_session.scalar(select(func.sum(FeedArrival.arrived)))
    assert arrived == seeded_session.scalar(select(func.count()).select_from(Warning)) > 0
    assert seeded_session.scalar(select(func.count(func.distinct(FeedArrival.source)))) == 1


def test_the_demo_feed_is_watched_with_the_historys_usual_rate(seeded_session):
    """``antifraud demo`` and ``simulate`` post as the history's source: once their token is out,
    a pause (``simulate --pause``) is flagged, and a feed that goes on is not."""
    from dashboard.cli.simulate import DEMO_SOURCE, SOURCE

    last = seeded_session.scalar(select(func.max(FeedArrival.last_arrival_at))).replace(tzinfo=SHANGHAI)
    assert states(seeded_session, last + timedelta(hours=3))[SOURCE] == "no_token"
    for source in {SOURCE, DEMO_SOURCE}:
        token(seeded_session, source)
    seeded_session.flush()
    assert states(seeded_session, last + timedelta(minutes=1))[SOURCE] == "ok"
    assert states(seeded_session, last + timedelta(hours=3))[SOURCE] == "silent"
