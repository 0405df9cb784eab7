"""Arrival records: every ingest batch of warnings counts what its source delivered, in its transaction."""

from __future__ import annotations

import csv
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard import migrate
from dashboard.domain.base import now_local
from dashboard.domain.feeds import FeedArrival
from dashboard.ingest.file_import import import_file
from tests.ingest.conftest import NOW, warning


def totals(engine, source: str) -> dict:
    """The source's arrival records summed over its hours."""
    t = FeedArrival
    with Session(engine) as session:
        row = session.execute(select(func.coalesce(func.sum(t.arrived), 0), func.coalesce(func.sum(t.rejected), 0),
                                     func.coalesce(func.sum(t.lag_count), 0),
                                     func.coalesce(func.sum(t.lag_seconds_sum), 0),
                                     func.max(t.lag_seconds_max), func.max(t.last_arrival_at))
                              .where(t.source == source)).one()
    return dict(zip(("arrived", "rejected", "lag_count", "lag_sum", "lag_max", "last"), row, strict=True))


def test_an_api_batch_counts_stored_and_refused_warnings_and_their_lag(api, units):
    ten_minutes_ago = (now_local() - timedelta(minutes=10)).isoformat()
    body = [warning(1, received_at=ten_minutes_ago), warning(2, received_at=ten_minutes_ago),
            warning(3, fraud_type="no-such-type"), {"source": "upstream"}]
    assert api.post_batch("warnings", body).get_json()["rejected"] == 2
    first = totals(units, "upstream")
    assert (first["arrived"], first["rejected"], first["lag_count"]) == (2, 2, 2)
    assert 600 <= first["lag_max"] < 3600 and 2 * 600 <= first["lag_sum"] <= 2 * first["lag_max"]
    assert first["last"] is not None
    # sent again: the feed is alive (arrived), but no new lag is measured
    api.post_batch("warnings", body[:2])
    again = totals(units, "upstream")
    assert (again["arrived"], again["rejected"], again["lag_count"]) == (4, 2, 2)


def test_a_refused_batch_adds_nothing_and_follow_ups_are_not_counted(api, units):
    assert api.post_batch("warnings", [warning(1)], token="afd_wrong").status_code == 401
    api.post_batch("outcomes", [{"source": "upstream", "external_id": "O-1", "warning_external_id": "W-9",
                                 "method": "phone", "started_at": NOW.isoformat(), "result": "reached"}])
    assert totals(units, "upstream")["arrived"] == 0 and totals(units, "upstream")["rejected"] == 0


def _scope(engine):
    @contextmanager
    def session_scope():
        with Session(engine) as session, session.begin():
            yield session
    return session_scope


def test_a_file_import_counts_each_record_under_its_own_source(units, tmp_path):
    header = ["source", "external_id", "received_at", "fraud_type", "risk_level", "channel", "station_code"]
    rows = [["east", "E-1", NOW.isoformat(), "investment", "high", "call", "35020301"],
            ["east", "E-2", NOW.isoformat(), "investment", "high", "call", "35020301"],
            ["west", "X-1", NOW.isoformat(), "investment", "high", "call", "35020301"],
            ["west", "X-2", NOW.isoformat(), "no-such-type", "high", "call", "35020301"]]
    path = tmp_path / "warnings.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    summary = import_file(_scope(units), path, actor="cli:test", batch_size=2)
    assert summary.counts["inserted"] == 3
    assert (totals(units, "east")["arrived"], totals(units, "east")["rejected"]) == (2, 0)
    assert (totals(units, "west")["arrived"], totals(units, "west")["rejected"]) == (1, 1)


def test_the_upgrade_counts_the_stored_warnings_by_source_and_hour(api, units):
    at = NOW.replace(second=0) - timedelta(minutes=1)  # never in the future, whatever the hour
    body = [warning(i, received_at=(at - timedelta(hours=i % 2)).isoformat()) for i in range(5)]
    api.post_batch("warnings", body)
    migrate.downgrade(units, "0020")
    migrate.upgrade(units)
    with Session(units) as session:
        rows = session.execute(select(FeedArrival.hour, FeedArrival.arrived, FeedArrival.lag_count,
                                      FeedArrival.last_arrival_at).order_by(FeedArrival.hour)).all()
    hour = at.replace(minute=0)
    assert [(r.hour, r.arrived, r.lag_count) for r in rows] == [(hour - timedelta(hours=1), 2, 0), (hour, 3, 0)]
    assert rows[1].last_arrival_at == at
