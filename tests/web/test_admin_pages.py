"""The users page (admins) and the audit log page (auditors), through their callbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry, User
from tests.conftest import login
from tests.web.conftest import PASSWORD
from tests.web.dash_requests import find, post_callback, render_page

CHANGE = ("..users-feedback.children...users-table.children...users-new-password.value"
          "...users-edit-password.value...users-edit-user.options..")
AUDIT = "..audit-table.children...audit-summary.children...audit-page.max_value.."
BUTTONS = ("users-create", "users-save-role", "users-reset", "users-disable", "users-enable")
FIELDS = ("users-new-username", "users-new-display-name", "users-new-role", "users-new-unit",
          "users-new-password", "users-edit-user", "users-edit-role", "users-edit-unit",
          "users-edit-password")


def press(client, button: str, **fields):
    inputs = [{"id": b, "property": "n_clicks", "value": 1 if b == button else None}
              for b in BUTTONS]
    state = [{"id": f, "property": "value", "value": fields.get(f.removeprefix("users-")
                                                               .replace("-", "_"))}
             for f in FIELDS]
    response = post_callback(client, CHANGE, inputs, state, changed=[f"{button}.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def alert(result) -> tuple[str, str]:
    feedback = result["users-feedback"]["children"]
    return feedback["props"]["id"], feedback["props"]["children"]


def user_id(engine, username: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(User.id).where(User.username == username))


@pytest.fixture
def admin(fresh_client):
    return fresh_client("admin")


def test_the_page_lists_every_user(admin):
    table = find(render_page(admin, "/admin/users"), "users-table-rows")
    assert table is not None and "users-row-commander2" in str(table)


def test_create_user_then_they_log_in(admin, fresh_client, engine):
    result = press(admin, "users-create", new_username="Officer2", new_display_name="新民警",
                   new_role="officer", new_unit="35020302", new_password="Gulangyu-ferry-0592")
    assert alert(result)[0] == "users-done"
    assert result["users-new-password"]["value"] == ""
    assert fresh_client("officer2", "Gulangyu-ferry-0592")
    with Session(engine) as session:
        created = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.USER_CREATED,
                                                          AuditEntry.username == "admin"))
        assert created is not None and "Gulangyu" not in (created.detail or "")


@pytest.mark.parametrize(("fields", "named"), [
    ({"new_username": "leader"}, "用户名"),
    ({"new_username": "x!"}, "用户名"),
    ({"new_role": "chief"}, "角色"),
    ({"new_role": "officer", "new_unit": None}, "单位"),
    ({"new_role": "officer", "new_unit": "350203"}, "单位"),
    ({"new_role": "admin", "new_unit": "350203"}, "单位"),
    ({"new_password": "password1234"}, "密码"),
    ({"new_password": "short"}, "密码"),
])
def test_invalid_fields_are_named(admin, fields, named):
    values = {"new_username": "newcomer", "new_display_name": "新人", "new_role": "officer",
              "new_unit": "35020301", "new_password": "Gulangyu-ferry-0592", **fields}
    kind, message = alert(press(admin, "users-create", **values))
    assert kind == "users-invalid" and message.startswith(named), message


def test_disable_ends_the_users_sessions(admin, fresh_client, engine):
    officer = fresh_client("officer")
    assert alert(press(admin, "users-disable", edit_user=user_id(engine, "officer")))[0] == "users-done"
    assert officer.get("/_dash-layout").status_code == 401
    assert press(admin, "users-enable", edit_user=user_id(engine, "officer"))
    assert fresh_client("officer")


def test_an_admin_cannot_disable_or_demote_themselves(admin, engine):
    me = user_id(engine, "admin")
    assert alert(press(admin, "users-disable", edit_user=me))[0] == "users-invalid"
    assert alert(press(admin, "users-save-role", edit_user=me, edit_role="press",
                       edit_unit="350200"))[0] == "users-invalid"


def test_reset_password_applies_the_policy_and_ends_sessions(admin, fresh_client, engine):
    officer = fresh_client("officer")
    target = user_id(engine, "officer")
    kind, message = alert(press(admin, "users-reset", edit_user=target, edit_password="123456789012"))
    assert kind == "users-invalid" and message.startswith("密码")
    assert officer.get("/_dash-layout").status_code == 200
    result = press(admin, "users-reset", edit_user=target, edit_password="Huandao-road-2026")
    assert alert(result)[0] == "users-done" and result["users-edit-password"]["value"] == ""
    assert officer.get("/_dash-layout").status_code == 401
    assert login(fresh_client(), "officer", PASSWORD).status_code == 200  # the old one: refused
    assert fresh_client("officer", "Huandao-road-2026")


def test_set_role_and_unit_changes_scope_at_next_login(admin, fresh_client, engine):
    commander = fresh_client("commander")
    result = press(admin, "users-save-role", edit_user=user_id(engine, "commander"),
                   edit_role="officer", edit_unit="35020501")
    assert alert(result)[0] == "users-done"
    assert commander.get("/_dash-layout").status_code == 401
    with Session(engine) as session:
        changed = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.ROLE_CHANGED))
        assert '"to":{"role":"officer","unit":"35020501"}' in changed.detail


def test_the_audit_log_filters_and_pages(fresh_client):
    for _ in range(3):
        fresh_client("officer")
    auditor = fresh_client("auditor")
    assert find(render_page(auditor, "/audit"), "audit-title") is not None

    def entries(**values):
        inputs = [{"id": "audit-user", "property": "value", "value": values.get("user")},
                  {"id": "audit-action", "property": "value", "value": values.get("action")},
                  {"id": "audit-dates", "property": "start_date", "value": values.get("start")},
                  {"id": "audit-dates", "property": "end_date", "value": values.get("end")},
                  {"id": "audit-page", "property": "active_page", "value": values.get("page")}]
        response = post_callback(auditor, AUDIT, inputs)
        assert response.status_code == 200
        out = response.get_json()["response"]
        rows = find(out["audit-table"]["children"], "audit-rows")["props"]["children"]
        return rows, out["audit-page"]["max_value"]

    rows, _pages = entries(user="officer", action=audit.LOGIN)
    assert len(rows) == 3
    assert entries(user="officer", action=audit.LOGIN, start="2026-11-23")[0] == []
    assert len(entries(user="officer", start="2026-11-22", end="2026-11-22")[0]) == 3
    assert entries(action="no-such-action")[1] >= 1


def test_the_audit_log_is_for_auditors_only(fresh_client):
    for role in ("admin", "leader", "commander", "officer", "press"):
        client = fresh_client(role)
        assert find(render_page(client, "/audit"), "access-denied") is not None
        response = post_callback(client, AUDIT, [
            {"id": "audit-user", "property": "value", "value": None},
            {"id": "audit-action", "property": "value", "value": None},
            {"id": "audit-dates", "property": "start_date", "value": None},
            {"id": "audit-dates", "property": "end_date", "value": None},
            {"id": "audit-page", "property": "active_page", "value": 1}])
        assert response.status_code == 403
