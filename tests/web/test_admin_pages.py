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
AUDIT = ("..audit-table.children...audit-summary.children...audit-page.max_value"
         "...audit-page.active_page..")
BUTTONS = ("users-create", "users-reset", "users-disable", "users-enable")
FIELDS = ("users-new-username", "users-new-display-name", "users-new-password",
          "users-edit-user", "users-edit-password")
GRANT = ("..roles-feedback.children@{}...roles-table.children@{}...roles-user.options..")
NEW_PASSWORD = "Gulangyu-ferry-0592"


def press(client, button: str, **fields):
    inputs = [{"id": b, "property": "n_clicks", "value": 1 if b == button else None}
              for b in BUTTONS]
    state = [{"id": f, "property": "value", "value": fields.get(f.removeprefix("users-")
                                                               .replace("-", "_"))}
             for f in FIELDS]
    response = post_callback(client, CHANGE, inputs, state, changed=[f"{button}.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def grant_output(client) -> str:
    """The grant callback's output id, with the hashes Dash gives duplicate outputs."""
    for dependency in client.get("/_dash-dependencies").get_json():
        if "roles-user.options" in dependency["output"]:
            return dependency["output"]
    raise AssertionError("no grant callback")


def grant(client, button: str, user, role=None, unit=None):
    inputs = [{"id": b, "property": "n_clicks", "value": 1 if b == button else None}
              for b in ("roles-grant", "roles-revoke")]
    state = [{"id": "roles-user", "property": "value", "value": user},
             {"id": "roles-role", "property": "value", "value": role},
             {"id": "roles-unit", "property": "value", "value": unit}]
    response = post_callback(client, grant_output(client), inputs, state,
                             changed=[f"{button}.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    feedback = response.get_json()["response"]["roles-feedback"]["children"]
    return feedback["props"]["id"], feedback["props"]["children"]


def alert(result) -> tuple[str, str]:
    feedback = result["users-feedback"]["children"]
    return feedback["props"]["id"], feedback["props"]["children"]


def user_id(engine, username: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(User.id).where(User.username == username))


def change_forced_password(client, password: str):
    """The last step of a login whose password someone else chose."""
    token = client.get_cookie("_csrf_token").value
    return client.post("/login/password", data={"csrf_token": token, "password": password,
                                                "repeated_password": password})


@pytest.fixture
def sysadmin(fresh_client):
    return fresh_client("sysadmin")


@pytest.fixture
def secadmin(fresh_client):
    return fresh_client("secadmin")


def test_the_page_lists_every_account_with_who_created_it(sysadmin):
    table = find(render_page(sysadmin, "/admin/users"), "users-table-rows")
    assert table is not None and "users-row-commander2" in str(table)
    assert "test:sysadmin" in str(table) and "test:secadmin" in str(table)


def test_an_account_needs_two_people_before_it_logs_in(sysadmin, secadmin, fresh_client, engine):
    result = press(sysadmin, "users-create", new_username="Officer2", new_display_name="新民警",
                   new_password=NEW_PASSWORD)
    assert alert(result)[0] == "users-done"
    assert result["users-new-password"]["value"] == ""
    assert login(fresh_client(), "officer2", NEW_PASSWORD).status_code == 200  # no role: refused
    kind, _ = grant(secadmin, "roles-grant", user_id(engine, "officer2"), "officer", "35020302")
    assert kind == "roles-done"
    newcomer = fresh_client()
    assert login(newcomer, "officer2", NEW_PASSWORD).headers["Location"] == "/login/password"
    assert newcomer.get("/_dash-layout").status_code == 401  # not logged in before the change
    answer = change_forced_password(newcomer, "Huli-hill-2026-06")
    assert answer.status_code == 302 and newcomer.get("/_dash-layout").status_code == 200
    with Session(engine) as session:
        created = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.USER_CREATED,
                                                          AuditEntry.username == "sysadmin"))
        granted = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.ROLE_GRANTED,
                                                          AuditEntry.username == "secadmin"))
        assert created is not None and "Gulangyu" not in (created.detail or "")
        assert '"to":{"role":"officer","unit":"35020302"}' in granted.detail


