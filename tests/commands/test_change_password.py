"""Changing one's own password: the current one asked again, the policy, the forced change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.auth import audit
from dashboard.auth.passwords import hash_password, verify_password
from dashboard.commands.change_password import ChangePassword
from dashboard.commands.errors import Invalid
from dashboard.domain import AuditEntry, SessionRecord

OLD, NEW = "correct horse battery staple", "Gulangyu-ferry-2026"


@pytest.fixture
def user(make_user, org):
    return make_user("officer", org["35020301"], password=OLD, must_change_password=True)


@pytest.mark.parametrize(("current", "new", "repeated", "field"), [
    ("wrong", NEW, NEW, "current_password"),
    (OLD, NEW, NEW + "x", "repeated_password"),
    (OLD, "short", "short", "password"),
    (OLD, OLD, OLD, "password"),
    (OLD, "password1234", "password1234", "password"),
])
def test_refusals_name_the_field_and_change_nothing(session, user, current, new, repeated, field):
    before = user.password_hash
    with pytest.raises(Invalid) as refused:
        ChangePassword(user, current, new, repeated).run(session)
    assert refused.value.field == field
    assert user.password_hash == before and user.must_change_password


def test_a_change_clears_the_forced_change_and_ends_the_other_sessions(session, user, now):
    kept, _ = SessionRecord.open(user, now)
    other, _ = SessionRecord.open(user, now)
    session.add_all([kept, other])
    session.flush()
    ChangePassword(user, OLD, NEW, NEW, keep_session=kept.id).run(session, now=now)
    assert verify_password(user.password_hash, NEW) and not user.must_change_password
    assert kept.ended_at is None and other.end_reason == "password_changed"
    (row,) = session.scalars(select(AuditEntry).where(
        AuditEntry.action == audit.PASSWORD_CHANGED)).all()
    assert '"forced":true' in row.detail and NEW not in row.detail


def test_a_login_in_progress_needs_no_current_password(session, user, now):
    ChangePassword(user, None, NEW, NEW, current_checked=True).run(session, now=now)
    assert verify_password(user.password_hash, NEW)


def test_the_current_password_is_checked_without_the_flag(session, user):
    user.password_hash = hash_password(OLD)
    with pytest.raises(Invalid):
        ChangePassword(user, None, NEW, NEW).run(session)
