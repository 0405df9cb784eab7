"""Every Dash callback, sent junk in every input and state: never a 5xx, never a traceback.

Anyone signed in can call any callback with any JSON values.  For each
business role (``data/roles.csv``, kind ``business``) signed in to the small
``city`` (``tests/web/conftest.py``) with its citizen records
(``tests/web/citizen_records.py``), every callback the role may fire (the
route walk's permission table, ``tests/web/test_route_walk.py``) is called
once per input and state and per junk value: that one value junk, the
others what the role's pages draw (``baseline``), the junk input the trigger
(for a state, the first input).  Every value of ``junk`` is sent to a
callback by the first role (in ``BUSINESS`` order) that may fire it; a later
role sends it only the values whose answer depends on who asks
(``scope_junk``: a unit and a warning outside some scopes), since the other
values are refused by the same parsers whoever is signed in.  On PostgreSQL
the one role walking sends every value to every callback it may fire.  The answer may be a 200 (a message, or
nothing changed), a 204, or a 400 / 403 / 404 naming the problem; never a
5xx, and its body never holds a Python traceback.
"""

from __future__ import annotations

import json

import dash
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import business_roles
from dashboard.domain import OrgUnit, Warning
from dashboard.i18n import t
from dashboard.web.language import LANG_COOKIE
from tests.web.citizen_records import add_citizen_records, probes
from tests.web.dash_requests import ROUTER_OUTPUT, post_callback, render_page, split_output
from tests.web.test_route_walk import declared_callback_permission, may

BUSINESS = sorted(business_roles())
POSTGRESQL_ROLE = "officer"  # the role whose junk walk also runs on PostgreSQL
COUNTS = {"n_clicks", "n_intervals", "n_submit", "active_page"}
DATES = {"start_date": "2026-11-01", "end_date": "2026-11-22", "date": "2026-11-22"}
OUT_OF_SCOPE_UNIT = "350206"  # a code the city does not hold (and no role's scope)
TRACEBACK = ("Traceback (most recent call last)", 'File "/', "Error:", "Exception:")


def junk(foreign_warning: int) -> list:
    """Values no renderer sends: wrong types, bounds, markup, paths, control characters."""
    return [None, 0, -1, 10**20, "", "x" * 5000, "\x00", "2026-13-45", [], [1, "a"], {"a": 1},
            True, "../../etc", "<script>", OUT_OF_SCOPE_UNIT, foreign_warning, -0.5, "1e400",
            {"points": [{"customdata": [None, {}, [1]]}]}, {"points": "x"}]


def scope_junk(foreign_warning: int) -> list:
    """The junk values whose answer depends on the signed-in user's scope."""
    return [OUT_OF_SCOPE_UNIT, foreign_warning]


def first_role(permission: str | None) -> str | None:
    """The first business role that may fire a callback guarded by ``permission``."""
    return next((role for role in BUSINESS if may(role, permission)), None)


def _concrete(component_id, value="walk"):
    if isinstance(component_id, str) and component_id.startswith("{"):
        component_id = json.loads(component_id)
    if isinstance(component_id, dict):
        return {k: value if isinstance(v, list) else v for k, v in component_id.items()}
    return component_id


def _prop_id(component_id, prop: str) -> str:
    if isinstance(component_id, dict):
        component_id = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return f"{component_id}.{prop}"


def drawn_values(client) -> dict[tuple[str, str], object]:
    """(component id, property) -> value, for every component of every page the client opens."""
    found: dict[tuple[str, str], object] = {}

    def collect(component):
        if isinstance(component, dict):
            props = component.get("props", {})
            if isinstance(props.get("id"), str):
                for prop, value in props.items():
                    found.setdefault((props["id"], prop), value)
            for value in props.values():
                collect(value)
        elif isinstance(component, list):
            for item in component:
                collect(item)

    collect(client.get("/_dash-layout").get_json())
    for page in dash.page_registry.values():
        path = (page.get("path_template") or page["path"]).replace("<task_id>", "1") \
            .replace("<warning_id>", "1")
        collect(render_page(client, path))
    return found


