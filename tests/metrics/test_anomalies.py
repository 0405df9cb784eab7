"""Anomaly flags: hand-computed spikes and drops, a planted spike and drop in the seeded city,
and few flags on the seeded city as it is (docs/anomalies.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from math import comb, sqrt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.aggregates import apply_inserted, rebuild
from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.anomalies import (
    anomaly_flags,
    binomial_upper_tail,
    spike_p_value,
    success_drops,
    volume_spikes,
    window_counts,
)
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from tests.conftest import SEED_END
from tests.factories import build_chain, close, make_warning

NOW = datetime(2026, 11, 22, 10, 20, tzinfo=SHANGHAI)  # the window: 07:20 to 10:20


def tail(k: int, n: int, p: float = 1 / 9) -> float:
    """P(X >= k) for a binomial count, the textbook way."""
    return sum(comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))


def z_of(d1: int, n1: int, d0: int, n0: int) -> float:
    pooled = (d1 + d0) / (n1 + n0)
    return (d1 / n1 - d0 / n0) / sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))


@pytest.mark.parametrize(("k", "n"), [(1, 1), (9, 17), (10, 42), (19, 59), (6, 6), (30, 200)])
def test_binomial_tail(k, n):
    assert binomial_upper_tail(k, n, 1 / 9) == pytest.approx(tail(k, n), rel=1e-9)
    assert binomial_upper_tail(0, n, 1 / 9) == 1.0 and binomial_upper_tail(n + 1, n, 1 / 9) == 0.0


def test_binomial_tail_of_large_counts_does_not_underflow():
    assert 0 < binomial_upper_tail(3_000, 20_000, 1 / 9) < 1e-15
    assert binomial_upper_tail(2_000, 18_000, 1 / 9) == pytest.approx(0.5, abs=0.02)
    assert spike_p_value(6, 0) == pytest.approx((1 / 9) ** 6)  # nothing at all in 8 weeks, then 6


@pytest.fixture
def spikes(engine):
    """s1: 9 in the window (2 in each edge's minutes), weeks before 1,2,0,1,3,1,0,0; s2: 10, weeks 4 each;
    s3: 5, weeks 0.  Plus one warning a minute before the window and one at ``NOW`` (both outside)."""
    with Session(engine) as session:
        u = build_chain(session)
        s1, s2, s3 = u["99000101"], u["99000102"], u["99000201"]
        minutes = [5, 30, 50, 80, 105, 130, 155, 165, 175]  # after 07:20: 07:25 ... 10:15
        rows = [make_warning(s1, NOW - timedelta(hours=3) + timedelta(minutes=m)) for m in minutes]
        rows += [make_warning(s1, NOW - timedelta(hours=3, minutes=1)), make_warning(s1, NOW)]
        rows += [make_warning(s2, NOW - timedelta(minutes=10 + 15 * i)) for i in range(10)]
        rows += [make_warning(s3, NOW - timedelta(minutes=20 + 30 * i)) for i in range(5)]
        for week, count in enumerate([1, 2, 0, 1, 3, 1, 0, 0], start=1):
            back = NOW - timedelta(days=7 * week)
            rows += [make_warning(s1, back - timedelta(minutes=30 + i)) for i in range(count)]
            rows += [make_warning(s2, back - timedelta(minutes=90 + i)) for i in range(4)]
        session.add_all(rows)
        session.flush()
        rebuild(session.connection())
        session.commit()
        yield session, u


def test_volume_spikes_by_hand(spikes):
    session, u = spikes
    frame = volume_spikes(session, scope_for_unit(u["city"]), NOW).set_index("code")
    codes = ["99000101", "99000102", "99000201", "990001", "990002"]
    assert frame.loc[codes, "observed"].tolist() == [9, 10, 5, 19, 5]
    assert frame.loc[codes, "expected"].tolist() == [1.0, 4.0, 0.0, 5.0, 0.0]
    # given n = observed + the 8 weeks' total, the observed count is Binomial(n, 1/9)
    assert frame.loc["99000101", "p_value"] == pytest.approx(tail(9, 9 + 8))     # 2.7e-5
    assert frame.loc["99000102", "p_value"] == pytest.approx(tail(10, 10 + 32))  # 0.015: not rare
    assert frame.loc["990001", "p_value"] == pytest.approx(tail(19, 19 + 40))    # 1.2e-5
    assert frame.loc["99000201", "p_value"] == pytest.approx(tail(5, 5))         # 1.7e-5, but only 5
    assert frame.loc["99000101", "ratio"] == 9.0
    assert sorted(frame.index[frame["flagged"]]) == ["990001", "99000101"]


def test_a_station_scope_sees_only_itself(spikes):
    session, u = spikes
    frame = volume_spikes(session, scope_for_unit(u["99000102"]), NOW)
    assert list(frame["code"]) == ["99000102"]


@pytest.fixture
def drops(engine):
    """s1: 36 of 40 dissuaded in the 28 days before, 10 of 25 in the last 7; s2: 36 of 40, then 5 of 10."""
    with Session(engine) as session:
        u = build_chain(session)
        rows = []

        def closed(station, day_back: float, outcome: str):
            at = NOW - timedelta(days=day_back)
            warning = make_warning(station, at - timedelta(hours=1))
            close(warning, outcome, at, dissuaded=outcome.startswith("dissuaded"))
            rows.append(warning)

        for station, (recent_ok, recent_bad) in ((u["99000101"], (10, 15)), (u["99000102"], (5, 5))):
            for i in range(40):
                closed(station, 8 + i * 0.6, "dissuaded_no_loss" if i < 36 else "refused")
            for i in range(recent_ok + recent_bad):
                closed(station, 0.5 + i * 0.2, "dissuaded_no_loss" if i < recent_ok else "unreachable")
        session.add_all(rows)
        session.flush()
        rebuild(session.connection())
        session.commit()
        yield session, u


def test_success_drops_by_hand(drops):
    session, u = drops
    frame = success_drops(session, scope_for_unit(u["city"]), NOW).set_index("code")
    s1, s2, county = frame.loc["99000101"], frame.loc["99000102"], frame.loc["990001"]
    assert s1[["recent_closed", "recent_dissuaded", "baseline_closed", "baseline_dissuaded"]].tolist() == [
        25, 10, 40, 36]
    assert (s1["recent_rate"], s1["baseline_rate"]) == (0.4, 0.9)
    assert s1["drop"] == pytest.approx(0.5)
    assert s1["z"] == pytest.approx(z_of(10, 25, 36, 40))
    assert county[["recent_closed", "recent_dissuaded", "baseline_closed"]].tolist() == [35, 15, 80]
    assert county["z"] == pytest.approx(z_of(15, 35, 72, 80))
    assert s2["drop"] == pytest.approx(0.4) and not s2["flagged"]  # only 10 closed lately
    assert sorted(frame.index[frame["flagged"]]) == ["990001", "99000101"]
    flags = anomaly_flags(session, scope_for_unit(u["city"]), NOW)
    assert set(flags["kind"]) == {"success"} and set(flags["code"]) == {"990001", "99000101"}
    assert list(flags["code"]) == ["990001", "99000101"]  # worst z first


# --- the seeded city -----------------------------------------------------------------------

def small_station(session: Session) -> OrgUnit:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == "35021302"))


@pytest.mark.parametrize("now", [SEED_END - timedelta(minutes=23, seconds=5),  # minutes at both edges
                                 SEED_END - timedelta(hours=10)])             # across midnight
def test_window_counts_equal_the_volume_of_each_window(seeded_session, now):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    windows = [Period(now - timedelta(hours=3, days=7 * k), now - timedelta(days=7 * k)) for k in range(9)]
    counts = window_counts(seeded_session, scope_for_unit(city), windows)
    assert counts["warnings"].sum() > 0
    for index, window in enumerate(windows):
        expected = warnings_by_unit(seeded_session, scope_for_unit(city), window, "station")
        mine = counts[counts["window"] == index].set_index("station_id")["warnings"]
        assert {u: int(mine.get(u, 0)) for u in expected["unit_id"]} == dict(
            zip(expected["unit_id"], expected["warnings"], strict=True)), index


def test_a_planted_spike_is_flagged_and_nothing_else(seeded_session):
    station = small_station(seeded_session)
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    before = volume_spikes(seeded_session, scope_for_unit(city), SEED_END)
    assert not before["flagged"].any()
    planted = [make_warning(station, SEED_END - timedelta(minutes=5 + 9 * i)) for i in range(12)]
    seeded_session.add_all(planted)
    seeded_session.flush()
    apply_inserted(seeded_session, *planted)  # rolled back by the fixture
    after = volume_spikes(seeded_session, scope_for_unit(city), SEED_END).set_index("code")
    assert after.loc[station.code, "observed"] == before.set_index("code").loc[station.code, "observed"] + 12
    flagged = set(after.index[after["flagged"]])
    assert station.code in flagged
    assert flagged <= {station.code, "350213"}  # the station, and perhaps its county
    flags = anomaly_flags(seeded_session, scope_for_unit(city), SEED_END)
    assert station.code in set(flags.loc[flags["kind"] == "volume", "code"])


def test_a_planted_drop_is_flagged_and_nothing_else(seeded_session):
    station = small_station(seeded_session)
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    assert not success_drops(seeded_session, scope_for_unit(city), SEED_END)["flagged"].any()
    planted = []
    for i in range(30):
        at = SEED_END - timedelta(hours=2 + 3 * i)
        warning = make_warning(station, at - timedelta(minutes=40))
        close(warning, "refused", at, dissuaded=False)
        planted.append(warning)
    seeded_session.add_all(planted)
    seeded_session.flush()
    apply_inserted(seeded_session, *planted)  # rolled back by the fixture
    frame = success_drops(seeded_session, scope_for_unit(city), SEED_END).set_index("code")
    assert frame.loc[station.code, "recent_closed"] >= 30
    flagged = set(frame.index[frame["flagged"]])
    assert station.code in flagged and flagged <= {station.code, "350213"}


def test_the_seeded_city_is_rarely_flagged(seeded_session):
    """Every 10 hours over the last week (volume: every hour of the day in turn) and every day
    of the last week (success rate), for all 54 units: at most 0.5 % and 1 % of the checks
    flag anything."""
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    scope = scope_for_unit(city)
    checks = flagged = 0
    for k in range(17):
        frame = volume_spikes(seeded_session, scope, SEED_END - timedelta(hours=10 * k, minutes=7 * k))
        checks, flagged = checks + len(frame), flagged + int(frame["flagged"].sum())
    assert checks == 17 * 54 and flagged <= 0.005 * checks
    checks = flagged = 0
    for k in range(7):
        frame = success_drops(seeded_session, scope, SEED_END - timedelta(days=k))
        checks, flagged = checks + len(frame), flagged + int(frame["flagged"].sum())
    assert flagged <= 0.01 * checks
