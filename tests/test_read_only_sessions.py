"""A request's transaction that only read ends by COMMIT on PostgreSQL, keeping psycopg's prepared statements.

Anything that wrote and was not committed is still rolled back: nothing half-written is kept.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from dashboard.db import Database, end_read_only
from dashboard.domain.reference import Outcome


@pytest.fixture
def database(engine):
    db = Database(engine.url.render_as_string(hide_password=False))
    yield db
    db.dispose()


def _read(session) -> list[str]:
    return list(session.scalars(select(Outcome.code).where(Outcome.dissuaded.is_(True)).order_by(Outcome.code)))


def _prepared(database) -> int:
    with database.sessionmaker() as session:
        return session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))


def test_a_read_only_transaction_is_committed_and_keeps_prepared_statements(database):
    postgres = database.engine.dialect.name == "postgresql"
    for _ in range(7):  # psycopg prepares a statement at its sixth run on a connection
        with database.sessionmaker() as session:
            assert _read(session)
            assert end_read_only(session) is postgres  # SQLite: left to the rollback, as before
            session.rollback()
    if postgres:
        assert _prepared(database) >= 1
        with database.sessionmaker() as session:  # a rollback forgets them all (why reads commit)
            _read(session)
            session.rollback()
        assert _prepared(database) == 0


@pytest.mark.parametrize("step", ["update", "pending", "failed"])
def test_anything_but_a_clean_read_is_rolled_back(database, step):
    with database.sessionmaker() as session:
        before = session.scalar(select(Outcome.name_en).where(Outcome.code == "refused"))
        session.rollback()
        if step == "update":
            session.execute(update(Outcome).where(Outcome.code == "refused").values(name_en="changed"))
        elif step == "pending":
            session.get(Outcome, "refused").name_en = "changed"
        else:
            with pytest.raises(Exception, match="no_such_table"):
                session.execute(text("SELECT * FROM no_such_table"))
        assert end_read_only(session) is False
        session.rollback()
        assert session.scalar(select(Outcome.name_en).where(Outcome.code == "refused")) == before
        session.rollback()
