"""The audit trail against its database's owner: every tamper is caught by the key or a checkpoint.

The attacker here can write the database freely (the append-only triggers
dropped) but does not hold ``AUDIT_KEY`` unless a test says so, and cannot
rewrite the checkpoint file.  Each tamper of the issue is tried: edit a row,
rewrite it and recompute every later hash (without the key, with a wrong key,
with the right key), delete a row, remove the newest rows and move the head
back, empty the table, move the keyed boundary, forge a checkpoint.
"""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from dashboard.auth import audit
from dashboard.auth.audit import record
from dashboard.auth.audit_checkpoints import (
    CheckpointUnreadable,
    CheckpointWriter,
    read_checkpoints,
    signed_line,
    write_checkpoint,
)
from dashboard.auth.audit_key import AuditKeyError, audit_key, audit_key_from_settings
from dashboard.auth.audit_verify import verify_chain, verify_trail
from dashboard.domain.audit import AuditEntry, AuditHead
from dashboard.safe_settings import UnsafeSettings

LEADER = SimpleNamespace(username="leader1", role="leader")


def allow_tampering(session):
    """Drop the append-only triggers inside the test transaction (as a database owner could)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries"))
    else:
        session.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
        session.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))


def write(session, now, start: int, n: int):
    for i in range(start, start + n):
        record(session, user=LEADER, action=audit.EXPORT, object=f"statistics:{i}",
               source_address="10.1.2.3", detail={"rows": i}, at=now + timedelta(seconds=i))
    session.flush()


@pytest.fixture
def trail(session, now, tmp_path):
    """Twelve entries with checkpoints after the 4th, 8th and 12th; the checkpoint file."""
    path = tmp_path / "checkpoints.log"
    for block in range(3):
        write(session, now, 4 * block, 4)
        write_checkpoint(session, path, at=now + timedelta(minutes=block))
    return path


def check(session, path):
    session.expunge_all()
    return verify_trail(session, read_checkpoints(path))


def rewrite(session, row: int, key: bytes | None, *, last: int = 12) -> None:
    """Change entry ``row`` and recompute its hash and every later one, and the head."""
    allow_tampering(session)
    session.execute(text("UPDATE audit_entries SET object = 'statistics:forged' WHERE id = :id"),
                    {"id": row})
    session.expunge_all()
    prev = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == row - 1)) if row > 1 \
        else "0" * 64
    for entry_id in range(row, last + 1):
        prev = rehash(session, entry_id, prev, key)
    session.execute(text("UPDATE audit_head SET last_hash = :h WHERE id = 1"), {"h": prev})


def rehash(session, entry_id: int, prev: str, key: bytes | None) -> str:
    """Give entry ``entry_id`` the link ``prev`` and the hash under ``key``; its new hash."""
    entry = session.get(AuditEntry, entry_id)
    session.expunge(entry)
    entry.prev_hash = prev
    new_hash = entry.compute_hash(key)
    session.execute(text("UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE id = :id"),
                    {"p": prev, "h": new_hash, "id": entry_id})
    return new_hash


def test_an_untouched_trail_verifies_with_its_checkpoints(session, trail):
    report = check(session, trail)
    assert report.ok and (report.entries, report.checkpoints) == (12, 3)


def test_entries_are_keyed_not_plain_hashes(session, trail):
    entry = session.get(AuditEntry, 5)
    assert entry.hash == entry.compute_hash(audit_key()) != entry.compute_hash(None)


@pytest.mark.parametrize("row", [1, 6, 12])
@pytest.mark.parametrize("key", [None, b"\x07" * 32], ids=["plain-sha256", "wrong-key"])
def test_a_rewrite_recomputed_without_the_key_is_named_at_its_entry(session, trail, row, key):
    rewrite(session, row, key)
    report = check(session, trail)
    assert not report.ok and report.first_bad == row


@pytest.mark.parametrize(("row", "between"), [(2, (1, 4)), (6, (5, 8)), (11, (9, 12))])
def test_a_rewrite_recomputed_with_the_key_is_caught_by_the_checkpoints(session, trail, row,
                                                                          between):
    rewrite(session, row, audit_key())
    session.expunge_all()
    assert verify_chain(session) == (True, None)  # the chain alone cannot see it
    report = check(session, trail)
    assert not report.ok
    assert report.first_bad == between[0] <= row <= between[1]
    assert any(f"between {between[0]} and {between[1]}" in p for p in report.problems)


@pytest.mark.parametrize("removed", [1, 3])
def test_removing_the_newest_entries_and_rewinding_the_head_is_caught(session, trail, removed):
    allow_tampering(session)
    keep = 12 - removed
    session.execute(text("DELETE FROM audit_entries WHERE id > :k"), {"k": keep})
    head = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == keep))
    session.execute(text("UPDATE audit_head SET last_id = :k, last_hash = :h WHERE id = 1"),
                    {"k": keep, "h": head})
    session.expunge_all()
    assert verify_chain(session) == (True, None)  # consistent inside the database
    report = check(session, trail)
    assert not report.ok and report.first_bad == keep + 1
    assert any(f"entries {keep + 1} to 12 are missing" in p for p in report.problems)


def test_emptying_the_whole_trail_is_caught(session, trail):
    allow_tampering(session)
    session.execute(text("DELETE FROM audit_entries"))
    session.execute(text("UPDATE audit_head SET last_id = 0, last_hash = :g WHERE id = 1"),
                    {"g": "0" * 64})
    report = check(session, trail)
    assert not report.ok and report.first_bad == 1


@pytest.mark.parametrize("row", [3, 12])
def test_deleting_one_entry_is_named(session, trail, row):
    allow_tampering(session)
    session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": row})
    report = check(session, trail)
    assert not report.ok and report.first_bad == row


def test_an_entry_appended_without_the_key_is_named(session, trail, now):
    last = session.get(AuditEntry, 12)
    forged = AuditEntry(id=13, at=now, username="nobody", role="leader", action="login",
                        object=None, outcome="success", source_address=None, detail=None,
                        prev_hash=last.hash)
    forged.hash = forged.compute_hash(None)
    session.add(forged)
    session.execute(text("UPDATE audit_head SET last_id = 13, last_hash = :h WHERE id = 1"),
                    {"h": forged.hash})
    session.flush()
    report = check(session, trail)
    assert not report.ok and report.first_bad == 13


def test_moving_the_keyed_boundary_to_pass_plain_hashes_is_caught(session, trail):
    """Declare every entry 'from before the key' and recompute them all as plain SHA-256."""
    rewrite(session, 1, None)
    session.execute(text("UPDATE audit_head SET keyed_from = 13 WHERE id = 1"))
    session.expunge_all()
    assert verify_chain(session) == (True, None)  # passes as a legacy chain
    report = check(session, trail)
    assert not report.ok and report.first_bad == 1
    assert any("keyed entries began at 1" in p for p in report.problems)


def test_entries_from_before_the_key_still_verify_and_are_bound_to_the_keyed_ones(
        session, now, tmp_path):
    """A database upgraded with plain entries: they verify as such; rewriting one breaks the
    first keyed entry's link, which cannot be recomputed without the key."""
    write(session, now, 0, 3)
    allow_tampering(session)  # as the entries of a database from before the key were written
    prev = "0" * 64
    for entry_id in (1, 2, 3):
        prev = rehash(session, entry_id, prev, None)
    session.execute(text("UPDATE audit_head SET last_hash = :h, keyed_from = 4 WHERE id = 1"),
                    {"h": prev})
    write(session, now, 10, 2)
    path = tmp_path / "checkpoints.log"
    write_checkpoint(session, path)
    assert check(session, path).ok
    rewrite(session, 2, None, last=3)  # the legacy prefix recomputed in plain SHA-256
    report = check(session, path)
    assert not report.ok and report.first_bad == 4  # entry 4's link no longer matches


