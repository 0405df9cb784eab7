"""Record ids from the browser: inside the scope they open, outside they are "not found" and
audited; unmasking is for allowed roles in scope only, and audited without the value."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry
from tests.web.dash_requests import find, render_page

UNMASK = ('..{"field":["MATCH"],"type":"warning-value"}.children'
          '...{"field":["MATCH"],"type":"warning-unmask"}.style..')


def denied_objects(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEntry.object).where(
            AuditEntry.action == audit.ACCESS_DENIED).order_by(AuditEntry.id)))


def unmask(client, warning_id, field="phone"):
    button = {"type": "warning-unmask", "field": field}
    body_output = [{"id": {"type": "warning-value", "field": field}, "property": "children"},
                   {"id": button, "property": "style"}]
    response = client.post("/_dash-update-component", json={
        "output": UNMASK, "outputs": body_output,
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
        "state": [{"id": "warning-id", "property": "data", "value": warning_id}],
        "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True)
                           + ".n_clicks"]})
    return response


def test_a_warning_in_scope_opens_masked(fresh_app, fresh_client):
    warning_id = fresh_app.city.warnings["35020301"][0]
    page = render_page(fresh_client("officer"), f"/warnings/{warning_id}")
    text = json.dumps(page, ensure_ascii=False)
    assert find(page, "warning-title") is not None
    assert fresh_app.city.phones[warning_id] not in text
    assert fresh_app.city.accounts[warning_id] not in text
    assert "139****" in text and "6222 **** ****" in text


@pytest.mark.parametrize(("user", "station"), [
    ("officer", "35020302"),      # the neighbouring station of the same county
    ("commander", "35020501"),    # another county
    ("commander2", "35020301"),
])
def test_a_warning_outside_the_scope_is_not_found_and_audited(fresh_app, fresh_client, engine,
                                                              user, station):
    warning_id = fresh_app.city.warnings[station][0]
    page = render_page(fresh_client(user), f"/warnings/{warning_id}")
    assert find(page, "access-not-found") is not None and find(page, "warning-title") is None
    assert denied_objects(engine) == [f"warning:{warning_id}"]


@pytest.mark.parametrize("bad_id", ["999999", "13912345678", "abc", "-1"])
def test_ids_that_name_nothing_are_not_found(fresh_client, engine, bad_id):
    page = render_page(fresh_client("commander"), f"/warnings/{bad_id}")
    assert find(page, "access-not-found") is not None
    assert "13912345678" not in " ".join(denied_objects(engine))


def test_unmasking_in_scope_shows_the_value_and_audits_the_id_only(fresh_app, fresh_client, engine):
    warning_id = fresh_app.city.warnings["35020301"][1]
    response = unmask(fresh_client("commander"), warning_id)
    assert response.status_code == 200
    shown = response.get_json()["response"]
    assert fresh_app.city.phones[warning_id] in json.dumps(shown)
    with Session(engine) as session:
        row = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.UNMASK))
        assert (row.username, row.object, row.detail) == ("commander", f"warning:{warning_id}",
                                                          '{"field":"phone"}')


def test_unmasking_outside_the_scope_reveals_nothing(fresh_app, fresh_client, engine):
    warning_id = fresh_app.city.warnings["35020301"][0]
    response = unmask(fresh_client("commander2"), warning_id, "bank_account")
    assert response.status_code == 200
    assert fresh_app.city.accounts[warning_id] not in response.get_data(as_text=True)
    assert denied_objects(engine) == [f"warning:{warning_id}"]


@pytest.mark.parametrize("role", ["leader", "press", "sysadmin", "secadmin", "auditor"])
def test_roles_without_the_permission_cannot_unmask(fresh_app, fresh_client, role):
    warning_id = fresh_app.city.warnings["35020301"][0]
    response = unmask(fresh_client(role), warning_id)
    assert response.status_code == 403
    assert fresh_app.city.phones[warning_id] not in response.get_data(as_text=True)


def test_leader_sees_the_record_but_no_unmask_button(fresh_app, fresh_client):
    warning_id = fresh_app.city.warnings["35020501"][0]
    page = render_page(fresh_client("leader"), f"/warnings/{warning_id}")
    assert find(page, "warning-title") is not None
    assert "warning-unmask" not in json.dumps(page)


def test_a_drill_down_outside_the_scope_sees_nothing(fresh_app, fresh_client, engine):
    from flask_login import login_user

    from dashboard.domain import User
    from dashboard.web.access import current_scope, scope_within
    from dashboard.web.database import request_session
    from dashboard.web.login import SignedInUser

    with fresh_app.test_request_context("/"):
        user = request_session().scalar(select(User).where(User.username == "commander"))
        login_user(SignedInUser(user, "t"), force=True)
        assert scope_within("35020301").unit_path == "350200/350203/35020301"
        assert scope_within(None) == current_scope()
        assert scope_within("350205").is_empty and scope_within("nowhere").is_empty
        assert scope_within("13912345678").is_empty and scope_within("a b/c").is_empty
    assert denied_objects(engine) == [f"unit:{fresh_app.city.units['350205']}", "unit-code:nowhere",
                                      "unit-code:invalid", "unit-code:invalid"]
