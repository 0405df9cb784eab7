"""User commands: validate (naming the field), then write and audit in the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.auth import audit
from dashboard.auth.passwords import verify_password
from dashboard.commands.create_user import CreateUser
from dashboard.commands.disable_user import DisableUser
from dashboard.commands.errors import Invalid
from dashboard.commands.reset_password import ResetPassword
from dashboard.commands.set_role import SetRole
from dashboard.domain import AuditEntry, SessionRecord, User

GOOD = "Jimei-bridge-2026"


def audited(session, action):
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_create_user_writes_the_user_and_an_audit_row(session, org, now):
    user = CreateUser("cli:root", " Officer7 ", "officer", "35020301", GOOD).run(session, now=now)
    assert (user.username, user.role, user.unit.code) == ("officer7", "officer", "35020301")
    assert verify_password(user.password_hash, GOOD) and user.display_name == "officer7"
    (row,) = audited(session, audit.USER_CREATED)
    assert row.username == "cli:root" and row.object == f"user:{user.id}"
    assert GOOD not in (row.detail or "")


@pytest.mark.parametrize(("changes", "field", "key"), [
    ({"username": "ab"}, "username", "admin.error.username_format"),
    ({"username": "13912345678"}, "username", "admin.error.username_format"),
    ({"role": "chief"}, "role", "admin.error.role_unknown"),
    ({"unit_code": None}, "unit", "admin.error.unit_required"),
    ({"unit_code": "999"}, "unit", "admin.error.unit_unknown"),
    ({"unit_code": "3502\x0003"}, "unit", "admin.error.unit_unknown"),  # NUL: never sent to the database
    ({"unit_code": "350203"}, "unit", "admin.error.unit_level"),
    ({"role": "auditor"}, "unit", "admin.error.unit_not_allowed"),
    ({"password": "password1234"}, "password", "auth.password.common"),
    ({"password": "officer7-Jimei-2026"}, "password", "auth.password.contains_username"),
    ({"display_name": "电话 13912345678"}, "display_name", "admin.error.display_name"),
    ({"display_name": "王\x00五"}, "display_name", "admin.error.display_name"),
])
def test_create_user_refusals_name_the_field(session, org, changes, field, key):
    values = {"actor": "t", "username": "officer7", "role": "officer", "unit_code": "35020301",
              "password": GOOD, **changes}
    with pytest.raises(Invalid) as refused:
        CreateUser(**values).run(session)
    assert (refused.value.field, refused.value.key) == (field, key)
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_usernames_are_unique_without_case(session, org):
    CreateUser("t", "Leader", "leader", "350200", GOOD).run(session)
    with pytest.raises(Invalid, match="username"):
        CreateUser("t", "LEADER ", "leader", "350200", GOOD).run(session)


def test_press_may_have_no_unit_and_leaders_a_county(session, org):
    assert CreateUser("t", "press1", "press", None, GOOD).run(session).unit_id is None
    assert CreateUser("t", "leader1", "leader", "350203", GOOD).run(session).unit.code == "350203"


def open_session(session, user, now):
    record, _token = SessionRecord.open(user, now)
    session.add(record)
    session.flush()
    return record


def test_set_role_ends_sessions_and_records_before_and_after(session, org, make_user, now):
    admin = make_user("admin")
    user = make_user("officer", org["35020301"])
    record = open_session(session, user, now)
    SetRole(admin, user.id, "commander", "350203").run(session, now=now)
    assert (user.role, user.unit.code, record.end_reason) == ("commander", "350203", "role_changed")
    (row,) = audited(session, audit.ROLE_CHANGED)
    assert row.username == admin.username
    assert '"from":{"role":"officer","unit":"35020301"}' in row.detail


def test_reset_password_unlocks_and_ends_sessions(session, org, make_user, now):
    admin = make_user("admin")
    user = make_user("officer", org["35020301"], locked_until=now + timedelta(minutes=9),
                     failed_logins=3)
    record = open_session(session, user, now)
    with pytest.raises(Invalid, match="password"):
        ResetPassword(admin, user.id, "short").run(session, now=now)
    ResetPassword(admin, user.id, GOOD).run(session, now=now)
    assert verify_password(user.password_hash, GOOD) and user.locked_until is None
    assert record.end_reason == "password_changed" and audited(session, audit.PASSWORD_CHANGED)


def test_disable_and_enable(session, org, make_user, now):
    admin = make_user("admin")
    user = make_user("press", org["350200"])
    record = open_session(session, user, now)
    DisableUser(admin, user.username).run(session, now=now)
    assert not user.is_active and record.end_reason == "disabled"
    DisableUser(admin, user.id, active=True).run(session, now=now)
    assert user.is_active
    assert [r.action for r in session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        audit.USER_DISABLED, audit.USER_ENABLED]


def test_admins_cannot_lock_themselves_out(session, org, make_user):
    admin = make_user("admin")
    with pytest.raises(Invalid, match="user"):
        DisableUser(admin, admin.id).run(session)
    with pytest.raises(Invalid, match="role"):
        SetRole(admin, admin.id, "auditor", None).run(session)


def test_unknown_users_are_refused(session, org, make_user):
    with pytest.raises(Invalid, match="user"):
        DisableUser("t", 424242).run(session)
    with pytest.raises(Invalid, match="user"):
        ResetPassword("t", "nobody", GOOD).run(session)
