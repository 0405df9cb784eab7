"""Migrations go up and down on an empty database, and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from dashboard import migrate
from dashboard.domain import Base


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
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
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
