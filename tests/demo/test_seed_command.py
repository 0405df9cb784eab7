"""Seeding: deterministic, refuses to mix into existing data unless forced, replaces atomically."""

from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.demo.calibration import calibration
from dashboard.demo.chunks import generate_chunk, plan_chunks
from dashboard.demo.seed import DatabaseNotEmpty, _stations, seed_demo
from dashboard.domain import SHANGHAI, Dissuasion, Warning
from dashboard.domain.personal_data import cipher

END = datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI)


def _fingerprint(engine):
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(Warning)),
            conn.scalar(select(func.sum(Warning.amount_at_risk))),
            conn.scalar(select(func.count()).select_from(Dissuasion)),
            conn.scalar(select(Warning.external_id).order_by(Warning.id.desc()).limit(1)),
        )


def test_same_seed_and_end_give_the_same_history(engine):
    report = seed_demo(engine, days=40, end=END, seed=5, daily_warnings=40)
    first = _fingerprint(engine)
    assert report.counts["warnings"] == first[0] > 0
    seed_demo(engine, days=40, end=END, seed=5, daily_warnings=40, force=True)
    assert _fingerprint(engine) == first
    seed_demo(engine, days=40, end=END, seed=6, daily_warnings=40, force=True)
    assert _fingerprint(engine) != first


def test_refuses_a_database_with_history_unless_forced(engine):
    seed_demo(engine, days=5, end=END, daily_warnings=30)
    before = _fingerprint(engine)
    with pytest.raises(DatabaseNotEmpty, match="--force"):
        seed_demo(engine, days=5, end=END, daily_warnings=30)
    assert _fingerprint(engine) == before


def test_workers_and_writers_do_not_change_the_result(engine):
    """In-process (executemany / COPY) and worker processes (ADBC on SQLite) write the same rows."""
    seed_demo(engine, days=100, end=END, seed=9, daily_warnings=15, workers=0)
    inline = _fingerprint(engine)
    seed_demo(engine, days=100, end=END, seed=9, daily_warnings=15, workers=2, force=True)
    assert _fingerprint(engine) == inline


def test_a_failed_reseed_keeps_the_previous_history(engine, monkeypatch):
    seed_demo(engine, days=10, end=END, daily_warnings=30)
    before = _fingerprint(engine)

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("dashboard.demo.loader.generate_publicity", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        seed_demo(engine, days=10, end=END, daily_warnings=30, seed=2, force=True, workers=0)
    assert _fingerprint(engine) == before


WINDOWS = ((timedelta(days=60), timedelta(0)), (timedelta(days=425), timedelta(days=365)))


def _volume_ratio(engine) -> float:
    """Warnings of the last 60 days against those of the same 60 days a year before."""
    last = END.replace(tzinfo=None)
    with engine.connect() as conn:
        def count(back, stop):
            return conn.scalar(select(func.count()).select_from(Warning)
                               .where(Warning.received_at >= last - back, Warning.received_at < last - stop))
        recent, year_before = (count(*window) for window in WINDOWS)
    return recent / year_before


def _planned_ratio(stations, growth: float | None) -> float:
    """The same ratio over the chunks the seed writes (``plan_chunks``, ``generate_chunk``),
    generating only the chunks that hold the two windows, and writing nothing."""
    last = np.datetime64(END.replace(tzinfo=None), "s")
    spans = [(last - np.timedelta64(back), last - np.timedelta64(stop)) for back, stop in WINDOWS]
    counts = [0, 0]
    for task in plan_chunks(last, 430, 3, stations, 12, cipher().key, growth):
        if not any(task.dates[0] <= b.astype("datetime64[D]") and a.astype("datetime64[D]") <= task.dates[-1]
                   for a, b in spans):
            continue
        received = generate_chunk(task).warnings["received_at"].to_numpy().astype("datetime64[s]")
        for i, (a, b) in enumerate(spans):
            counts[i] += int(((received >= a) & (received < b)).sum())
    return counts[0] / counts[1]


def test_growth_sets_the_volume_a_year_before_the_end(engine):
    if engine.dialect.name == "postgresql":
        pytest.skip("the growth is drawn before any row is written, the same for either database "
                    "(the other seed tests write on PostgreSQL)")
    # written: the seed hands the growth down to the rows it stores
    seed_demo(engine, days=430, end=END, seed=3, daily_warnings=12, growth=2.0)
    written = _volume_ratio(engine)
    assert 2.5 < written < 3.5  # tripled in a year
    with Session(engine) as session:
        stations = _stations(session)
    assert _planned_ratio(stations, 2.0) == written  # what is planned below is what a seed writes
    # planned: flat, and the demo's own growth when none is given (the seed's default)
    assert 0.85 < _planned_ratio(stations, 0.0) < 1.15
    growth = calibration()["year_on_year_growth"]
    assert 0.85 * (1 + growth) < _planned_ratio(stations, None) < 1.15 * (1 + growth)


def test_growth_must_leave_a_volume(engine):
    with pytest.raises(ValueError, match="growth"):
        seed_demo(engine, days=5, end=END, daily_warnings=30, growth=-1.0)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Warning)) == 0


def test_days_must_be_positive(engine):
    with pytest.raises(ValueError, match="days"):
        seed_demo(engine, days=0)


def test_personal_data_is_encrypted_at_rest_and_reads_back(engine):
    seed_demo(engine, days=2, end=END, daily_warnings=30)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT person_phone, person_id_number FROM warnings ORDER BY id LIMIT 1").one()
    assert stored[0].startswith("pd1:") and stored[1].startswith("pd1:")
    with Session(engine) as session:
        warning = session.scalars(select(Warning).order_by(Warning.id).limit(1)).one()
        assert warning.person_phone.isdigit() and len(warning.person_phone) == 11
        assert len(warning.person_id_number) == 18


def test_a_wal_database_is_back_in_wal_after_a_seed(engine):
    """The SQLite writer loads under a rollback journal and hands the file back in WAL."""
    if engine.dialect.name != "sqlite":
        pytest.skip("journal modes are SQLite's")
    seed_demo(engine, days=5, end=END, daily_warnings=20, workers=2)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
    assert _fingerprint(engine)[0] > 0


def test_a_postgresql_seed_leaves_the_planner_its_statistics(engine):
    """After a bulk load PostgreSQL has measured every table (its plans were 1,000 times slower without)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE after a bulk load is PostgreSQL's; SQLite plans well without statistics")
    seed_demo(engine, days=5, end=END, daily_warnings=20)
    with engine.connect() as conn:
        measured = dict(conn.exec_driver_sql(
            "SELECT relname, greatest(last_analyze, last_autoanalyze) IS NOT NULL FROM pg_stat_user_tables"
            " WHERE schemaname = current_schema()").all())
    assert measured["warnings"] and measured["agg_warnings_day"] and measured["tasks"]
