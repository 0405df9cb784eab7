"""The live feed against the anomaly method: its default volume is the history's, so a normal
demo raises no volume flag; ``--surge`` raises one for its unit only; ``--pause`` sends nothing.

The feed is stepped with a simulated clock from the end of the seeded history
(``SEED_END``), its warnings written into the seeded database inside the
test's transaction (rolled back by ``seeded_session``), and the anomaly
method run on the result.  Why the demo turned red: its feed sent 2
warnings a second, 58 times the calibrated city's 3,000 a day, and about
1,000 times the seeded history's 120 a day.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from dashboard.aggregates import apply_inserted
from dashboard.auth.scope import scope_for_unit
from dashboard.cli import main
from dashboard.cli.simulate import feed_ticks
from dashboard.demo.feed_ticks import SURGE_FACTOR, FeedTicks
from dashboard.demo.history import Stations
from dashboard.demo.live_feed import LiveFeed
from dashboard.demo.simulator import FeedError, surge_unit, usual_rate
from dashboard.domain import OrgUnit
from dashboard.metrics.anomalies import SPIKE_HOURS, volume_spikes
from tests.conftest import SEED_DAILY, SEED_END
from tests.factories import make_warning

SMALL_STATION, ITS_COUNTY = "35021302", "350213"


def play(ticks: FeedTicks, start: datetime, minutes: float, step: float = 5.0) -> list[tuple[datetime, dict]]:
    """Step the feed every ``step`` seconds for ``minutes`` from ``start``: what it hands out, when."""
    handed, clock = [], start
    ticks.step(clock)
    while clock < start + timedelta(minutes=minutes):
        clock += timedelta(seconds=step)
        handed += [(clock, {"kind": kind, **record}) for kind, records in ticks.step(clock).items()
                   for record in records]
    return handed


def store(session, handed) -> None:
    """The handed-out warnings as rows of the database, with their aggregates (the test rolls back)."""
    stations = {u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.level == "station"))}
    rows = [make_warning(stations[r["station_code"]], datetime.fromisoformat(r["received_at"]))
            for _, r in handed if r["kind"] == "warnings"]
    session.add_all(rows)
    session.flush()
    apply_inserted(session, *rows)


def flagged(session, now: datetime) -> set[str]:
    city = session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    frame = volume_spikes(session, scope_for_unit(city), now)
    return set(frame.loc[frame["flagged"], "code"])


def test_the_default_rate_is_the_historys_level_over_the_baseline_weeks(seeded_session):
    daily = usual_rate(seeded_session, SEED_END) * 86400
    assert SEED_DAILY * 0.8 < daily < SEED_DAILY * 1.3  # its level of late (growth, month factors)
    ticks = feed_ticks(seeded_session, now=SEED_END, source="demo-live", seed=1)
    assert ticks.feed.rate == ticks.feed.usual_rate and ticks.feed.speed == 1.0
    # a history that ended five of the eight weeks ago: the baseline holds three weeks of it
    later = usual_rate(seeded_session, SEED_END + timedelta(weeks=5)) * 86400
    assert later == pytest.approx(daily * 3 / 8, rel=0.15)
    assert usual_rate(seeded_session, SEED_END + timedelta(weeks=9)) is None


def test_the_default_feed_sends_what_the_anomaly_method_expects(seeded_session):
    """Over the three hours after the history, the feed's mean is the eight weeks' mean, city-wide."""
    ticks = feed_ticks(seeded_session, now=SEED_END, source="demo-live", seed=1)
    end = SEED_END + timedelta(hours=SPIKE_HOURS)
    expected = volume_spikes(seeded_session, scope_for_unit(
        seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))), end)
    usual = expected.loc[expected["level"] == "county", "expected"].sum()
    sent = sum(ticks.expected(SEED_END + timedelta(minutes=m), 60) for m in range(SPIKE_HOURS * 60))
    assert usual > 5
    assert 0.7 < sent / usual < 1.4


def test_an_hour_of_the_default_feed_raises_no_volume_flag(seeded_session):
    assert not flagged(seeded_session, SEED_END)
    handed = play(feed_ticks(seeded_session, now=SEED_END, source="demo-live", seed=2), SEED_END, 60)
    assert sum(r["kind"] == "warnings" for _, r in handed) > 0
    store(seeded_session, handed)
    assert flagged(seeded_session, SEED_END + timedelta(minutes=60)) == set()


def test_the_old_default_of_two_a_second_turns_the_city_red(seeded_session):
    """The cause of the red demo: the rate (the stations and the clock are the history's own)."""
    handed = play(feed_ticks(seeded_session, now=SEED_END, source="demo-live", rate=2.0, seed=2), SEED_END, 3)
    store(seeded_session, handed)
    assert len(flagged(seeded_session, SEED_END + timedelta(minutes=3))) > 40  # of 54 units


@pytest.mark.parametrize("unit", [SMALL_STATION, "Maxiang Station", "马巷派出所"])
def test_a_surge_flags_its_station_within_minutes_and_nothing_else(seeded_session, unit):
    ticks = feed_ticks(seeded_session, now=SEED_END, source="demo-live", surge=unit, seed=3)
    assert ticks.surge.code == SMALL_STATION
    handed = play(ticks, SEED_END, 12)
    store(seeded_session, handed)
    flags = flagged(seeded_session, SEED_END + timedelta(minutes=12))
    assert SMALL_STATION in flags
    assert flags <= {SMALL_STATION, ITS_COUNTY}  # its county sums its stations


def test_a_county_surge_stays_in_the_county(seeded_session):
    ticks = feed_ticks(seeded_session, now=SEED_END, source="demo-live", surge="Xiang'an Sub-bureau", seed=4)
    assert ticks.surge.code == ITS_COUNTY and len(ticks.surge.stations) > 1
    handed = play(ticks, SEED_END, 12)
    store(seeded_session, handed)
    flags = flagged(seeded_session, SEED_END + timedelta(minutes=12))
    assert ITS_COUNTY in flags
    inside = {u.code for u in seeded_session.scalars(select(OrgUnit).where(OrgUnit.path.like(f"%{ITS_COUNTY}%")))}
    assert flags <= inside


@pytest.mark.parametrize("value", ["nowhere", "350200", "", "3502"])
def test_a_surge_of_no_station_or_county_is_refused(seeded_session, value):
    stations = feed_ticks(seeded_session, now=SEED_END, source="demo-live").feed.stations
    with pytest.raises(FeedError) as info:
        surge_unit(seeded_session, stations, value)
    assert info.value.reason == "surge_unknown"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_command_names_surge_when_the_unit_is_unknown(seeded_database, monkeypatch, capsys, lang):
    monkeypatch.setenv("DATABASE_URL", seeded_database.url)
    monkeypatch.setenv("DEFAULT_LANGUAGE", lang)
    assert main(["simulate", "--surge", "nowhere", "--minutes", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--surge" in err and "nowhere" in err


# --- the pause: no database needed ------------------------------------------------------------

@pytest.fixture(scope="module")
def stations() -> Stations:
    codes = [f"350203{i:02d}" for i in range(1, 5)]
    return Stations(ids=np.arange(1, 5), county_ids=np.full(4, 100), codes=codes,
                    weights=np.full(4, 1 / 4), lon=np.linspace(118.08, 118.15, 4),
                    lat=np.linspace(24.44, 24.50, 4))


def test_a_pause_sends_nothing_then_what_came_due(stations, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.simulate")
    feed = LiveFeed(stations, source="simulator", rate=0.5, seed=5)
    ticks = FeedTicks(feed, flat=True, pause=10, pause_after=5)
    handed = play(ticks, SEED_END, 30)
    minute = {clock: (clock - SEED_END).total_seconds() / 60 for clock, _ in handed}
    assert not [r for clock, r in handed if 5 <= minute[clock] < 15]
    assert [r for clock, r in handed if minute[clock] < 5 and r["kind"] == "warnings"]
    after = [(clock, r) for clock, r in handed if minute[clock] >= 15]
    assert after[0][0] == SEED_END + timedelta(minutes=15)
    first = [r for clock, r in after if clock == after[0][0]]
    assert any(r["kind"] == "outcomes" for r in first)  # what came due in the pause goes at once
    received = [datetime.fromisoformat(r["received_at"]) for _, r in after if r["kind"] == "warnings"]
    assert received and min(received) >= SEED_END + timedelta(minutes=15) - timedelta(seconds=20)
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.simulate"]
    assert lines == ["paused: sending nothing for 10 minutes, until 2026-11-22T10:15:00+08:00",
                     "resumed after 10 minutes"]


def test_a_surge_is_one_line_in_the_log(seeded_session, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.simulate")
    play(feed_ticks(seeded_session, now=SEED_END, source="demo-live", surge=SMALL_STATION, seed=3), SEED_END, 0.1)
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.simulate"]
    assert lines == [f"surge on {SMALL_STATION} Maxiang Station: 1 stations get {SURGE_FACTOR} times their "
                     "usual warnings, at least 1 more a minute"]


@pytest.mark.parametrize(("argv", "flag"), [
    (["--pause", "0"], "--pause"), (["--pause", "-3"], "--pause"), (["--pause", "nan"], "--pause"),
    (["--pause", "inf"], "--pause"), (["--pause", "5", "--pause-after", "-1"], "--pause-after"),
    (["--pause-after", "5"], "--pause-after"), (["--pause", "5", "--minutes", "5"], "--pause"),
    (["--pause", "3", "--pause-after", "3", "--minutes", "5"], "--pause"), (["--minutes", "0"], "--minutes"),
])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_bad_pauses_and_minutes_name_their_option(argv, flag, lang, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/never-opened.db")  # refused before it
    monkeypatch.setenv("DEFAULT_LANGUAGE", lang)
    assert main(["simulate", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and (f"{flag}：" in err or f"{flag}:" in err), err
