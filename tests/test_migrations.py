"""Migrations go up and down on an empty database, and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from dashboard import migrate
from dashboard.domain import Base
from dashboard.partitions import is_partition


def test_up_down_up(engine):
    assert migrate.is_current(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    assert {"warnings", "dissuasions", "org_units", "stop_payments", "cases"} <= set(
        inspect(engine).get_table_names())


def test_schema_matches_models(engine):
    """The months of a partitioned table (PostgreSQL) are tables of their own that no model maps."""
    def mapped(name, kind, parent):
        return not is_partition((name if kind == "table" else parent.get("table_name")) or "")

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": mapped}), Base.metadata)
    assert diff == []


def test_replicas_starting_together_migrate_once(engine):
    """Several app replicas run the migrations at start; the advisory lock serialises them."""
    import threading

    if engine.dialect.name != "postgresql":
        return  # one SQLite file is never shared by replicas
    migrate.downgrade(engine, "base")
    errors = []

    def start():
        try:
            migrate.upgrade(engine)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert migrate.is_current(engine)


def test_county_twins_are_filled_from_the_station_tables_on_upgrade(engine):
    """0012 adds county twins of the warnings, funds and cases tables, summed from the stored rows."""
    from datetime import date

    from sqlalchemy import text

    migrate.downgrade(engine, "0011")
    try:
        day = date(2026, 11, 3)
        with engine.begin() as conn:
            for station, county, received, amount in ((1, 10, 3, 500), (2, 10, 4, 700), (3, 20, 5, 0)):
                conn.execute(text(
                    "INSERT INTO agg_warnings_day (station_id, day, county_id, received, amount_at_risk, "
                    "contacted, contacted_on_time) VALUES (:s, :d, :c, :r, :a, :r, 1)"),
                    {"s": station, "d": day, "c": county, "r": received, "a": amount})
            conn.execute(text(
                "INSERT INTO agg_cases_day (station_id, day, county_id, reported, reported_loss, reported_solved, "
                "reported_solved_loss, solved, suspects_arrested) VALUES (1, :d, 10, 2, 900, 1, 400, 1, 3)"),
                {"d": day})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            warnings = conn.execute(text(
                "SELECT county_id, received, amount_at_risk, contacted, contacted_on_time "
                "FROM agg_warnings_county_day ORDER BY county_id")).all()
            cases = conn.execute(text("SELECT county_id, reported, reported_loss, reported_solved_loss, "
                                      "suspects_arrested FROM agg_cases_county_day")).all()
            funds = conn.execute(text("SELECT count(*) FROM agg_funds_county_day")).scalar()
        assert [tuple(r) for r in warnings] == [(10, 7, 1200, 7, 2), (20, 5, 0, 5, 1)]
        assert [tuple(r) for r in cases] == [(10, 2, 900, 400, 3)]
        assert funds == 0
    finally:
        with engine.begin() as conn:
            for table in ("agg_warnings_day", "agg_cases_day", "agg_warnings_county_day", "agg_cases_county_day"):
                conn.execute(text(f"DELETE FROM {table}"))


def test_month_twins_are_filled_from_the_county_twins_on_upgrade(engine):
    """0013 adds month twins of the county tables with a breakdown, summed by month from the stored rows."""
    from datetime import date

    from sqlalchemy import text

    migrate.downgrade(engine, "0012")
    try:
        with engine.begin() as conn:
            for day, closed, loss in ((date(2026, 10, 3), 2, 100), (date(2026, 10, 30), 3, 50),
                                      (date(2026, 11, 1), 1, 7)):
                conn.execute(text(
                    "INSERT INTO agg_outcomes_county_day (county_id, day, outcome, closed, amount_at_risk, loss, "
                    "loss_avoided) VALUES (10, :d, 'dissuaded', :c, 0, :l, 0)"), {"d": day, "c": closed, "l": loss})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            months = conn.execute(text("SELECT county_id, day, outcome, closed, loss FROM agg_outcomes_county_month "
                                       "ORDER BY day")).all()
        assert [(r[0], str(r[1]), r[2], r[3], r[4]) for r in months] == [
            (10, "2026-10-01", "dissuaded", 5, 150), (10, "2026-11-01", "dissuaded", 1, 7)]
    finally:
        with engine.begin() as conn:
            for table in ("agg_outcomes_county_day", "agg_outcomes_county_month"):
                conn.execute(text(f"DELETE FROM {table}"))


def test_stop_payment_cohorts_are_filled_from_the_stop_payments_on_upgrade(engine):
    """0014 adds the cohort amounts and the stop_payment waits, equal to what the rebuild makes of the rows."""
    from datetime import datetime, timedelta

    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from dashboard.aggregates import rebuild
    from dashboard.domain import StopPayment
    from dashboard.domain.aggregates import (
        FundsCountyDay,
        FundsDay,
        ResponseCountyDay,
        ResponseCountyMonth,
        ResponseDay,
    )
    from dashboard.domain.base import SHANGHAI
    from tests.factories import build_chain

    tables = [m.__table__ for m in (FundsDay, FundsCountyDay, ResponseDay, ResponseCountyDay, ResponseCountyMonth)]

    def stored() -> dict:
        with engine.connect() as conn:
            return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in tables}

    with Session(engine) as session:
        u = build_chain(session)
        start = datetime(2026, 10, 30, 22, 0, tzinfo=SHANGHAI)
        for i, (station, wait_minutes) in enumerate([("99000101", 7), ("99000101", 95), ("99000102", None),
                                                     ("99000201", 2000), ("99000201", -3), ("99000101", 30)]):
            unit = u[station]
            reported = start + timedelta(hours=9 * i)
            stopped = None if wait_minutes is None else reported + timedelta(minutes=wait_minutes, seconds=20)
            session.add(StopPayment(
                county_id=unit.parent_id, station_id=unit.id, account=f"62220200000000000{i}", bank="测试银行",
                reported_at=reported, requested_at=reported + timedelta(minutes=5), requested_amount=1000 * (i + 1),
                stopped_at=stopped, stopped_amount=0 if stopped is None else 700 * (i + 1),
                frozen_at=None, frozen_amount=0, returned_at=None if i % 2 else stopped,
                returned_amount=0 if i % 2 or stopped is None else 300))
        session.flush()
        rebuild(session.connection())
        session.commit()
    expected = stored()
    assert any(r[2] == "stop_payment" for r in expected["agg_response_county_month"])
    assert any(r[-2] for r in expected["agg_funds_county_day"])  # some cohort amount stopped
    try:
        migrate.downgrade(engine, "0013")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM agg_response_day WHERE measure = 'stop_payment'")
                                ).scalar() == 0
        migrate.upgrade(engine)
        assert stored() == expected
    finally:
        with engine.begin() as conn:
            for table in ("stop_payments", *(t.name for t in tables)):
                conn.execute(text(f"DELETE FROM {table}"))


def test_the_admin_becomes_the_system_administrator_and_roles_may_wait(engine):
    """0016: an ``admin`` account becomes ``sysadmin``; an account may then have no role."""
    from sqlalchemy import text

    migrate.downgrade(engine, "0015")
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (username, display_name, password_hash, role, is_active, "
                "failed_logins, created_at, password_changed_at) VALUES ('root1', 'Root', 'x', "
                "'admin', true, 0, '2026-12-01 09:00:00', '2026-12-01 09:00:00')"))
        migrate.upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT role, must_change_password FROM users "
                                     "WHERE username = 'root1'")).one() == ("sysadmin", False)
            conn.execute(text("UPDATE users SET role = NULL WHERE username = 'root1'"))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM users"))


def test_entries_stored_before_the_key_stay_plain_and_the_key_starts_after_them(engine):
    """0017: ``keyed_from`` is the entry after the newest one stored."""
    from sqlalchemy import text

    migrate.downgrade(engine, "0016")
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_head"))
            conn.execute(text("INSERT INTO audit_head (id, last_id, last_hash) "
                              "VALUES (1, 41, :h)"), {"h": "0" * 64})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT keyed_from FROM audit_head")).scalar() == 42
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET last_id = 0, keyed_from = 1 WHERE id = 1"))


def test_no_migration_imports_the_application():
    """Migrations freeze the SQL they run: changing today's code must not change an old revision."""
    import ast
    from pathlib import Path

    versions = Path(migrate.__file__).parent / "migrations" / "versions"
    importing = []
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "dashboard" or n.startswith("dashboard.") for n in names):
                importing.append(path.name)
    assert importing == []