def test_a_forged_or_damaged_checkpoint_line_is_refused(session, trail, now):
    lines = trail.read_text().splitlines()
    forged = lines[-1].replace('"last_id":12', '"last_id":99')
    trail.write_text("\n".join(lines + [forged]) + "\n")
    with pytest.raises(CheckpointUnreadable) as refused:
        read_checkpoints(trail)
    assert refused.value.line == 4
    trail.write_text("\n".join(lines + ["{not json"]) + "\n")
    with pytest.raises(CheckpointUnreadable):
        read_checkpoints(trail)
    other_key = signed_line(now, 12, "0" * 64, 1, "x", key=b"\x01" * 32)
    trail.write_text(other_key + "\n")
    with pytest.raises(CheckpointUnreadable):
        read_checkpoints(trail)


def test_the_writer_signs_a_checkpoint_at_start_and_at_shutdown(engine, session, now, tmp_path):
    write(session, now, 0, 3)
    session.commit()
    path = tmp_path / "audit" / "checkpoints.log"
    writer = CheckpointWriter(sessionmaker(engine), path, seconds=3600).start()
    writer.stop()
    first, last = read_checkpoints(path)
    assert (first.last_id, last.last_id) == (3, 3)
    head = session.get(AuditHead, 1)
    assert first.head == head.last_hash and first.keyed_from == head.keyed_from


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_production_refuses_a_missing_or_malformed_audit_key(value):
    with pytest.raises(AuditKeyError, match="AUDIT_KEY"):
        audit_key_from_settings({"ANTIFRAUD_ENV": "production", "AUDIT_KEY": value})


@pytest.mark.parametrize("key", [bytes(range(32)), b"\x00" * 32, b"ab" * 16, bytes(range(0, 64, 2))])
def test_production_refuses_an_audit_key_of_low_entropy(key):
    with pytest.raises(UnsafeSettings, match="AUDIT_KEY"):
        audit_key_from_settings({"ANTIFRAUD_ENV": "production",
                                 "AUDIT_KEY": base64.b64encode(key).decode()})


def test_a_random_audit_key_is_accepted_and_an_unknown_environment_refused():
    key = os.urandom(32)
    assert audit_key_from_settings({"ANTIFRAUD_ENV": "production",
                                    "AUDIT_KEY": base64.b64encode(key).decode()}) == key
    with pytest.raises(UnsafeSettings, match="ANTIFRAUD_ENV"):
        audit_key_from_settings({"ANTIFRAUD_ENV": "prodcution", "AUDIT_KEY": ""})
