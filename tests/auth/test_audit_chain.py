"""The audit chain: verifies when intact, and fails after any row is changed or deleted."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.auth import audit
from dashboard.auth.audit import PersonalDataInAudit, record
from dashboard.auth.audit_verify import verify_chain
from dashboard.domain.audit import GENESIS_HASH, AuditEntry, AuditTampering

LEADER = SimpleNamespace(username="leader1", role="leader")


def write_entries(session, now, n=5):
    return [
        record(session, user=LEADER, action=audit.EXPORT, object=f"statistics:{i}",
               outcome=audit.SUCCESS, source_address="10.1.2.3", detail={"rows": i},
               at=now + timedelta(seconds=i))
        for i in range(n)
    ]


def allow_tampering(session):
    """Drop the append-only triggers inside the test transaction (as a database owner could)."""
    session.execute(text("UPDATE audit_head SET last_id = last_id WHERE id = 0"))  # opens it
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_entries_no_change ON audit_entries"))
    else:
        session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(text("DROP TRIGGER audit_entries_no_delete"))


def test_empty_log_verifies(session):
    assert verify_chain(session) == (True, None)


def test_entries_are_numbered_and_chained(session, now):
    entries = write_entries(session, now)
    assert [e.id for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert verify_chain(session) == (True, None)


def test_chain_verifies_after_reload_from_database(session, now):
    write_entries(session, now)
    session.flush()
    session.expunge_all()
    assert verify_chain(session) == (True, None)


def test_entry_fields_and_detail_json(session, now):
    entry = record(session, user=LEADER, action=audit.UNMASK, object="warning:42",
                   outcome=audit.SUCCESS, source_address="10.0.0.9", detail={"field": "phone"},
                   at=now)
    assert (entry.username, entry.role, entry.action, entry.object) == (
        "leader1", "leader", "unmask", "warning:42")
    assert json.loads(entry.detail) == {"field": "phone"}


@pytest.mark.parametrize(("column", "value"), [
    ("at", "2020-01-01 00:00:00.000000"), ("username", "someone_else"), ("role", "admin"),
    ("action", "login"), ("object", "statistics:99"), ("outcome", "failure"),
    ("source_address", "10.9.9.9"), ("detail", '{"rows":77}'), ("prev_hash", "f" * 64),
    ("hash", "e" * 64),
])
@pytest.mark.parametrize("row", [1, 3, 5])
def test_changing_any_column_of_any_row_is_detected(session, now, column, value, row):
    write_entries(session, now)
    session.flush()
    allow_tampering(session)
    session.execute(text(f"UPDATE audit_entries SET {column} = :v WHERE id = :id"),
                       {"v": value, "id": row})
    session.expunge_all()
    ok, first_bad = verify_chain(session)
    assert not ok
    assert first_bad == row


@pytest.mark.parametrize("row", [1, 3, 5])
def test_deleting_any_row_is_detected(session, now, row):
    write_entries(session, now)
    session.flush()
    allow_tampering(session)
    session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": row})
    session.expunge_all()
    assert verify_chain(session) == (False, row)


def test_rewriting_the_newest_row_and_its_hash_is_detected_by_the_head(session, now):
    entries = write_entries(session, now)
    session.flush()
    last = entries[-1]
    allow_tampering(session)
    forged = AuditEntry(id=last.id, at=last.at, username="nobody", role=last.role,
                        action=last.action, object=last.object, outcome=last.outcome,
                        source_address=last.source_address, detail=last.detail,
                        prev_hash=last.prev_hash)
    session.execute(text("UPDATE audit_entries SET username = 'nobody', hash = :h WHERE id = 5"),
                       {"h": forged.compute_hash()})
    session.expunge_all()
    assert verify_chain(session) == (False, 5)


def test_database_refuses_update_and_delete(session, now):
    write_entries(session, now, 2)
    session.flush()
    for statement in ("UPDATE audit_entries SET outcome = 'failure' WHERE id = 1",
                      "DELETE FROM audit_entries WHERE id = 2"):
        savepoint = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        savepoint.rollback()
    assert verify_chain(session) == (True, None)


def test_orm_refuses_update_and_delete(session, now):
    entry = write_entries(session, now, 1)[0]
    entry.outcome = "failure"
    with pytest.raises(AuditTampering):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("field", ["object", "detail", "action"])
def test_personal_data_is_refused(session, now, field):
    values = {"object": "warning:1", "detail": None, "action": audit.UNMASK}
    values[field] = {"phone": "13812345678"} if field == "detail" else "phone 13812345678"
    with pytest.raises(PersonalDataInAudit):
        record(session, user=LEADER, outcome=audit.SUCCESS, at=now, **values)


def test_typed_username_that_looks_like_a_phone_is_redacted(session, now):
    entry = record(session, user="13812345678", action=audit.LOGIN_FAILED,
                   outcome=audit.DENIED, source_address="10.0.0.1", at=now)
    assert entry.username == audit.REDACTED
    assert entry.role is None


def test_chain_starts_even_when_the_head_row_is_missing(session, now):
    session.execute(text("DELETE FROM audit_head"))
    first = record(session, user=LEADER, action=audit.LOGIN, at=now)
    assert (first.id, first.prev_hash) == (1, GENESIS_HASH)
    assert verify_chain(session) == (True, None)
