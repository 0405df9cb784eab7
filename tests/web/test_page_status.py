"""A full page load answers at the HTTP level what the app decided: 403 for a page the role may
not open, 404 for a record outside the user's scope (or no record at all), 200 for the rest;
each refusal written to the audit log once, and shown translated."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry
from dashboard.i18n import translate
from tests.web.dash_requests import find, render_page
from tests.web.test_records import denied_objects
from tests.web.test_task_pages import _issue

NOT_IDS = ["abc", "0", "-1", "1.5", "99999999", str(2**40), "1x", "%E4%B8%80", "%20", "1/2", "..%2F1"]


def denied_count(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == audit.ACCESS_DENIED))


def shown(response) -> str:
    return response.get_data(as_text=True)


def test_a_warning_in_scope_loads_and_audits_nothing(fresh_app, fresh_client, engine):
    warning_id = fresh_app.city.warnings["35020301"][0]
    response = fresh_client("officer").get(f"/warnings/{warning_id}")
    assert response.status_code == 200 and 'id="_dash-config"' in shown(response)
    assert denied_count(engine) == 0


@pytest.mark.parametrize(("user", "station"), [
    ("officer", "35020302"), ("commander", "35020501"), ("commander2", "35020301")])
def test_a_warning_outside_the_scope_is_a_404_audited_once(fresh_app, fresh_client, engine,
                                                          user, station):
    warning_id = fresh_app.city.warnings[station][0]
    response = fresh_client(user).get(f"/warnings/{warning_id}")
    assert response.status_code == 404
    assert 'id="access-not-found"' in shown(response) and "_dash-config" not in shown(response)
    assert translate("access.not_found.title", "zh-CN") in shown(response)
    assert denied_objects(engine) == [f"warning:{warning_id}"]


@pytest.mark.parametrize("bad_id", NOT_IDS)
def test_an_id_that_names_no_record_is_a_404(fresh_client, engine, bad_id):
    client = fresh_client("commander")
    for page in ("warnings", "task"):
        response = client.get(f"/{page}/{bad_id}")
        assert response.status_code == 404, (page, bad_id, response.status_code)
    assert denied_count(engine) == 2


def test_the_query_decides_as_the_router_does(fresh_app, fresh_client, engine):
    """Dash hands the layout the query's values over the path's: so does the HTTP check."""
    mine, other = fresh_app.city.warnings["35020301"][0], fresh_app.city.warnings["35020501"][0]
    client = fresh_client("officer")
    assert client.get(f"/warnings/{mine}?warning_id={other}").status_code == 404
    assert find(render_page(client, f"/warnings/{mine}", f"?warning_id={other}"),
                "access-not-found") is not None
    assert client.get(f"/warnings/{other}?warning_id={mine}").status_code == 200


def test_a_task_page_is_a_404_outside_the_scope_and_a_200_inside(fresh_client, engine):
    task_id = _issue(engine, to=("35020301",))
    assert fresh_client("officer").get(f"/task/{task_id}").status_code == 200
    assert denied_count(engine) == 0
    response = fresh_client("commander2").get(f"/task/{task_id}")
    assert response.status_code == 404 and denied_objects(engine) == [f"task:{task_id}"]


@pytest.mark.parametrize(("user", "path", "template", "named"), [
    ("press", "/warnings/{warning}", "/warnings/<warning_id>", "warning:{warning}"),
    ("officer", "/admin/users", "/admin/users", "page:/admin/users"),
    ("sysadmin", "/queue", "/queue", "page:/queue"),
    ("secadmin", "/admin/users", "/admin/users", "page:/admin/users"),
    ("sysadmin", "/admin/roles", "/admin/roles", "page:/admin/roles"),
    ("auditor", "/admin/policy", "/admin/policy", "page:/admin/policy"),
    ("auditor", "/task/{warning}", "/task/<task_id>", "task:{warning}"),
])
def test_a_page_the_role_may_not_open_is_a_403_audited_once_in_its_language(
        fresh_app, fresh_client, engine, user, path, template, named):
    client = fresh_client(user)
    warning = fresh_app.city.warnings["35020301"][0]
    url, named = path.format(warning=warning), named.format(warning=warning)
    response = client.get(url)
    assert response.status_code == 403 and 'id="access-denied"' in shown(response)
    assert translate("access.denied.title", "zh-CN") in shown(response)
    # a record page names the id tried (not looked up), the page's address stays in the detail
    assert denied_objects(engine) == [named]
    with Session(engine) as session:
        detail = session.scalar(select(AuditEntry.detail).where(
            AuditEntry.action == audit.ACCESS_DENIED))
    assert json.loads(detail)["page"] == template
    client.set_cookie("lang", "en")
    english = client.get(url)
    assert english.status_code == 403 and translate("access.denied.text", "en") in shown(english)
    assert denied_objects(engine) == [named] * 2


def test_a_refused_page_asked_for_as_json_answers_json(fresh_app, fresh_client):
    client = fresh_client("press")
    response = client.get("/admin/users", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json() == {"error": translate("access.denied.title", "zh-CN")}
