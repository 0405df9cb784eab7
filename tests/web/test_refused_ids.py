"""Every refused request for a record or a unit writes an ``access_denied`` row naming what was
tried, and the auditor finds it in the object column of the audit page.

Two kinds of refusal: the role may not do it at all (the page's or callback's
permission), or the record or unit lies outside the user's scope (or does
not exist: the same answer).  Both name the record (``warning:1234``), the
unit (``unit:<id>``, ``unit-code:<code>`` for a code that names none) or,
for text that is not an id, the marker ``<kind>:invalid``.  The walks below
take the record callbacks and record pages from the app itself, so that a new
one that does not say which record it acts on fails here.
"""

from __future__ import annotations

import inspect
import json
import re
from types import SimpleNamespace

import dash
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.commands.tasks import IssueTask
from dashboard.components.wall import STEP
from dashboard.domain import AuditEntry, RejectedRecord, User
from tests.web.conftest import NOW
from tests.web.dash_requests import find, post_callback, render_page, split_output

AUDIT = ("..audit-table.children...audit-summary.children...audit-page.max_value"
         "...audit-page.active_page..")
PHONE = "13912345678"
RECORD_PARAMETERS = {"warning_id", "task_id", "case_id", "record_id"}
NOTHING = 987654  # an id that names no record
OBJECT_COLUMN = 4  # of the audit page's table (dashboard.pages.audit_log.COLUMNS)


@pytest.fixture
def foreign(fresh_app, engine):
    """Records and a unit of sub-bureau 350205, outside commander's (350203) scope, and a
    warning of station 35020302, outside officer's (35020301)."""
    city = fresh_app.city
    with Session(engine) as session, session.begin():
        commander2 = session.scalar(select(User).where(User.username == "commander2"))
        [task] = IssueTask(commander2, "report_request", "normal", "报送本周劝阻台账",
                           target_units=["35020501"]).run(session, NOW)
        rejected = RejectedRecord(kind="warnings", source="test", batch="b1", position=0,
                                  received_at=NOW, payload=json.dumps({"person": {"phone": PHONE}}),
                                  errors="[]", unit_id=city.units["35020501"], status="open")
        session.add(rejected)
        session.flush()
        ids = {"task": task.id, "rejected": rejected.id}
    return SimpleNamespace(warning=city.warnings["35020501"][0],
                           officer_warning=city.warnings["35020302"][0],
                           unit=city.units["350205"], **ids)


def denied_objects(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEntry.object).where(
            AuditEntry.action == audit.ACCESS_DENIED, AuditEntry.outcome == audit.DENIED)
            .order_by(AuditEntry.id)))


def audit_page_objects(fresh_client) -> list[str]:
    """The object column of the auditor's page, filtered to refusals."""
    auditor = fresh_client("auditor")
    response = post_callback(auditor, AUDIT, [
        {"id": "audit-user", "property": "value", "value": None},
        {"id": "audit-action", "property": "value", "value": audit.ACCESS_DENIED},
        {"id": "audit-dates", "property": "start_date", "value": None},
        {"id": "audit-dates", "property": "end_date", "value": None},
        {"id": "audit-page", "property": "active_page", "value": 1}], changed=["audit-action.value"])
    assert response.status_code == 200
    rows = find(response.get_json()["response"]["audit-table"]["children"], "audit-rows")
    return [row["props"]["children"][OBJECT_COLUMN]["props"]["children"]
            for row in rows["props"]["children"]]


def assert_recorded(engine, fresh_client, expected: str) -> None:
    assert expected in denied_objects(engine)
    assert PHONE not in " ".join(denied_objects(engine))
    assert expected in audit_page_objects(fresh_client)


# --- callbacks ------------------------------------------------------------------------------

def record_callbacks(app) -> dict[str, tuple[str, dict]]:
    """Every callback that declares the record it acts on: name -> (output, its callback entry)."""
    out = {}
    for output, entry in app.extensions["dash"].callback_map.items():
        func = entry.get("callback")
        if getattr(func, "record_inputs", ()):
            out[f"{func.__module__}.{func.__name__}"] = (output, entry)
    return out


