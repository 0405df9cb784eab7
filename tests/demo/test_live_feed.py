"""The live feed's records: valid for the API, in time order, shaped like the demo history."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pytest

from dashboard.demo.calibration import calibration
from dashboard.demo.history import Stations
from dashboard.demo.live_feed import LiveFeed, natural_rate
from dashboard.domain.base import SHANGHAI
from dashboard.ingest.schemas import parse
from dashboard.paths import REFERENCE_DIR

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
TIME_FIELDS = ("received_at", "started_at", "ended_at", "closed_at", "reported_at", "requested_at",
               "stopped_at", "frozen_at")


def reference_codes(table: str) -> set[str]:
    with (REFERENCE_DIR / f"{table}.csv").open(encoding="utf-8") as fh:
        return {row["code"] for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def stations() -> Stations:
    codes = [f"350203{i:02d}" for i in range(1, 9)]
    return Stations(ids=np.arange(1, 9), county_ids=np.full(8, 100), codes=codes,
                    weights=np.full(8, 1 / 8), lon=np.linspace(118.08, 118.15, 8),
                    lat=np.linspace(24.44, 24.50, 8))


@pytest.fixture(scope="module")
def played(stations):
    """2,000 warnings at once, then every follow-up collected minute by minute for a day."""
    feed = LiveFeed(stations, source="simulator", rate=20, seed=3, run_id="T")
    warnings = feed.new_warnings(NOW, 2000)
    handed: list[tuple[datetime, str, dict]] = []
    clock = NOW
    while len(feed) and clock < NOW + timedelta(days=1):
        clock += timedelta(seconds=5)
        for kind, records in feed.due(clock).items():
            handed.extend((clock, kind, r) for r in records)
    return feed, warnings, handed


def test_every_record_passes_the_api_schema_and_reference_lists(played):
    _, warnings, handed = played
    for kind, record in [("warnings", w) for w in warnings] + [(k, r) for _, k, r in handed]:
        parsed, errors = parse(kind, record)
        assert errors == [], (kind, record, errors)
    assert {w["fraud_type"] for w in warnings} <= reference_codes("fraud_types")
    assert {w["channel"] for w in warnings} <= reference_codes("channels")
    outcomes = [r for _, k, r in handed if k == "outcomes"]
    assert {r["method"] for r in outcomes} <= reference_codes("dissuasion_methods")
    assert {r["result"] for r in outcomes} <= reference_codes("dissuasion_results")
    assert {r["outcome"] for r in outcomes if "outcome" in r} <= reference_codes("outcomes")


def test_records_are_handed_out_only_when_their_times_have_passed(played):
    _, warnings, handed = played
    received = {w["external_id"]: datetime.fromisoformat(w["received_at"]) for w in warnings}
    for clock, _, record in handed:
        times = [datetime.fromisoformat(record[f]) for f in TIME_FIELDS if f in record]
        assert max(times) <= clock
        assert min(times) >= received[record["warning_external_id"]]


def test_each_warning_closes_once_and_the_mix_follows_calibration(played):
    feed, warnings, handed = played
    assert len(feed) == 0, "a day is enough for every follow-up at this speed"
    closing = Counter(r["warning_external_id"] for _, k, r in handed if k == "outcomes" and "outcome" in r)
    assert set(closing) == {w["external_id"] for w in warnings} and set(closing.values()) == {1}
    risk = Counter(w["risk_level"] for w in warnings)
    assert risk["low"] / len(warnings) == pytest.approx(calibration()["risk_levels"]["low"], abs=0.06)
    outcome = Counter(r["outcome"] for _, k, r in handed if "outcome" in r)
    assert outcome.most_common(1)[0][0] == "dissuaded_no_loss"
    assert len({w["station_code"] for w in warnings}) == 8
    assert all(len(w["person"]["name"]) in (2, 3) for w in warnings)


def test_stop_payments_only_add_stages(played):
    _, _, handed = played
    by_id: dict[str, list[dict]] = {}
    for _, kind, record in handed:
        if kind == "stop-payments":
            by_id.setdefault(record["external_id"], []).append(record)
    assert by_id, "2,000 warnings lose money often enough for stop-payments"
    for versions in by_id.values():
        for earlier, later in zip(versions, versions[1:], strict=False):
            assert {k: v for k, v in later.items() if k in earlier} == earlier
        assert versions[0]["requested_amount"] > 0


def test_time_runs_as_much_faster_as_the_rate(stations):
    feed = LiveFeed(stations, source="simulator", rate=natural_rate() * 60, seed=1)
    assert feed.speed == pytest.approx(60)
    assert LiveFeed(stations, source="s", rate=0.001).speed == 1.0


def test_cancelled_warnings_lose_their_follow_ups(stations):
    feed = LiveFeed(stations, source="simulator", rate=20, seed=5)
    kept, dropped = feed.new_warnings(NOW, 3), feed.new_warnings(NOW, 3)
    feed.cancel(dropped)
    due = feed.due(NOW + timedelta(days=1))
    followed = {r["warning_external_id"] for records in due.values() for r in records}
    assert followed == {w["external_id"] for w in kept}


def _left_open(n: int) -> list[dict]:
    """Warnings the demo history left open, as ``simulator.open_warnings`` reads them."""
    return [{"source": "demo", "external_id": f"DEMO-20261122-{i:06d}", "risk_level": risk,
             "amount_at_risk": 5000 + i, "station_id": None if i % 5 == 0 else 1 + i % 8}
            for i, risk in zip(range(1, n + 1), ["high", "medium", "low"] * n, strict=False)]


def test_adopted_warnings_are_worked_and_closed_under_their_own_source(stations):
    feed = LiveFeed(stations, source="demo-live", rate=20, seed=8, run_id="R1")
    left_open = _left_open(300)
    feed.adopt(left_open, NOW)
    handed = feed.due(NOW + timedelta(days=1))
    assert len(feed) == 0
    records = [(kind, r) for kind, rs in handed.items() for r in rs]
    for kind, record in records:
        parsed, errors = parse(kind, record)
        assert errors == [], (kind, record, errors)
        assert record["source"] == "demo-live" and record["warning_source"] == "demo"
        assert record["external_id"].startswith(record["warning_external_id"] + "-R1-")
        times = [datetime.fromisoformat(record[f]) for f in TIME_FIELDS if f in record]
        assert min(times) >= NOW  # worked from now on: nothing is back-dated into the history
    closing = Counter(r["warning_external_id"] for r in handed["outcomes"] if "outcome" in r)
    assert set(closing) == {w["external_id"] for w in left_open} and set(closing.values()) == {1}
    assert handed["stop-payments"], "300 warnings lose money often enough for a stop-payment"
    officers = {r["officer"][:8] for r in handed["outcomes"]}
    assert officers <= set(stations.codes)
    # a station of the warning's own: its officers work it (station ids 1-8 are codes 0-7)
    by_warning = {r["warning_external_id"]: r["officer"][:8] for r in handed["outcomes"]}
    for warning in left_open:
        if warning["station_id"] is not None:
            assert by_warning[warning["external_id"]] == stations.codes[warning["station_id"] - 1]


def test_a_later_run_adopting_the_same_warnings_uses_new_ids(stations):
    left_open = _left_open(10)
    ids = []
    for run in ("R1", "R2"):
        feed = LiveFeed(stations, source="demo-live", rate=20, seed=8, run_id=run)
        feed.adopt(left_open, NOW)
        ids.append({r["external_id"] for rs in feed.due(NOW + timedelta(days=1)).values() for r in rs})
    assert ids[0] and ids[1] and not ids[0] & ids[1]


def test_the_feeds_own_warnings_name_no_other_source(played):
    _, _, handed = played
    assert all("warning_source" not in record for _, _, record in handed)