def test_the_migrations_fill_the_aggregates_as_a_rebuild_does(engine):
    """From 0002 up, the frozen fills (0003, 0010, 0012-0014) leave every aggregate as the rebuild makes it."""
    import random

    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from dashboard.aggregates import rebuild
    from dashboard.domain import AGGREGATE_MODELS
    from tests.aggregates.test_definitions import _world

    def stored() -> dict:
        with engine.connect() as conn:
            return {m.__table__.name: sorted(tuple(str(v) for v in r) for r in conn.execute(select(m.__table__)))
                    for m in AGGREGATE_MODELS}

    with Session(engine) as session:
        _world(session, random.Random(3))
        rebuild(session.connection())
        session.commit()
    expected = stored()
    assert all(expected.values())
    try:
        migrate.downgrade(engine, "0002")
        migrate.upgrade(engine)
        assert stored() == expected
    finally:
        with engine.begin() as conn:
            for table in ("dissuasions", "warnings", "stop_payments", "cases", "publicity_events",
                          *expected):
                conn.execute(text(f"DELETE FROM {table}"))


def test_0023_retired_units_go_down_and_up_keeping_the_units(engine):
    """0023 adds retired_on and successor_id to org_units; down drops them, the rows stay."""
    from datetime import date

    from sqlalchemy import text

    def columns() -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns("org_units")}

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org_units (id, code, name_zh, name_en, level, path) "
                          "VALUES (1, '350200', '市局', 'City', 'city', '350200'), "
                          "(2, '350203', '分局', 'County', 'county', '350200/350203')"))
        conn.execute(text("UPDATE org_units SET retired_on = :d, successor_id = 1 WHERE id = 2"),
                     {"d": date(2026, 12, 7)})
    try:
        assert {"retired_on", "successor_id"} <= columns()
        migrate.downgrade(engine, "0022")
        assert not {"retired_on", "successor_id"} & columns()
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT code, retired_on, successor_id FROM org_units "
                                     "ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("350200", None, None), ("350203", None, None)]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM org_units"))