def _spec_id(spec):
    raw = spec["id"]
    return json.loads(raw) if isinstance(raw, str) and raw.startswith("{") else raw


def callback_request(entry: dict, output: str, values: dict, changed: list) -> dict:
    """A body for ``entry``: ``values`` by ``component.property`` (a pattern component's whole
    item, or list of items), ``n_clicks`` 1 and everything else None by default."""
    def item(spec):
        key = f"{spec['id']}.{spec['property']}"
        if isinstance(_spec_id(spec), dict):
            return values.get(key, [])
        default = 1 if spec["property"] == "n_clicks" else None
        return {"id": spec["id"], "property": spec["property"], "value": values.get(key, default)}

    outputs = split_output(output)
    return {"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": [item(s) for s in entry["inputs"]], "state": [item(s) for s in entry["state"]],
            "changedPropIds": changed}


def fire(client, name: str, values: dict, changed: list):
    output, entry = record_callbacks(client.application)[name]
    return client.post("/_dash-update-component",
                       json=callback_request(entry, output, values, changed))


def pattern(component: dict, prop: str = "n_clicks", many: bool = True):
    """The item (``many``: a list of one) of a pattern-matching component, and its changed id."""
    item = {"id": component, "property": prop, "value": 1}
    changed = json.dumps(component, separators=(",", ":"), sort_keys=True) + f".{prop}"
    return ([item] if many else item), changed


def _match_key(component_type: str, **wild) -> str:
    keys = {"type": component_type, **{k: ["ALL"] for k in wild}}
    return json.dumps(keys, separators=(",", ":"), sort_keys=True)


def callback_case(name: str, record_id) -> tuple[dict, list]:
    """Values and changed ids that take callback ``name`` as far as looking ``record_id`` up."""
    if name == "dashboard.pages.warning.show_clear_value":
        button = {"type": "warning-unmask", "field": "phone"}
        item, changed = pattern(button, many=False)
        key = json.dumps({"field": ["MATCH"], "type": "warning-unmask"}, separators=(",", ":"))
        return {f"{key}.n_clicks": item, "warning-id.data": record_id}, [changed]
    if name == "dashboard.pages.task.take_step":
        items, changed = pattern({"type": "task-page-action", "step": "cancel"})
        return {f"{_match_key('task-page-action', step=1)}.n_clicks": items,
                "task-page-id.data": record_id}, [changed]
    if name == "dashboard.pages.tasks_board.confirm_proposal":
        items, changed = pattern({"type": "tasks-board-confirm", "warning": record_id})
        return {f"{_match_key('tasks-board-confirm', warning=1)}.n_clicks": items}, [changed]
    return {
        "dashboard.pages.warning.record_attempt": {"warning-id.data": record_id},
        "dashboard.pages.warning.confirm_visit": {"warning-id.data": record_id},
        "dashboard.pages.task_new.issue": {
            "task-new-kind.value": "other", "task-new-priority.value": "normal",
            "task-new-title-input.value": "核查", "task-new-targets.value": ["35020301"],
            "task-new-warning.value": record_id},
        "dashboard.pages.admin_rejected.show_payload": {"rejected-pick.value": record_id},
        "dashboard.pages.admin_rejected.unmask_options": {"rejected-pick.value": record_id},
        "dashboard.pages.admin_rejected.show_clear_value": {
            "rejected-pick.value": record_id, "rejected-unmask-field.value": "person.phone"},
        "dashboard.pages.admin_rejected.act": {"rejected-pick.value": record_id,
                                               "rejected-replay.n_clicks": None},
    }[name], [{"dashboard.pages.admin_rejected.act": "rejected-discard.n_clicks",
               "dashboard.pages.admin_rejected.show_clear_value": "rejected-unmask.n_clicks",
               }.get(name, "x.n_clicks")]


