"""The security administrator's policy: bounds checked before anything is written, audited,
and laid over the deployment's settings wherever a rule reads them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, administrator_roles
from dashboard.auth.policy import parse_choice, policy_items, policy_settings
from dashboard.commands.errors import Invalid
from dashboard.commands.set_security_policy import SetSecurityPolicy
from dashboard.domain import AuditEntry, SecurityPolicyValue

DEFAULTS = {"PASSWORD_MIN_LENGTH": 12, "SESSION_IDLE_MINUTES": 30, "TOTP_REQUIRED_ROLES": None}


@pytest.fixture
def secadmin(make_user):
    return make_user("secadmin", username="secadmin1")


def test_every_policy_setting_is_a_documented_setting():
    from dashboard.settings import SETTINGS_BY_NAME

    assert set(policy_items()) <= set(SETTINGS_BY_NAME)


def test_a_choice_is_stored_audited_and_laid_over_the_settings(session, secadmin, now):
    changed = SetSecurityPolicy(secadmin, {"PASSWORD_MIN_LENGTH": " 16 ",
                                           "SESSION_IDLE_MINUTES": ""}).run(session, now=now)
    assert changed == {"PASSWORD_MIN_LENGTH": "16"}
    merged = policy_settings(session, DEFAULTS)
    assert merged["PASSWORD_MIN_LENGTH"] == 16 and merged["SESSION_IDLE_MINUTES"] == 30
    (row,) = session.scalars(select(AuditEntry).where(
        AuditEntry.action == audit.POLICY_CHANGED)).all()
    assert row.username == "secadmin1" and '"from":null,"to":"16"' in row.detail
    SetSecurityPolicy(secadmin, {"PASSWORD_MIN_LENGTH": ""}).run(session, now=now)
    assert policy_settings(session, DEFAULTS)["PASSWORD_MIN_LENGTH"] == 12
    assert session.scalar(select(SecurityPolicyValue)) is None


def test_an_unchanged_choice_writes_nothing(session, secadmin, now):
    SetSecurityPolicy(secadmin, {"LOGIN_MAX_FAILURES": "5"}).run(session, now=now)
    assert SetSecurityPolicy(secadmin, {"LOGIN_MAX_FAILURES": "5"}).run(session, now=now) == {}
    assert len(session.scalars(select(AuditEntry)).all()) == 1


@pytest.mark.parametrize(("name", "text"), [
    ("PASSWORD_MIN_LENGTH", "7"), ("PASSWORD_MIN_LENGTH", "65"), ("PASSWORD_MIN_LENGTH", "-12"),
    ("PASSWORD_MIN_LENGTH", "12.5"), ("PASSWORD_MIN_LENGTH", "１２"), ("PASSWORD_MIN_LENGTH", "1e3"),
    ("PASSWORD_MIN_LENGTH", "9" * 40), ("SESSION_ABSOLUTE_HOURS", "0"),
    ("SESSION_ABSOLUTE_HOURS", "25"), ("LOGIN_MAX_FAILURES", "twelve"),
    ("TOTP_REQUIRED_ROLES", "leader"), ("TOTP_REQUIRED_ROLES", "sysadmin,secadmin,auditor,boss"),
    ("TOTP_REQUIRED_ROLES", "sysadmin,secadmin"),
])
def test_values_outside_the_bounds_are_refused_naming_the_setting(session, secadmin, name, text):
    with pytest.raises(Invalid) as refused:
        SetSecurityPolicy(secadmin, {"LOGIN_LOCK_MINUTES": "30", name: text}).run(session)
    assert refused.value.field == name and refused.value.params["setting"] == name
    assert session.scalar(select(SecurityPolicyValue)) is None  # nothing half-written


def test_an_unknown_setting_is_refused(session, secadmin):
    with pytest.raises(Invalid) as refused:
        SetSecurityPolicy(secadmin, {"SECRET_KEY": "x"}).run(session)
    assert refused.value.key == "policy.error.unknown_setting"


def test_roles_are_stored_in_file_order_and_always_keep_the_administrators():
    everyone = ",".join(sorted(administrator_roles()))
    assert parse_choice("TOTP_REQUIRED_ROLES", f"press, {everyone}, press").split(",")[-1] != "press"
    stored = parse_choice("TOTP_REQUIRED_ROLES", f"press,{everyone}")
    assert set(stored.split(",")) == administrator_roles() | {"press"}


@pytest.mark.parametrize("role", ["sysadmin", "auditor", "leader"])
def test_only_the_security_administrator_sets_the_policy(session, make_user, org, role):
    actor = make_user(role, org["350200"] if role == "leader" else None)
    with pytest.raises(PermissionDenied):
        SetSecurityPolicy(actor, {"PASSWORD_MIN_LENGTH": "16"}).run(session)