def baseline(spec: dict, drawn: dict):
    prop = spec["property"]
    if prop in COUNTS:
        return 1
    if prop in DATES:
        return DATES[prop]
    return drawn.get((spec["id"], prop))


class Caller:
    """Bodies for one callback: every slot at its baseline, one slot junk and the trigger."""

    def __init__(self, dependency: dict, drawn: dict) -> None:
        self.dependency = dependency
        self.slots = [("inputs", i, spec) for i, spec in enumerate(dependency["inputs"])] + \
            [("state", i, spec) for i, spec in enumerate(dependency["state"])]
        self.drawn = drawn

    def item(self, spec: dict, value, wildcard="walk"):
        one = {"id": _concrete(spec["id"], wildcard), "property": spec["property"], "value": value}
        return [one] if isinstance(spec["id"], str) and '["ALL' in spec["id"] else one

    def body(self, field: str, index: int, value, in_id: bool = False) -> dict:
        """Slot ``index`` of ``field`` junk: its value, or (``in_id``) its id's wildcards."""
        dependency, junk_at = self.dependency, (field, index)
        sent = {kind: [self.item(spec, baseline(spec, self.drawn), value) if in_id and
                       (kind, i) == junk_at else self.item(spec, value) if (kind, i) == junk_at
                       else self.item(spec, baseline(spec, self.drawn))
                       for i, spec in enumerate(dependency[kind])] for kind in ("inputs", "state")}
        fired = sent["inputs"][index if field == "inputs" else 0]
        fired = fired[0] if isinstance(fired, list) else fired
        outputs = split_output(dependency["output"])
        return {"output": dependency["output"],
                "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
                **sent, "changedPropIds": [_prop_id(fired["id"], fired["property"])]}

    def bodies(self, values: list):
        """(what is junk, body) for each slot and value, and each value in each pattern id."""
        for field, index, spec in self.slots:
            where = f"{field}[{index}] {spec['id']}.{spec['property']}"
            for value in values:
                yield f"{where}={value!r:.40}", self.body(field, index, value)
                if isinstance(spec["id"], str) and spec["id"].startswith("{"):
                    yield f"{where} id={value!r:.40}", self.body(field, index, value, in_id=True)


def callbacks_for(client, role: str) -> list[dict]:
    """The ``_dash-dependencies`` entries of the server callbacks ``role`` may fire."""
    callback_map = client.application.extensions["dash"].callback_map
    return [d for d in client.get("/_dash-dependencies").get_json()
            if d["clientside_function"] is None and d["output"] != ROUTER_OUTPUT
            and may(role, declared_callback_permission(callback_map[d["output"]]))]


def foreign_warning(engine) -> int:
    """A real warning of a station that the commander of 350203 (and its officer) do not see."""
    with Session(engine) as session:
        return session.scalar(select(Warning.id).join(OrgUnit, Warning.station_id == OrgUnit.id)
                              .where(OrgUnit.code == "35020501").order_by(Warning.id))


def problems(client, role: str, values: list, scoped: list | None = None) -> tuple[int, int, list[str]]:
    """(callbacks walked, requests sent, answers that broke the rule); ``scoped``: the values for
    callbacks an earlier role walks with every value (None: every value to every callback)."""
    drawn = drawn_values(client)
    callback_map = client.application.extensions["dash"].callback_map
    walked, sent, found = 0, 0, []
    for dependency in callbacks_for(client, role):
        walked += 1
        permission = declared_callback_permission(callback_map[dependency["output"]])
        sending = values if scoped is None or first_role(permission) == role else scoped
        for junk_at, body in Caller(dependency, drawn).bodies(sending):
            response = client.post("/_dash-update-component", json=body)
            sent += 1
            text = response.get_data(as_text=True)
            if response.status_code >= 500 or any(mark in text for mark in TRACEBACK):
                found.append(f"{dependency['output']} {junk_at}: {response.status_code}")
    return walked, sent, found


