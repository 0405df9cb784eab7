"""Run the Alembic migrations from code (``antifraud init-db``, tests, start-up)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from dashboard.partitions import ensure_months
from dashboard.paths import PACKAGE_DIR


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    return cfg


MIGRATION_LOCK = 7_204_911  # a PostgreSQL advisory lock key of our own


class ForeignKeysBroken(RuntimeError):
    """A migration left SQLite rows whose references point nowhere; nothing was committed."""


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A transaction to migrate in; on SQLite with the foreign keys off, checked before the commit.

    SQLite changes a table's constraints by building it anew and dropping the
    old one (Alembic's batch mode), and with the foreign keys on, dropping a
    table that others refer to fails.  SQLite's own procedure: switch them
    off outside the transaction, change, ``PRAGMA foreign_key_check``, commit,
    switch them on again.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                yield conn
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise ForeignKeysBroken("a migration left rows whose references point nowhere")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` in one transaction.

    On PostgreSQL the transaction first takes an advisory lock, so replicas
    starting together migrate one after the other (the later ones find
    nothing left to do); SQLite's write lock does the same.
    """
    cfg = alembic_config()
    with _migrating(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if revision == "head":
            ensure_months(conn)  # the months ahead of a server that was not started for a while


def downgrade(engine: Engine, revision: str = "base") -> None:
    cfg = alembic_config()
    with _migrating(engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
