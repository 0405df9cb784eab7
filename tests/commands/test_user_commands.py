"""Account commands and the three-administrator separation: no single person holds every key.

- the system administrator creates accounts (no role), resets passwords (a
  change is forced, the second factor stays) and disables accounts;
- the security administrator grants and revokes business roles, resets second
  factors; never for an account they created, never their own;
- an administrator's account never gets a business role, and administrator
  roles are made only at the console.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.auth import audit
from dashboard.auth.passwords import verify_password
from dashboard.auth.permissions import PermissionDenied, administrator_roles, business_roles
from dashboard.commands.create_user import CreateUser
from dashboard.commands.disable_user import DisableUser
from dashboard.commands.errors import Invalid
from dashboard.commands.grant_role import GrantRole
from dashboard.commands.reset_password import ResetPassword
from dashboard.commands.reset_second_factor import ResetSecondFactor
from dashboard.commands.revoke_role import RevokeRole
from dashboard.domain import AuditEntry, SessionRecord, User

GOOD = "Jimei-bridge-2026"
SECRET = "JBSWY3DPEHPK3PXP"


def audited(session, action):
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


@pytest.fixture
def admins(make_user):
    """One account of each administrator role and a business user, made directly."""
    return {role: make_user(role, username=f"{role}1") for role in ("sysadmin", "secadmin",
                                                                    "auditor")}


def create(session, actor, username="officer7", **fields):
    return CreateUser(actor, username, GOOD, **fields).run(session)


def open_session(session, user, now):
    record, _token = SessionRecord.open(user, now)
    session.add(record)
    session.flush()
    return record


def test_an_account_is_created_with_no_role_and_cannot_log_in(session, org, admins, now):
    user = CreateUser(admins["sysadmin"], " Officer7 ", GOOD).run(session, now=now)
    assert (user.username, user.role, user.unit) == ("officer7", None, None)
    assert not user.can_log_in and user.must_change_password and user.created_by == "sysadmin1"
    assert verify_password(user.password_hash, GOOD) and user.display_name == "officer7"
    (row,) = audited(session, audit.USER_CREATED)
    assert row.username == "sysadmin1" and row.object == f"user:{user.id}"
    assert GOOD not in (row.detail or "")


@pytest.mark.parametrize(("changes", "field", "key"), [
    ({"username": "ab"}, "username", "admin.error.username_format"),
    ({"username": "13912345678"}, "username", "admin.error.username_format"),
    ({"username": 13912345678}, "username", "admin.error.username_format"),  # not text
    ({"role": "chief"}, "role", "admin.error.role_unknown"),
    ({"role": "officer"}, "role", "admins.error.business_role_at_creation"),
    ({"role": "leader"}, "role", "admins.error.business_role_at_creation"),
    ({"password": "password1234"}, "password", "auth.password.common"),
    ({"password": "officer7-Jimei-2026"}, "password", "auth.password.contains_username"),
    ({"display_name": "电话 13912345678"}, "display_name", "admin.error.display_name"),
    ({"display_name": "王\x00五"}, "display_name", "admin.error.display_name"),
    ({"display_name": ["王五"]}, "display_name", "admin.error.display_name"),
])
def test_create_user_refusals_name_the_field(session, org, changes, field, key):
    values = {"actor": "cli:root", "username": "officer7", "password": GOOD, **changes}
    with pytest.raises(Invalid) as refused:
        CreateUser(**values).run(session)
    assert (refused.value.field, refused.value.key) == (field, key)
    assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("role", sorted(administrator_roles()))
def test_administrators_are_made_at_the_console_only(session, org, admins, role):
    made = CreateUser("cli:root", f"new-{role}", GOOD, role=role).run(session)
    assert made.role == role and made.can_log_in and made.must_change_password
    with pytest.raises(Invalid) as refused:
        CreateUser(admins["sysadmin"], f"web-{role}", GOOD, role=role).run(session)
    assert (refused.value.field, refused.value.key) == ("role",
                                                        "admins.error.administrator_from_console")


@pytest.mark.parametrize("role", ["secadmin", "auditor", "leader", "commander", "press"])
def test_only_the_system_administrator_creates_accounts(session, org, make_user, role):
    actor = make_user(role, org["350200"] if role in ("leader", "press") else
                      org["350203"] if role == "commander" else None)
    with pytest.raises(PermissionDenied):
        create(session, actor)


def test_usernames_are_unique_without_case(session, org):
    create(session, "cli:root", "Leader")
    with pytest.raises(Invalid, match="username"):
        create(session, "cli:root", "LEADER ")


def test_the_security_administrator_grants_a_role_and_the_account_can_log_in(
        session, org, admins, now):
    user = create(session, admins["sysadmin"])
    GrantRole(admins["secadmin"], user.id, "officer", "35020301").run(session, now=now)
    assert (user.role, user.unit.code, user.role_granted_by) == ("officer", "35020301",
                                                                 "secadmin1")
    assert user.can_log_in
    (row,) = audited(session, audit.ROLE_GRANTED)
    assert row.username == "secadmin1"
    assert '"from":{"role":null,"unit":null}' in row.detail
    assert '"to":{"role":"officer","unit":"35020301"}' in row.detail


@pytest.mark.parametrize(("role", "unit", "key"), [
    ("officer", None, "admin.error.unit_required"),
    ("officer", "999", "admin.error.unit_unknown"),
    ("officer", "3502\x0003", "admin.error.unit_unknown"),
    ("officer", "350203", "admin.error.unit_level"),
    ("commander", "35020301", "admin.error.unit_level"),
    ("chief", "350200", "admin.error.role_unknown"),
    (7, "350200", "admin.error.role_unknown"),  # values a crafted request sends, not text
    ("officer", 35020301, "admin.error.unit_required"),
    ("sysadmin", None, "admins.error.administrator_from_console"),
    ("auditor", None, "admins.error.administrator_from_console"),
])
def test_grant_refusals_name_the_field(session, org, admins, role, unit, key):
    user = create(session, admins["sysadmin"])
    with pytest.raises(Invalid) as refused:
        GrantRole(admins["secadmin"], user.id, role, unit).run(session)
    assert refused.value.key == key
    assert user.role is None and not user.can_log_in


def test_press_may_have_no_unit_and_leaders_a_county(session, org, admins):
    press, leader = create(session, admins["sysadmin"], "press1"), create(
        session, admins["sysadmin"], "leader1")
    assert GrantRole(admins["secadmin"], press.id, "press", None).run(session).unit_id is None
    assert GrantRole(admins["secadmin"], leader.id, "leader", "350203").run(
        session).unit.code == "350203"


@pytest.mark.parametrize("creator", ["cli:root", "secadmin1"])
def test_whoever_created_an_account_never_grants_its_role(session, org, admins, creator):
    """The two people rule holds for the console too: created and granted by one name is refused."""
    user = create(session, "cli:root")
    user.created_by = creator
    actor = admins["secadmin"] if creator == "secadmin1" else "cli:root"
    with pytest.raises(Invalid) as refused:
        GrantRole(actor, user.id, "leader", "350200").run(session)
    assert refused.value.key == "admins.error.creator_cannot_grant"
    assert user.role is None


@pytest.mark.parametrize("role", ["sysadmin", "auditor"])
def test_only_the_security_administrator_grants_and_revokes(session, org, admins, role):
    user = create(session, admins["sysadmin"])
    with pytest.raises(PermissionDenied):
        GrantRole(admins[role], user.id, "leader", "350200").run(session)
    GrantRole(admins["secadmin"], user.id, "leader", "350200").run(session)
    with pytest.raises(PermissionDenied):
        RevokeRole(admins[role], user.id).run(session)


@pytest.mark.parametrize("target", ["sysadmin", "secadmin", "auditor"])
def test_an_administrators_account_never_gets_a_business_role(session, org, admins, target):
    other = CreateUser("cli:root", "secadmin2", GOOD, role="secadmin").run(session)
    actor = other if target == "secadmin" else admins["secadmin"]
    victim = admins["secadmin"] if target == "secadmin" else admins[target]
    with pytest.raises(Invalid) as refused:
        GrantRole(actor, victim.id, "leader", "350200").run(session)
    assert refused.value.key == "admins.error.administrator_account"
    with pytest.raises(Invalid):
        RevokeRole(actor, victim.id).run(session)
    assert victim.role == target


def test_nobody_grants_themselves_a_role(session, org, admins):
    with pytest.raises(Invalid) as refused:
        GrantRole(admins["secadmin"], admins["secadmin"].id, "leader", "350200").run(session)
    assert refused.value.field == "user"


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_no_single_administrator_can_make_a_usable_business_account(session, org, admins, role):
    """Whatever one administrator does alone (create, then grant), no account it knows the
    password of can log in with a business role."""
    actor = admins[role]
    try:
        user = create(session, actor, f"mine-{role}")
    except (PermissionDenied, Invalid):
        user = create(session, "cli:root", f"mine-{role}")  # someone else's, for the grant try
        user.created_by = actor.username  # as if this administrator had made it anyway
    with pytest.raises((PermissionDenied, Invalid)):
        GrantRole(actor, user.id, "leader", "350200").run(session)
    assert not user.can_log_in


def test_revoking_a_role_ends_sessions_and_the_account_cannot_log_in(session, org, admins, now):
    user = create(session, admins["sysadmin"])
    GrantRole(admins["secadmin"], user.id, "commander", "350203").run(session, now=now)
    record = open_session(session, user, now)
    RevokeRole(admins["secadmin"], user.id).run(session, now=now)
    assert user.role is None and user.unit is None and not user.can_log_in
    assert record.end_reason == "role_changed"
    (row,) = audited(session, audit.ROLE_REVOKED)
    assert '"role":"commander"' in row.detail


def test_granting_another_role_ends_sessions_and_records_before_and_after(
        session, org, admins, now):
    user = create(session, admins["sysadmin"])
    GrantRole(admins["secadmin"], user.id, "officer", "35020301").run(session, now=now)
    record = open_session(session, user, now)
    GrantRole(admins["secadmin"], user.id, "commander", "350203").run(session, now=now)
    assert (user.role, user.unit.code, record.end_reason) == ("commander", "350203", "role_changed")
    last = audited(session, audit.ROLE_GRANTED)[-1]
    assert '"from":{"role":"officer","unit":"35020301"}' in last.detail


def test_a_password_reset_forces_a_change_and_keeps_the_second_factor(
        session, org, admins, make_user, now):
    user = make_user("officer", org["35020301"], locked_until=now + timedelta(minutes=9),
                     failed_logins=3, totp_secret=SECRET)
    record = open_session(session, user, now)
    with pytest.raises(Invalid, match="password"):
        ResetPassword(admins["sysadmin"], user.id, "short").run(session, now=now)
    ResetPassword(admins["sysadmin"], user.id, GOOD).run(session, now=now)
    assert verify_password(user.password_hash, GOOD) and user.locked_until is None
    assert user.must_change_password and user.totp_secret == SECRET
    assert record.end_reason == "password_changed"
    (row,) = audited(session, audit.PASSWORD_RESET)
    assert row.username == "sysadmin1" and '"second_factor_kept":true' in row.detail


@pytest.mark.parametrize("role", ["secadmin", "auditor"])
def test_only_the_system_administrator_resets_passwords_and_disables(
        session, org, admins, make_user, role):
    user = make_user("officer", org["35020301"])
    with pytest.raises(PermissionDenied):
        ResetPassword(admins[role], user.id, GOOD).run(session)
    with pytest.raises(PermissionDenied):
        DisableUser(admins[role], user.id).run(session)
    assert user.is_active and not user.must_change_password


def test_the_security_administrator_resets_a_second_factor(session, org, admins, make_user, now):
    user = make_user("officer", org["35020301"], totp_secret=SECRET, totp_last_step=9)
    record = open_session(session, user, now)
    ResetSecondFactor(admins["secadmin"], user.id).run(session, now=now)
    assert user.totp_secret is None and user.totp_last_step is None
    assert record.end_reason == "second_factor_reset"
    (row,) = audited(session, audit.SECOND_FACTOR_RESET)
    assert row.username == "secadmin1"
    with pytest.raises(Invalid) as refused:  # nothing left to reset
        ResetSecondFactor(admins["secadmin"], user.id).run(session, now=now)
    assert refused.value.key == "admins.error.no_second_factor"


@pytest.mark.parametrize("role", ["sysadmin", "auditor"])
def test_only_the_security_administrator_resets_second_factors(
        session, org, admins, make_user, role):
    user = make_user("officer", org["35020301"], totp_secret=SECRET)
    with pytest.raises(PermissionDenied):
        ResetSecondFactor(admins[role], user.id).run(session)
    assert user.totp_secret == SECRET


def test_disable_and_enable(session, org, admins, make_user, now):
    user = make_user("press", org["350200"])
    record = open_session(session, user, now)
    DisableUser(admins["sysadmin"], user.username).run(session, now=now)
    assert not user.is_active and not user.can_log_in and record.end_reason == "disabled"
    DisableUser(admins["sysadmin"], user.id, active=True).run(session, now=now)
    assert user.can_log_in
    assert [r.action for r in session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        audit.USER_DISABLED, audit.USER_ENABLED]


def test_enabling_an_account_gives_it_no_role(session, org, admins):
    user = create(session, admins["sysadmin"])
    DisableUser(admins["sysadmin"], user.id).run(session)
    DisableUser(admins["sysadmin"], user.id, active=True).run(session)
    assert user.is_active and user.role is None and not user.can_log_in


def test_administrators_cannot_act_on_their_own_accounts(session, org, admins):
    with pytest.raises(Invalid, match="user"):
        DisableUser(admins["sysadmin"], admins["sysadmin"].id).run(session)
    with pytest.raises(Invalid, match="user"):
        ResetPassword(admins["sysadmin"], admins["sysadmin"].id, GOOD).run(session)
    admins["secadmin"].totp_secret = SECRET
    with pytest.raises(Invalid, match="user"):
        ResetSecondFactor(admins["secadmin"], admins["secadmin"].id).run(session)


def test_unknown_users_are_refused(session, org):
    with pytest.raises(Invalid, match="user"):
        DisableUser("t", 424242).run(session)
    with pytest.raises(Invalid, match="user"):
        ResetPassword("t", "nobody", GOOD).run(session)
    with pytest.raises(Invalid, match="user"):
        GrantRole("t", "nobody", "leader", "350200").run(session)


def test_business_roles_and_administrator_roles_partition_the_roles():
    assert business_roles() and administrator_roles()
    assert not business_roles() & administrator_roles()
