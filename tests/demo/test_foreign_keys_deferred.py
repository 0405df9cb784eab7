"""A PostgreSQL history load drops the history tables' foreign keys and adds them back, checked."""

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy.exc import IntegrityError

from dashboard.demo.loader import HISTORY_TABLES
from dashboard.demo.seed import seed_demo
from dashboard.domain import SHANGHAI, Dissuasion
from dashboard.ingest.bulk import bulk_writer
from tests.demo.test_seed_command import _fingerprint

END = datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def postgres(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite loads never enforce foreign keys: nothing is dropped there")
    return engine


def _keys_of(conn) -> list[tuple]:
    return sorted(conn.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
        " AND conparentid = 0").all())  # not a month's copy of its partitioned table's key


def _foreign_keys(engine) -> list[tuple]:
    with engine.connect() as conn:
        return _keys_of(conn)


def test_the_history_keys_are_off_during_the_load_only(postgres):
    before = _foreign_keys(postgres)
    with bulk_writer(postgres) as writer, writer.foreign_keys_deferred(HISTORY_TABLES):
        during = _keys_of(writer.conn)
    history = {table.name for table in HISTORY_TABLES}
    assert [key for key in before if key[0] not in history] == during  # the other tables' keys stay
    assert len(during) < len(before)
    assert _foreign_keys(postgres) == before


def test_a_seed_leaves_every_foreign_key_as_it_found_it(postgres):
    before = _foreign_keys(postgres)
    history = {table.name for table in HISTORY_TABLES}
    assert {"warnings", "dissuasions", "tasks"} <= {table for table, _, _ in before if table in history}
    seed_demo(postgres, days=3, end=END, daily_warnings=20)
    assert _foreign_keys(postgres) == before
    assert _fingerprint(postgres)[0] > 0


def test_a_load_that_breaks_a_key_is_refused_whole(postgres):
    seed_demo(postgres, days=3, end=END, daily_warnings=20)
    kept, keys = _fingerprint(postgres), _foreign_keys(postgres)
    orphan = pd.DataFrame({"id": [10**6], "warning_id": [10**9], "method": ["sms"], "result": ["delivered"],
                           "started_at": [pd.Timestamp("2026-03-01 10:00:00")]})
    with pytest.raises(IntegrityError, match="fk_dissuasions_warning_id_warning_keys"):
        with bulk_writer(postgres) as writer, writer.foreign_keys_deferred([Dissuasion.__table__]):
            writer.execute("DELETE FROM dissuasions")
            writer.insert(Dissuasion.__table__, orphan)
    assert _fingerprint(postgres) == kept
    assert _foreign_keys(postgres) == keys