@pytest.fixture
def records(city, engine):
    add_citizen_records(engine)
    return probes(engine)


@pytest.fixture
def no_rendering(monkeypatch):
    """Export jobs the walk starts make a small file, not charts in Chromium: the walk is about
    the callbacks' answers, and the renderer would only cost minutes (tests/statistics has it)."""
    from dashboard.statistics.exports import ExportFile

    monkeypatch.setattr("dashboard.web.statistics.export_file",
                        lambda publication, fmt, lang, headlines, **_: ExportFile("walk.txt", "text/plain",
                                                                                  b"walk"))


@pytest.mark.parametrize("role", BUSINESS)
def test_junk_in_any_callback_input_is_never_a_server_error(fresh_client, engine, records, role,
                                                            no_rendering):
    if engine.dialect.name == "postgresql" and role != POSTGRESQL_ROLE:
        pytest.skip("the junk walk runs on PostgreSQL for one role: the parsers and guards it "
                    "tests are the same on either database (every role walks on SQLite)")
    client = fresh_client(role)
    foreign = foreign_warning(engine)
    scoped = None if engine.dialect.name == "postgresql" else scope_junk(foreign)
    walked, sent, found = problems(client, role, junk(foreign), scoped)
    assert walked == len(callbacks_for(client, role)) > 0  # the walk reached every callback of the role
    assert sent >= walked * len(scope_junk(foreign)), sent
    assert not found, f"{len(found)} of {sent}:\n" + "\n".join(found[:60])


NAVIGATE = "funds-url.search"
NAVIGATE_INPUTS = [{"id": "funds-period", "property": "value", "value": "month"},
                   {"id": "funds-dates", "property": "start_date", "value": None},
                   {"id": "funds-dates", "property": "end_date", "value": None},
                   {"id": "funds-ranking", "property": "clickData", "value": None}]


@pytest.mark.parametrize(("lang", "sent", "field", "reason", "params"), [
    ("zh-CN", ("state", 0, -1), "funds-state.data", "request.reason.not_query", {}),
    ("en", ("state", 0, "x" * 5000), "funds-state.data", "request.reason.not_query", {}),
    ("en", ("inputs", 0, [1, "a"]), "funds-period.value", "request.reason.not_text", {}),
    ("zh-CN", ("inputs", 1, "2026-13-45"), "funds-dates.start_date", "request.reason.not_date", {}),
    ("en", ("inputs", 3, "x"), "funds-ranking.clickData", "request.reason.not_object", {}),
])
def test_a_value_that_cannot_be_read_is_a_400_naming_the_input_and_the_reason(
        fresh_client, lang, sent, field, reason, params):
    client = fresh_client("leader")
    client.set_cookie(LANG_COOKIE, lang)
    inputs = [dict(item) for item in NAVIGATE_INPUTS]
    stored = [{"id": "funds-state", "property": "data", "value": {"period": "month"}}]
    state = [dict(item) for item in stored]
    where, index, value = sent
    (inputs if where == "inputs" else state)[index]["value"] = value
    good = post_callback(client, NAVIGATE, NAVIGATE_INPUTS, stored)
    assert good.status_code == 200, good.get_data(as_text=True)[:300]
    answer = post_callback(client, NAVIGATE, inputs, state,
                           changed=[f"{inputs[index if where == 'inputs' else 0]['id']}.value"])
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    body = answer.get_json()
    assert body["field"] == field
    assert body["error"] == t("request.refused", lang, field=field, reason=t(reason, lang, **params))
    assert t(reason, "en") != t(reason, "zh-CN") != reason  # both catalogues say it


def test_a_state_junk_value_names_the_stored_view(fresh_client):
    """The parsers run for callbacks without a page module's own @requires too (the overview)."""
    client = fresh_client("commander")

    answer = post_callback(client, "..overview-live-counters.children...overview-live-hourly.figure..",
                           [{"id": "overview-live-tick", "property": "n_intervals", "value": 3},
                            {"id": "overview-state", "property": "data", "value": ["350206"]}])
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "overview-state.data"
