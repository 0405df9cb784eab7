"""The queue, the warning page's form and the playbook admin page through the Flask client.

Over the small writable city of ``tests/web/conftest.py``: two warnings at
each of the stations 35020301, 35020302 (county 350203) and 35020501
(county 350205).  The officer works at 35020301, the commander at 350203.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry, Dissuasion, DissuasionPlaybook, Warning
from tests.web.dash_requests import find, post_callback, render_page

QUEUE = ("..queue-rows.children...queue-summary.children...queue-pages.max_value"
         "...queue-pages.active_page..")
RECORD = "..warning-body.children...warning-message.children.."
PLAYBOOK = ("..playbooks-zh.value...playbooks-en.value...playbooks-version.data"
            "...playbooks-info.children...playbooks-message.children..")
FORM = ("outcome-method", "outcome-result", "outcome-note", "outcome-outcome",
        "outcome-loss-avoided", "outcome-loss")


def queue(client, risk=None, fraud_type=None, status=None, unit=None, sort=None, page=1):
    values = [("queue-risk", "value", risk), ("queue-type", "value", fraud_type),
              ("queue-status", "value", status), ("queue-unit", "value", unit),
              ("queue-sort", "data", sort), ("queue-pages", "active_page", page),
              ("queue-tick", "n_intervals", None)]
    return post_callback(client, QUEUE, [{"id": i, "property": p, "value": v} for i, p, v in values])


def listed(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = json.dumps(response.get_json()["response"]["queue-rows"]["children"])
    return sorted(int(n) for n in __import__("re").findall(r'"queue-row-(\d+)"', text))


def record(client, warning_id, version, **fields):
    state = [{"id": "warning-id", "property": "data", "value": warning_id},
             {"id": "outcome-version", "property": "data", "value": version}]
    state += [{"id": name, "property": "value",
               "value": fields.get(name.removeprefix("outcome-").replace("-", "_"))}
              for name in FORM]
    return post_callback(client, RECORD, [{"id": "outcome-submit", "property": "n_clicks",
                                           "value": 1}], state)


def test_press_opens_none_of_these_pages_and_fires_none_of_their_callbacks(fresh_app, fresh_client):
    client = fresh_client("press")
    warning_id = fresh_app.city.warnings["35020301"][0]
    for path in ("/queue", f"/warnings/{warning_id}", "/admin/playbooks"):
        page = render_page(client, path)
        assert find(page, "access-denied") is not None, path
    assert queue(client).status_code == 403
    assert record(client, warning_id, 1, method="phone", result="hung_up").status_code == 403
    confirm = post_callback(client, "warning-tasks.children",
                            [{"id": "warning-confirm-visit", "property": "n_clicks", "value": 1}],
                            [{"id": "warning-id", "property": "data", "value": warning_id}])
    assert confirm.status_code == 403
    with Session(fresh_app.extensions["database"].engine) as session:
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 0


def test_each_role_sees_the_queue_of_its_own_subtree(fresh_app, fresh_client):
    warnings = fresh_app.city.warnings
    assert listed(queue(fresh_client("officer"))) == sorted(warnings["35020301"])
    county = sorted(warnings["35020301"] + warnings["35020302"])
    assert listed(queue(fresh_client("commander"))) == county
    assert listed(queue(fresh_client("commander"), unit="35020302")) == sorted(warnings["35020302"])
    assert len(listed(queue(fresh_client("leader")))) == 6


def test_a_unit_outside_the_scope_shows_nothing_and_is_audited(fresh_app, fresh_client):
    assert listed(queue(fresh_client("commander"), unit="35020501")) == []
    with Session(fresh_app.extensions["database"].engine) as session:
        assert session.scalar(select(AuditEntry.object).where(
            AuditEntry.action == audit.ACCESS_DENIED)) == f"unit:{fresh_app.city.units['35020501']}"


def test_filter_values_are_checked_on_the_server(fresh_app, fresh_client):
    client = fresh_client("commander")
    everything = listed(queue(client))
    assert listed(queue(client, risk=["high"])) == everything  # the city's warnings are high risk
    assert listed(queue(client, risk=["low"])) == []
    # codes the lists do not know are dropped, never passed to SQL or trusted
    assert listed(queue(client, risk=["x' OR 1=1 --"], status=["closed"])) == everything
    assert listed(queue(client, fraud_type={"a": 1}, sort={"key": "no_such", "desc": 1})) == everything


def test_the_officer_records_an_attempt_and_a_stale_form_is_refused(fresh_app, fresh_client,
                                                                    engine):
    officer = fresh_client("officer")
    warning_id = fresh_app.city.warnings["35020301"][0]
    page = render_page(officer, f"/warnings/{warning_id}")
    assert find(page, "outcome-form") is not None and find(page, "warning-playbook") is not None
    response = record(officer, warning_id, 1, method="phone", result="hung_up", note="挂断")
    assert response.status_code == 200
    body = json.dumps(response.get_json()["response"], ensure_ascii=False)
    assert "outcome-recorded" in body and "挂断" in body
    refused = record(officer, warning_id, 1, method="door_visit", result="dissuaded",
                     outcome="dissuaded_no_loss", loss_avoided="50000")
    text = json.dumps(refused.get_json()["response"], ensure_ascii=False)
    assert "outcome-changed" in text and "已被" in text
    bad = record(officer, warning_id, 2, method="door_visit", result="dissuaded",
                 outcome="dissuaded_no_loss", loss_avoided="-3")
    assert "避免损失（元）：" in json.dumps(bad.get_json()["response"], ensure_ascii=False)
    with Session(engine) as session:
        warning = session.get(Warning, warning_id)
        assert (warning.status, warning.version) == ("in_progress", 2)
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 1


def test_the_commander_sees_no_form_and_cannot_record(fresh_app, fresh_client):
    commander = fresh_client("commander")
    warning_id = fresh_app.city.warnings["35020301"][0]
    page = render_page(commander, f"/warnings/{warning_id}")
    assert find(page, "warning-title") is not None and find(page, "outcome-form") is None
    assert record(commander, warning_id, 1, method="phone", result="hung_up").status_code == 403


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_an_admin_edits_a_playbook_and_it_is_audited(fresh_app, fresh_client, engine, lang):
    admin = fresh_client("sysadmin")
    admin.set_cookie("lang", lang)
    page = render_page(admin, "/admin/playbooks")
    assert find(page, "playbooks-type") is not None

    def save(version, zh, en):
        inputs = [{"id": "playbooks-type", "property": "value", "value": "investment"},
                  {"id": "playbooks-save", "property": "n_clicks", "value": 1}]
        state = [{"id": "playbooks-version", "property": "data", "value": version},
                 {"id": "playbooks-zh", "property": "value", "value": zh},
                 {"id": "playbooks-en", "property": "value", "value": en}]
        response = post_callback(admin, PLAYBOOK, inputs, state,
                                 changed=["playbooks-save.n_clicks"])
        assert response.status_code == 200
        return json.dumps(response.get_json()["response"], ensure_ascii=False)

    assert "playbooks-saved" in save(1, "先说结论：这是诈骗。\n\n  停止转账 ", "It is a scam.\nStop.")
    assert "playbooks-changed" in save(1, "旧版本", "old version")
    assert "playbooks-refused" in save(2, "   ", "Still here")
    with Session(engine) as session:
        playbook = session.get(DissuasionPlaybook, "investment")
        assert playbook.talking_points_zh == "先说结论：这是诈骗。\n停止转账"
        assert playbook.version == 2
        assert session.scalar(select(AuditEntry.object).where(
            AuditEntry.action == audit.PLAYBOOK_CHANGED)) == "playbook:investment"


def test_unreachable_puts_a_door_visit_before_the_commander(fresh_app, fresh_client, engine):
    from dashboard.domain import Task

    warning_id = fresh_app.city.warnings["35020301"][1]
    done = record(fresh_client("officer"), warning_id, 1, method="phone", result="no_answer",
                  outcome="unreachable")
    text = json.dumps(done.get_json()["response"], ensure_ascii=False)
    assert "已向分局指挥员提出上门劝阻建议" in text
    commander = fresh_client("commander")
    page = render_page(commander, f"/warnings/{warning_id}")
    assert find(page, "warning-proposal") is not None
    confirmed = post_callback(commander, "warning-tasks.children",
                              [{"id": "warning-confirm-visit", "property": "n_clicks", "value": 1}],
                              [{"id": "warning-id", "property": "data", "value": warning_id}])
    assert confirmed.status_code == 200
    assert "warning-visit-issued" in json.dumps(confirmed.get_json()["response"])
    with Session(engine) as session:
        task = session.scalar(select(Task).where(Task.warning_id == warning_id))
        assert (task.kind, task.priority, task.status) == ("door_visit", "high", "assigned")
        assert task.target_unit_id == fresh_app.city.units["35020301"]
    # the proposal is gone once the door visit is issued
    assert find(render_page(commander, f"/warnings/{warning_id}"), "warning-proposal") is None