@pytest.mark.parametrize(("fields", "named"), [
    ({"new_username": "leader"}, "用户名"),
    ({"new_username": "x!"}, "用户名"),
    ({"new_display_name": "13912345678"}, "姓名"),
    ({"new_password": "password1234"}, "密码"),
    ({"new_password": "short"}, "密码"),
])
def test_invalid_fields_are_named(sysadmin, fields, named):
    values = {"new_username": "newcomer", "new_display_name": "新人",
              "new_password": NEW_PASSWORD, **fields}
    kind, message = alert(press(sysadmin, "users-create", **values))
    assert kind == "users-invalid" and message.startswith(named), message


@pytest.mark.parametrize(("fields", "named"), [
    ({"role": "officer", "unit": None}, "单位"),
    ({"role": "officer", "unit": "350203"}, "单位"),
    ({"role": "sysadmin", "unit": None}, "角色"),
    ({"role": None, "unit": "350203"}, "角色"),
])
def test_grant_refusals_are_named(sysadmin, secadmin, engine, fields, named):
    press(sysadmin, "users-create", new_username="newcomer", new_password=NEW_PASSWORD)
    kind, message = grant(secadmin, "roles-grant", user_id(engine, "newcomer"), **fields)
    assert kind == "roles-invalid" and message.startswith(named), message


@pytest.mark.parametrize("target", ["sysadmin", "auditor", "secadmin"])
def test_administrators_accounts_get_no_business_role(secadmin, engine, target):
    kind, message = grant(secadmin, "roles-grant", user_id(engine, target), "leader", "350200")
    assert kind == "roles-invalid" and message.startswith("用户"), message


def test_disable_ends_the_users_sessions(sysadmin, fresh_client, engine):
    officer = fresh_client("officer")
    assert alert(press(sysadmin, "users-disable", edit_user=user_id(engine, "officer")))[0] == "users-done"
    assert officer.get("/_dash-layout").status_code == 401
    assert press(sysadmin, "users-enable", edit_user=user_id(engine, "officer"))
    assert fresh_client("officer")


def test_administrators_cannot_disable_or_reset_themselves(sysadmin, engine):
    me = user_id(engine, "sysadmin")
    assert alert(press(sysadmin, "users-disable", edit_user=me))[0] == "users-invalid"
    assert alert(press(sysadmin, "users-reset", edit_user=me,
                       edit_password=NEW_PASSWORD))[0] == "users-invalid"


def test_reset_password_applies_the_policy_ends_sessions_and_forces_a_change(
        sysadmin, fresh_client, engine):
    officer = fresh_client("officer")
    target = user_id(engine, "officer")
    kind, message = alert(press(sysadmin, "users-reset", edit_user=target,
                                edit_password="123456789012"))
    assert kind == "users-invalid" and message.startswith("密码")
    assert officer.get("/_dash-layout").status_code == 200
    result = press(sysadmin, "users-reset", edit_user=target, edit_password="Huandao-road-2026")
    assert alert(result)[0] == "users-done" and result["users-edit-password"]["value"] == ""
    assert officer.get("/_dash-layout").status_code == 401
    assert login(fresh_client(), "officer", PASSWORD).status_code == 200  # the old one: refused
    again = fresh_client()
    assert login(again, "officer", "Huandao-road-2026").headers["Location"] == "/login/password"
    refused = change_forced_password(again, "Huandao-road-2026")  # the reset one again: refused
    assert refused.status_code == 200 and "password-error" in refused.get_data(as_text=True)
    assert change_forced_password(again, "Xinglin-bay-2026-07").status_code == 302


def test_granting_another_role_changes_scope_at_next_login(secadmin, fresh_client, engine):
    commander = fresh_client("commander")
    kind, _ = grant(secadmin, "roles-grant", user_id(engine, "commander"), "officer", "35020501")
    assert kind == "roles-done"
    assert commander.get("/_dash-layout").status_code == 401
    with Session(engine) as session:
        changed = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.ROLE_GRANTED,
                                                          AuditEntry.username == "secadmin"))
        assert '"to":{"role":"officer","unit":"35020501"}' in changed.detail