# callback -> (a user who may fire it, the foreign record's kind, its attribute of ``foreign``)
IN_SCOPE_OF_NOBODY_HERE = {
    "dashboard.pages.warning.record_attempt": ("officer", "warning", "officer_warning"),
    "dashboard.pages.warning.confirm_visit": ("commander", "warning", "warning"),
    "dashboard.pages.warning.show_clear_value": ("commander", "warning", "warning"),
    "dashboard.pages.task.take_step": ("commander", "task", "task"),
    "dashboard.pages.tasks_board.confirm_proposal": ("commander", "warning", "warning"),
    "dashboard.pages.task_new.issue": ("commander", "warning", "warning"),
    "dashboard.pages.admin_rejected.show_payload": ("commander", "rejected", "rejected"),
    "dashboard.pages.admin_rejected.unmask_options": ("commander", "rejected", "rejected"),
    "dashboard.pages.admin_rejected.show_clear_value": ("commander", "rejected", "rejected"),
    "dashboard.pages.admin_rejected.act": ("commander", "rejected", "rejected"),
}


def test_every_callback_that_takes_a_record_id_says_where_and_is_walked_here(app):
    callbacks = app.extensions["dash"].callback_map.values()
    for entry in callbacks:
        func = entry.get("callback")
        if func is None:
            continue
        takes = RECORD_PARAMETERS & set(inspect.signature(func).parameters)
        assert not takes or getattr(func, "record_inputs", ()), (
            f"{func.__module__}.{func.__name__} takes {takes} but declares no record=")
    assert set(record_callbacks(app)) == set(IN_SCOPE_OF_NOBODY_HERE)


def test_every_record_page_names_its_record_in_its_address():
    record_pages = [p for p in dash.page_registry.values() if p.get("path_template")]
    assert record_pages
    for page in record_pages:
        assert re.search(r"<\w+_id>", page["path_template"]), page["path_template"]


@pytest.mark.parametrize("name", sorted(IN_SCOPE_OF_NOBODY_HERE))
def test_a_record_callback_outside_the_scope_records_the_id_tried(fresh_client, engine, foreign,
                                                                  name):
    user, kind, attribute = IN_SCOPE_OF_NOBODY_HERE[name]
    record_id = getattr(foreign, attribute)
    response = fire(fresh_client(user), name, *callback_case(name, record_id))
    assert response.status_code in (200, 204, 404), (name, response.status_code)
    assert PHONE not in response.get_data(as_text=True)
    assert_recorded(engine, fresh_client, f"{kind}:{record_id}")


@pytest.mark.parametrize("name", sorted(IN_SCOPE_OF_NOBODY_HERE))
@pytest.mark.parametrize(("tried", "named"), [(NOTHING, str(NOTHING)), (PHONE, "invalid")])
def test_a_record_callback_refused_to_the_role_records_the_id_tried(fresh_client, engine, name,
                                                                    tried, named):
    _user, kind, _attribute = IN_SCOPE_OF_NOBODY_HERE[name]
    response = fire(fresh_client("auditor"), name, *callback_case(name, tried))
    assert response.status_code == 403
    assert_recorded(engine, fresh_client, f"{kind}:{named}")
    with Session(engine) as session:  # which callback it was stays in the detail
        row = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.ACCESS_DENIED)
                             .order_by(AuditEntry.id.desc()))
    assert json.loads(row.detail)["callback"] == record_callbacks(fresh_client().application)[name][0]


# --- pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("user", "kind", "attribute", "status"), [
    ("commander", "warning", "warning", 404),   # outside the scope
    ("press", "warning", "warning", 403),       # a role that sees no records
    ("commander", "task", "task", 404),
    ("auditor", "task", "task", 403),
])
@pytest.mark.parametrize("how", ["load", "router"])
def test_a_record_page_refused_records_the_id_tried(fresh_client, engine, foreign, user, kind,
                                                    attribute, status, how):
    client = fresh_client(user)
    record_id = getattr(foreign, attribute)
    path = {"warning": "/warnings/{}", "task": "/task/{}"}[kind].format(record_id)
    if how == "load":
        assert client.get(path).status_code == status
    else:
        element = "access-denied" if status == 403 else "access-not-found"
        assert find(render_page(client, path), element) is not None
    assert_recorded(engine, fresh_client, f"{kind}:{record_id}")


