"""The task pages over the web: board, task page, new-task form, navbar badge; scope on the server."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.tasks import IssueTask
from dashboard.components.figure_template import layout_template
from dashboard.domain import Task, User
from tests.web.conftest import NOW, engine_url
from tests.web.dash_requests import find, post_callback, render_page


def _issue(engine, by="commander", to=("35020301",), kind="report_request", priority="normal"):
    with Session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == by))
        [task] = IssueTask(user, kind, priority, "报送本周劝阻台账", target_units=list(to),
                           instructions="请于今日报送").run(session, NOW)
        return task.id


def _text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


def _act(client, task_id, step, version, note=None, **values):
    states = {"task-page-id": task_id, "task-page-version": version, "task-page-note": note,
              "task-page-reached": values.get("reached"), "task-page-loss": values.get("loss"),
              "task-page-people": values.get("people"),
              "task-page-reassign-target": values.get("reassign"),
              "task-page-split-targets": values.get("split")}
    props = {"task-page-id": "data", "task-page-version": "data"}
    return post_callback(
        client, "..task-page-body.children...task-page-message.children..",
        inputs=[[{"id": {"type": "task-page-action", "step": step}, "property": "n_clicks",
                  "value": 1}]],
        state=[{"id": key, "property": props.get(key, "value"), "value": value}
               for key, value in states.items()],
        changed=[json.dumps({"step": step, "type": "task-page-action"},
                            separators=(",", ":")) + ".n_clicks"])


def test_the_board_lists_inbox_and_outbox(fresh_client, engine, fresh_app):
    task_id = _issue(engine)
    commander = fresh_client("commander")
    page = render_page(commander, "/tasks")
    assert find(page, "tasks-board-new") is not None
    answer = post_callback(commander, "..tasks-board-rows.children...tasks-board-map.figure..", inputs=[
        {"id": "tasks-board-box", "property": "value", "value": "outbox"},
        {"id": "tasks-board-status", "property": "value", "value": "open"},
        {"id": "tasks-board-kind", "property": "value", "value": None},
        {"id": "tasks-board-priority", "property": "value", "value": None},
        {"id": "tasks-board-flag", "property": "value", "value": None},
        {"id": "tasks-board-interval", "property": "n_intervals", "value": None},
        {"id": "tasks-board-changed", "property": "data", "value": 0}])
    assert answer.status_code == 200
    rows = answer.get_json()["response"]["tasks-board-rows"]["children"]
    assert find(rows, f"tasks-board-row-{task_id}") is not None
    officer = fresh_client("officer")
    assert find(render_page(officer, "/tasks"), "tasks-board-new") is None  # no manage_tasks


def test_the_board_map_is_a_dict_figure_with_open_and_red_units(fresh_app, monkeypatch):
    from dashboard.pages import tasks_board  # importable once an app has registered its pages

    square = lambda x: [[[x, 24.4], [x + 0.1, 24.4], [x + 0.1, 24.5], [x, 24.4]]]  # noqa: E731
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i, "geometry": {"type": "Polygon", "coordinates": square(118.0 + i / 10)}}
        for i in (1, 2)]}
    values = pd.DataFrame({"unit_id": [1, 2], "name_zh": ["思明分局", "湖里分局"], "name_en": ["Siming", "Huli"],
                           "centroid_lon": [118.05, 118.15], "centroid_lat": [24.45, 24.45],
                           "value": [5, 2], "overdue": [2, 0], "escalated": [1, 0]})
    monkeypatch.setattr(tasks_board, "precincts", lambda *_: shapes)
    monkeypatch.setattr(tasks_board, "open_by_precinct", lambda *_: values)
    scope = SimpleNamespace(level="city", unit_id=1)
    figure = tasks_board._map(None, scope, NOW, "en")
    assert isinstance(figure, dict) and json.dumps(figure, allow_nan=False)
    go.Figure(figure)  # plotly's own validation
    choropleth, red = figure["data"]
    assert (choropleth["zmin"], choropleth["zmax"]) == (0, 5)
    assert red["type"] == "scattermap" and red["lon"] == [118.05]
    assert red["customdata"] == [["Siming", 2, 1]] and red["marker"]["size"] == [13]
    assert figure["layout"]["template"] is layout_template()


def test_the_task_page_offers_only_this_users_steps(fresh_client, engine):
    task_id = _issue(engine)
    officer_page = render_page(fresh_client("officer"), f"/task/{task_id}")
    buttons = _text(find(officer_page, "task-page-buttons"))
    assert '"step": "acknowledge"' in buttons and '"step": "cancel"' not in buttons
    commander_page = render_page(fresh_client("commander"), f"/task/{task_id}")
    buttons = _text(find(commander_page, "task-page-buttons"))
    assert '"step": "cancel"' in buttons and '"step": "acknowledge"' not in buttons
    # another county's commander: not found, and audited
    other = render_page(fresh_client("commander2"), f"/task/{task_id}")
    assert find(other, "access-not-found") is not None


def test_acknowledge_then_a_stale_cancel_is_refused(fresh_client, engine):
    task_id = _issue(engine)
    officer, commander = fresh_client("officer"), fresh_client("commander")
    answer = _act(officer, task_id, "acknowledge", 1)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:400]
    assert "task-page-done" in answer.get_data(as_text=True)
    stale = _act(commander, task_id, "cancel", 1)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 200 and "task-page-refused" in body
    assert "officer" in body or "\\u5df2\\u88ab" in body or "已被" in body
    with Session(engine) as session:
        task = session.get(Task, task_id)
        assert task.status == "acknowledged" and task.version == 2


def test_a_step_not_allowed_is_refused_on_the_server(fresh_client, engine):
    task_id = _issue(engine)
    answer = _act(fresh_client("commander"), task_id, "acknowledge", 1)
    assert answer.status_code == 200 and "task-page-refused" in answer.get_data(as_text=True)
    press = _act(fresh_client("press"), task_id, "acknowledge", 1)
    assert press.status_code == 403
    with Session(engine) as session:
        assert session.get(Task, task_id).status == "assigned"


def _issue_form(client, targets, title="辖区反诈宣传", kind="publicity"):
    states = {"task-new-kind": kind, "task-new-priority": "normal", "task-new-title-input": title,
              "task-new-instructions": "进社区宣讲", "task-new-targets": targets,
              "task-new-assignee": None, "task-new-deadline-date": None,
              "task-new-deadline-time": None, "task-new-warning": None, "task-new-case": None}
    props = {"task-new-deadline-date": "date"}
    return post_callback(client, "..task-new-message.children...task-new-redirect.href..",
                         inputs=[{"id": "task-new-submit", "property": "n_clicks", "value": 1}],
                         state=[{"id": key, "property": props.get(key, "value"), "value": value}
                                for key, value in states.items()])


def test_the_form_offers_units_below_and_preselects_the_target(fresh_client):
    leader = fresh_client("leader")
    page = render_page(leader, "/tasks/new", "?target=350203")
    targets = find(page, "task-new-targets")["props"]
    assert targets["value"] == ["350203"]
    assert {o["value"] for o in targets["options"]} == {
        "350203", "35020301", "35020302", "350205", "35020501"}
    commander = render_page(fresh_client("commander"), "/tasks/new", "?target=350205")
    assert find(commander, "task-new-targets")["props"]["value"] == []  # not below 350203


def test_the_form_issues_to_several_units(fresh_client, engine):
    answer = _issue_form(fresh_client("leader"), ["350203", "350205"])
    assert answer.status_code == 200, answer.get_data(as_text=True)[:400]
    assert answer.get_json()["response"]["task-new-redirect"]["href"] == "/tasks?box=outbox"
    refused = _issue_form(fresh_client("commander"), ["35020501"])
    assert "task-new-refused" in refused.get_data(as_text=True)
    with Session(engine) as session:
        assert len(session.scalars(select(Task)).all()) == 2


def test_the_navbar_badge_counts_tasks_waiting(fresh_client, engine):
    _issue(engine)
    _issue(engine)
    answer = post_callback(fresh_client("officer"),
                           "..shell-tasks-badge.children...shell-tasks-badge.color..",
                           inputs=[{"id": "shell-tasks-interval", "property": "n_intervals",
                                    "value": 1}])
    assert answer.get_json()["response"]["shell-tasks-badge"] == {"children": "2",
                                                                   "color": "danger"}
    assert engine_url(engine)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_step_button_has_its_own_confirmation(lang):
    from dashboard.i18n import translate
    from dashboard.pages._task_parts import BUTTON_COLORS

    messages = {step: translate(f"tasks.step.done.{step}", lang) for step in BUTTON_COLORS}
    assert len(set(messages.values())) == len(messages)  # each says what was done, not a shared "Done"