def test_revoking_a_role_logs_the_account_out_for_good(secadmin, fresh_client, engine):
    press_officer = fresh_client("press")
    kind, _ = grant(secadmin, "roles-revoke", user_id(engine, "press"))
    assert kind == "roles-done"
    assert press_officer.get("/_dash-layout").status_code == 401
    assert login(fresh_client(), "press", PASSWORD).status_code == 200  # refused: no role


def test_a_changed_policy_applies_to_the_next_password(secadmin, sysadmin, engine):
    body = {"output": "policy-feedback.children",
            "outputs": {"id": "policy-feedback", "property": "children"},
            "inputs": [{"id": "policy-save", "property": "n_clicks", "value": 1}],
            "state": [
                [{"id": {"type": "policy-value", "name": "PASSWORD_MIN_LENGTH"},
                  "property": "value", "value": "20"}],
                [{"id": {"type": "policy-value", "name": "PASSWORD_MIN_LENGTH"},
                  "property": "id", "value": {"type": "policy-value",
                                              "name": "PASSWORD_MIN_LENGTH"}}]],
            "changedPropIds": ["policy-save.n_clicks"]}
    response = secadmin.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    assert response.get_json()["response"]["policy-feedback"]["children"]["props"]["id"] == (
        "policy-done")
    kind, message = alert(press(sysadmin, "users-create", new_username="newcomer",
                                new_password="Gulangyu-ferry-05"))  # 17 characters
    assert kind == "users-invalid" and "20" in message
    assert sysadmin.post("/_dash-update-component", json=body).status_code == 403


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
    response = post_callback(auditor, AUDIT, [  # an action that is not one: a message, not every entry
        {"id": "audit-user", "property": "value", "value": None},
        {"id": "audit-action", "property": "value", "value": "no-such-action"},
        {"id": "audit-dates", "property": "start_date", "value": None},
        {"id": "audit-dates", "property": "end_date", "value": None},
        {"id": "audit-page", "property": "active_page", "value": 1}])
    assert response.status_code == 200
    assert "audit-refused" in response.get_data(as_text=True)


def test_the_audit_log_is_for_auditors_only(fresh_client):
    for role in ("sysadmin", "secadmin", "leader", "commander", "officer", "press"):
        client = fresh_client(role)
        assert find(render_page(client, "/audit"), "access-denied") is not None
        response = post_callback(client, AUDIT, [
            {"id": "audit-user", "property": "value", "value": None},
            {"id": "audit-action", "property": "value", "value": None},
            {"id": "audit-dates", "property": "start_date", "value": None},
            {"id": "audit-dates", "property": "end_date", "value": None},
            {"id": "audit-page", "property": "active_page", "value": 1}])
        assert response.status_code == 403


def test_a_user_changes_their_own_password_and_their_other_sessions_end(fresh_client):
    other_device = fresh_client("officer")
    officer = fresh_client("officer")
    page = officer.get("/account/password")
    assert page.status_code == 200 and "password-current" in page.get_data(as_text=True)
    token = officer.get_cookie("_csrf_token").value

    def change(current, new):
        return officer.post("/account/password", data={
            "csrf_token": token, "current_password": current, "password": new,
            "repeated_password": new}).get_data(as_text=True)

    assert "password-error" in change("not-my-password", "Xiamen-harbour-2026")
    assert "password-done" in change(PASSWORD, "Xiamen-harbour-2026")
    assert officer.get("/_dash-layout").status_code == 200  # this session stays
    assert other_device.get("/_dash-layout").status_code == 401
    assert login(fresh_client(), "officer", PASSWORD).status_code == 200  # refused now
    assert fresh_client("officer", "Xiamen-harbour-2026")


def test_the_password_page_needs_a_login(fresh_client):
    assert fresh_client().get("/account/password").status_code == 302