@pytest.mark.parametrize("tried", [PHONE, "abc", "-1", "1 OR 1=1", "<script>"])
def test_a_record_page_asked_for_with_text_records_the_marker(fresh_client, engine, tried):
    assert fresh_client("commander").get(f"/warnings/{tried}").status_code == 404
    assert fresh_client("press").get(f"/warnings/{tried}").status_code == 403
    assert denied_objects(engine) == ["warning:invalid", "warning:invalid"]
    assert "warning:invalid" in audit_page_objects(fresh_client)


# --- units ----------------------------------------------------------------------------------

def _unit_tried(client, how: str, code: str):
    if how == "stats_api":
        return client.get(f"/api/v1/stats?unit={code}&from=2026-10-01&to=2026-10-31")
    if how == "overview_page":
        return render_page(client, "/", f"?unit={code}")
    if how == "queue":
        return post_callback(client, "..queue-rows.children...queue-summary.children"
                             "...queue-pages.max_value...queue-pages.active_page..", [
            {"id": "queue-risk", "property": "value", "value": None},
            {"id": "queue-type", "property": "value", "value": None},
            {"id": "queue-status", "property": "value", "value": None},
            {"id": "queue-unit", "property": "value", "value": code},
            {"id": "queue-sort", "property": "data", "value": None},
            {"id": "queue-pages", "property": "active_page", "value": 1},
            {"id": "queue-tick", "property": "n_intervals", "value": None}])
    if how == "overview_live":
        return post_callback(client, "..overview-live-counters.children...overview-live-hourly.figure..",
                             [{"id": "overview-live-tick", "property": "n_intervals", "value": 1},
                              {"id": "overview-state", "property": "data", "value": {"unit": code}}])
    if how == "wall":
        return post_callback(client, ".." + "...".join(f"{i}.{p}" for i, p in STEP) + "..",
                             [{"id": "wall-tick", "property": "n_intervals", "value": 1}],
                             [{"id": "wall-config", "property": "data", "value": {
                                 "units": [code], "views": ["overview"], "seconds": 30,
                                 "period": {"period": "today"}}}])
    assert how == "assignee"
    return post_callback(client, "..task-new-assignee.options...task-new-assignee.value..",
                         [{"id": "task-new-targets", "property": "value", "value": [code]}])


@pytest.mark.parametrize("how", ["stats_api", "overview_page", "queue", "overview_live", "wall",
                                 "assignee"])
@pytest.mark.parametrize("code", ["350205", "350299", PHONE])
def test_a_unit_outside_the_scope_records_the_unit_tried(fresh_app, fresh_client, engine, how,
                                                         code):
    response = _unit_tried(fresh_client("commander"), how, code)
    if not isinstance(response, dict | list):  # a response, not a page's layout
        assert response.status_code in (200, 204, 400), response.status_code
    expected = {"350205": f"unit:{fresh_app.city.units['350205']}", "350299": "unit-code:350299",
                PHONE: "unit-code:invalid"}[code]
    assert_recorded(engine, fresh_client, expected)


def test_shapes_of_a_unit_outside_the_scope_record_its_id(fresh_app, fresh_client, engine):
    unit = fresh_app.city.units["350205"]
    commander = fresh_client("commander")
    assert commander.get(f"/geo/{unit}/station.geojson").status_code == 404
    assert commander.get(f"/geo/{NOTHING}/station.geojson").status_code == 404
    assert denied_objects(engine) == [f"unit:{unit}", f"unit:{NOTHING}"]
    assert {f"unit:{unit}", f"unit:{NOTHING}"} <= set(audit_page_objects(fresh_client))
