"""The permission table: deny by default, each role exactly its grants."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dashboard.auth.permissions import (
    PermissionDenied,
    UnknownPermission,
    actions,
    allowed,
    load_table,
    permissions_of,
    require,
    roles,
)

EXPECTED = {
    "leader": {"view_overview", "view_queue", "view_records", "view_statistics",
               "export_statistics", "view_tasks", "manage_tasks", "work_tasks",
               "fix_rejected_records"},
    "commander": {"view_overview", "view_queue", "view_records", "view_statistics",
                  "export_statistics", "unmask_personal_data", "view_tasks", "manage_tasks",
                  "work_tasks", "fix_rejected_records", "import_unit_files"},
    "officer": {"view_overview", "view_queue", "view_records", "view_statistics",
                "unmask_personal_data", "record_outcome", "view_tasks", "work_tasks"},
    "press": {"view_statistics", "export_statistics"},
    "sysadmin": {"manage_accounts", "manage_units", "manage_settings", "import_files"},
    "secadmin": {"grant_roles", "reset_second_factors", "manage_security_policy"},
    "auditor": {"view_audit"},
}
EXPECTED["leader"] |= {"fix_rejected_records"}
EXPECTED["commander"] |= {"fix_rejected_records"}
ADMINISTRATORS = ("sysadmin", "secadmin", "auditor")
# what each administrator must never do (the three-administrator separation)
NEVER = {
    "sysadmin": {"grant_roles", "reset_second_factors", "manage_security_policy", "view_audit"},
    "secadmin": {"manage_accounts", "view_audit", "manage_units", "manage_settings",
                 "import_files"},
    "auditor": {"manage_accounts", "grant_roles", "reset_second_factors",
                "manage_security_policy", "manage_units", "manage_settings", "import_files"},
}
CITIZEN_DATA = {"view_records", "view_queue", "view_overview", "unmask_personal_data",
                "view_statistics", "export_statistics", "fix_rejected_records", "record_outcome",
                "view_tasks", "manage_tasks", "work_tasks"}


def test_every_role_is_listed_with_a_known_scope():
    assert set(roles()) == set(EXPECTED)
    assert {r.scope for r in roles().values()} <= {"subtree", "city", "system"}
    assert roles()["press"].scope == "city"
    assert {roles()[code].scope for code in ADMINISTRATORS} == {"system"}
    assert {code for code, role in roles().items() if role.is_administrator} == set(ADMINISTRATORS)


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("action", sorted(set().union(*EXPECTED.values())))
def test_each_role_gets_exactly_its_grants(role, action):
    assert allowed(role, action) == (action in EXPECTED[role])


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_everyone_manages_only_their_own_account_beyond_the_table(role):
    assert permissions_of(role) == EXPECTED[role] | {"manage_own_account"}


@pytest.mark.parametrize("action", ["unmask_personal_data", "view_records", "view_queue"])
def test_press_never_sees_records_or_personal_data(action):
    assert not allowed("press", action)


@pytest.mark.parametrize("role", ADMINISTRATORS)
def test_administrators_see_no_citizen_data(role):
    assert not CITIZEN_DATA & permissions_of(role)


@pytest.mark.parametrize("role", ADMINISTRATORS)
def test_each_administrator_holds_none_of_the_others_keys(role):
    assert not NEVER[role] & permissions_of(role)


def test_no_permission_is_held_by_two_administrators():
    held = [permissions_of(role) - {"manage_own_account"} for role in ADMINISTRATORS]
    for i, first in enumerate(held):
        for second in held[i + 1:]:
            assert not first & second


def test_no_business_role_holds_an_administrator_permission():
    administrative = set().union(*(permissions_of(r) for r in ADMINISTRATORS)) - {
        "manage_own_account"}
    for code, role in roles().items():
        if not role.is_administrator:
            assert not administrative & permissions_of(code), code


@pytest.mark.parametrize(("kind", "scope"), [("administrator", "subtree"), ("business", "system"),
                                             ("boss", "subtree")])
def test_a_role_file_that_mixes_kinds_and_scopes_is_refused(tmp_path, kind, scope):
    roles_file = tmp_path / "roles.csv"
    roles_file.write_text("code,name_zh,name_en,kind,scope,totp_required_in_production\n"
                          f"odd,怪,Odd,{kind},{scope},0\n")
    grants = tmp_path / "permissions.csv"
    grants.write_text("role,permission\n")
    with pytest.raises(ValueError, match="odd"):
        load_table(roles_file, grants)


@pytest.mark.parametrize("who", [None, "", "superuser", "Leader"])
def test_unknown_roles_and_anonymous_are_denied(who):
    assert not any(allowed(who, action) for action in actions())


def test_users_are_judged_by_role_and_only_while_active():
    active = SimpleNamespace(role="commander", is_active=True)
    disabled = SimpleNamespace(role="commander", is_active=False)
    anonymous = SimpleNamespace(role="commander", is_active=True, is_anonymous=True)
    assert allowed(active, "manage_tasks")
    assert not allowed(disabled, "manage_tasks")
    assert not allowed(anonymous, "manage_tasks")


def test_a_misspelt_action_is_an_error_not_a_silent_deny():
    with pytest.raises(UnknownPermission):
        allowed("leader", "view_recrods")


def test_require_raises_permission_denied():
    require("auditor", "view_audit")
    with pytest.raises(PermissionDenied) as caught:
        require("press", "view_records")
    assert caught.value.action == "view_records"


def test_a_new_role_without_rows_can_do_nothing(tmp_path):
    roles_file = tmp_path / "roles.csv"
    roles_file.write_text("code,name_zh,name_en,scope,totp_required_in_production\n"
                          "viewer,观察员,Viewer,subtree,0\nleader,局领导,Leader,subtree,0\n")
    grants = tmp_path / "permissions.csv"
    grants.write_text("role,permission\nleader,view_overview\n")
    table = load_table(roles_file, grants)
    assert table.allows("leader", "view_overview")
    assert not table.allows("viewer", "view_overview")


def test_a_grant_to_an_unknown_role_is_refused(tmp_path):
    roles_file = tmp_path / "roles.csv"
    roles_file.write_text("code,name_zh,name_en,scope,totp_required_in_production\n"
                          "leader,局领导,Leader,subtree,0\n")
    grants = tmp_path / "permissions.csv"
    grants.write_text("role,permission\nleadr,view_overview\n")
    with pytest.raises(ValueError, match="leadr"):
        load_table(roles_file, grants)


def test_either_of_two_permissions():
    assert allowed("sysadmin", "import_files|import_unit_files")
    assert allowed("commander", "import_files|import_unit_files")
    assert not allowed("officer", "import_files|import_unit_files")
    assert not allowed("commander", "import_files")
