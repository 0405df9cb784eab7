"""``antifraud archive``: whole months out, verified, the dashboards unchanged; restored exactly."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from dashboard.archive import ArchiveError, archive, read_manifest, restore, stored_months
from dashboard.auth.scope import scope_for_unit
from dashboard.cli import main
from dashboard.demo.seed import seed_demo
from dashboard.domain import AGGREGATE_MODELS, SHANGHAI, OrgUnit
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from dashboard.partitions import add_month, attached_months

END = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
BEFORE = date(2026, 10, 1)


@pytest.fixture
def history(engine):
    seed_demo(engine, days=100, end=END, seed=5, daily_warnings=20)
    return engine


def _rows(engine, table: str) -> list[tuple]:
    with engine.connect() as conn:
        order = "warning_id" if table == "warning_keys" else "id"
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]


def _day(value) -> date:
    """A stored time's day (SQLite hands back its text)."""
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).date()


def _aggregates(engine) -> dict:
    with engine.connect() as conn:
        return {m.__table__.name: sorted(tuple(str(v) for v in r) for r in conn.execute(m.__table__.select()))
                for m in AGGREGATE_MODELS}


def _september(engine):
    with Session(engine) as session:
        city = session.query(OrgUnit).filter_by(level="city").one()
        frame = warnings_by_unit(session, scope_for_unit(city), Period.of_days(date(2026, 9, 1),
                                                                               date(2026, 9, 30)), "station")
        return int(frame["warnings"].sum()), sorted(map(tuple, frame.itertuples(index=False)))


def test_archived_months_leave_the_database_the_dashboards_keep_them_and_restore_gives_them_back(
        history, tmp_path):
    engine = history
    raw = {t: _rows(engine, t) for t in ("warnings", "dissuasions", "warning_keys", "tasks")}
    aggregates, september = _aggregates(engine), _september(engine)
    assert september[0] > 0
    with engine.connect() as conn:
        months = stored_months(conn, "warnings")
    assert months[0] < BEFORE < months[-1]

    done = archive(engine, BEFORE, tmp_path / "a")
    assert done.months == ["2026-08", "2026-09"] == [f"{m:%Y-%m}" for m in months if m < BEFORE]
    manifest = read_manifest(tmp_path / "a")
    assert sum(e["rows"] for e in manifest["files"].values() if e["table"] == "warnings") == sum(
        1 for r in raw["warnings"] if _day(r[3]) < BEFORE)
    # out of the database: only the months from BEFORE on; the keys, tasks and figures stay
    kept = _rows(engine, "warnings")
    assert kept == [r for r in raw["warnings"] if _day(r[3]) >= BEFORE] and kept
    assert all(_day(r[4]) >= BEFORE for r in _rows(engine, "dissuasions"))
    assert _rows(engine, "warning_keys") == raw["warning_keys"] and _rows(engine, "tasks") == raw["tasks"]
    assert _aggregates(engine) == aggregates and _september(engine) == september
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            # (empty partitions other tests of this database made for earlier months may remain)
            assert stored_months(conn, "warnings", BEFORE) == []
            assert conn.scalar(text("SELECT to_regclass('warnings_p202609')")) is None

    # a damaged archive is refused whole; a month already there too
    name = next(iter(manifest["files"]))
    good = (tmp_path / "a" / name).read_bytes()
    (tmp_path / "a" / name).write_bytes(good.replace(b"1", b"2", 1))
    with pytest.raises(ArchiveError) as refused:
        restore(engine, tmp_path / "a")
    assert refused.value.key == "archive.error.damaged"
    (tmp_path / "a" / name).write_bytes(good)
    assert _rows(engine, "warnings") == kept

    restore(engine, tmp_path / "a")
    assert {t: _rows(engine, t) for t in raw} == raw
    assert _aggregates(engine) == aggregates
    with pytest.raises(ArchiveError) as twice:
        restore(engine, tmp_path / "a")
    assert twice.value.key == "archive.error.present"
    assert _rows(engine, "warnings") == raw["warnings"]


def test_the_command_archives_and_restores_and_says_what_went_wrong(history, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", history.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    before = _rows(history, "warnings")
    assert main(["archive", "--before", "2026-09-15", "--output", str(tmp_path / "x")]) == 2
    assert "whole months" in capsys.readouterr().err
    assert main(["archive", "--before", "2026-10-01"]) == 2
    assert main(["archive", "--before", "2026-10-01", "--output", str(tmp_path / "x")]) == 0
    assert "archived 2026-08, 2026-09" in capsys.readouterr().out
    assert json.loads((tmp_path / "x" / "manifest.json").read_text())["before"] == "2026-10-01"
    assert len(_rows(history, "warnings")) < len(before)
    assert main(["archive", "--restore", str(tmp_path / "x")]) == 0
    assert "checksums and counts verified" in capsys.readouterr().out
    assert _rows(history, "warnings") == before
    monkeypatch.setenv("DEFAULT_LANGUAGE", "zh-CN")
    assert main(["archive", "--restore", str(tmp_path / "x")]) == 2
    assert "已在数据库中" in capsys.readouterr().err


def test_an_empty_month_is_not_history_to_archive_and_does_not_stop_a_restore(history, tmp_path):
    """A partition made ahead of time or emptied (PostgreSQL), or no row at all (SQLite): not a month
    of history; archiving skips it, and restoring that month replaces the empty partition."""
    engine = history
    empty = date(2025, 3, 1)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            add_month(conn, "warnings", empty)
            assert empty in attached_months(conn, "warnings")
        assert empty not in stored_months(conn, "warnings")
    done = archive(engine, BEFORE, tmp_path / "a")
    assert done.months == ["2026-08", "2026-09"]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # the archived months' partitions are gone; made again empty
            add_month(conn, "warnings", date(2026, 8, 1))
    restore(engine, tmp_path / "a")
    with engine.connect() as conn:
        assert [f"{m:%Y-%m}" for m in stored_months(conn, "warnings", BEFORE)] == ["2026-08", "2026-09"]
