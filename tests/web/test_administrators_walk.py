"""The three administrators' walk: no page, callback, route or API gives them citizen data.

Each administrator (``data/roles.csv``, kind ``administrator``) signs in to
the small ``city`` (``tests/web/conftest.py``) holding people, notes, a case,
a stop-payment, a task and a rejected record (``tests/web/citizen_records.py``)
and knocks on everything: every Flask route with real unit ids and record
addresses for its variables, every Dash page with real record ids and
queries naming records and units, every Dash callback with every input
naming a real record or unit (each input the trigger in turn), the ingest
API and the statistics API with a session.  No answer may hold any citizen
string the database holds (read back through the domain models), and no SQL
statement the app sends meanwhile may read a citizen table.

The same walk for the leader finds citizen data (the walk can fail), and the
auditor's audit page lists actions whose objects name records by id only.
"""

from __future__ import annotations

import html
import json
import re
from contextlib import contextmanager
from urllib.parse import urlencode

import dash
import pytest
from sqlalchemy import event

from dashboard.auth import audit
from dashboard.auth.permissions import administrator_roles
from dashboard.domain import (
    Case,
    Dissuasion,
    RejectedRecord,
    StopPayment,
    Task,
    TaskEvent,
    Warning,
)
from dashboard.i18n import t
from tests.conftest import login
from tests.web.citizen_records import Probe, add_citizen_records, citizen_strings, probes
from tests.web.dash_requests import (
    ROUTER_OUTPUT,
    callback_body,
    find,
    render_page,
    router_body,
    split_output,
)

ADMINISTRATORS = sorted(administrator_roles())
# the administrator whose walk also runs on PostgreSQL: the one with the most pages to knock on
# (the guards and the answers' filtering are the same code on either database; every
# administrator walks on SQLite, and the leader's walk, which must find data, runs on both)
POSTGRESQL_ADMINISTRATOR = "auditor"
CITIZEN_TABLES = {model.__tablename__ for model in (Warning, Dissuasion, Case, StopPayment, Task,
                                                    TaskEvent, RejectedRecord)}
TABLE_NAMED = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)
COUNTS = {"n_clicks", "n_intervals", "n_submit", "active_page"}
DATES = {"start_date": "2026-11-01", "end_date": "2026-11-22", "date": "2026-11-22"}
QUERY_NAMES = ("unit", "units", "target", "warning", "case", "task", "box", "id")
AUDITED_OBJECT = re.compile(r"^[a-z_]+(:[\w.:/<>@-]+)?$")
UNUSED_ID = 987654


class Walk:
    """What one signed-in client received: each citizen string found, and where."""

    def __init__(self, client, citizen: dict[str, str], strict: bool = True) -> None:
        self.client, self.citizen, self.strict = client, citizen, strict
        self.pattern = re.compile("|".join(map(re.escape, sorted(citizen, key=len, reverse=True))))
        self.found: dict[str, set[str]] = {}
        self.requests = 0
        self.suite: str | None = None  # the address of a script Dash serves (from a page)

    def check(self, where: str, response, sent=None):
        """Look for citizen data in the answer (its text, JSON decoded, entities unescaped) that
        the request (``where``, its body ``sent``) did not name itself (a link back to it)."""
        self.requests += 1
        asked = where + json.dumps(sent, ensure_ascii=False)
        assert response.status_code < 500 or not self.strict, (where, response.status_code)
        raw = response.get_data().decode("utf-8", "replace")
        texts = [raw, html.unescape(raw), response.headers.get("Location", "")]
        if response.is_json:
            texts.append(json.dumps(response.get_json(silent=True), ensure_ascii=False))
        for match in self.pattern.finditer("\n".join(texts)):
            if match.group(0) not in asked:
                self.found.setdefault(match.group(0), set()).add(where)
        return response

    def update(self, where: str, body: dict):
        """A Dash callback (or page router) request, checked."""
        return self.check(where, self.client.post("/_dash-update-component", json=body), body)

    def leaks(self) -> list[str]:
        return [f"{self.citizen[text]} {text!r} in {sorted(places)[:3]}"
                for text, places in sorted(self.found.items())]


def distinct(records: list[Probe]) -> list[Probe]:
    """One record per id value: a callback or a query names only the value."""
    first: dict = {}
    for probe in records:
        first.setdefault(probe.value, probe)
    return list(first.values())


def query_for(probe: Probe) -> str:
    return "?" + urlencode(dict.fromkeys(QUERY_NAMES, probe.value))


def page_addresses(records: list[Probe]) -> list[tuple[str, str]]:
    """(path, query) of every page: its variables each record's id, its query each record's."""
    found = []
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            name = re.search(r"<(\w+)>", template).group(1)
            kind = name.removesuffix("_id")
            paths = [template.replace(f"<{name}>", str(value)) for value in
                     [p.value for p in records if p.kind == kind] + [UNUSED_ID]]
        else:
            paths = [page["path"]]
        for path in paths:
            found += [(path, "")] + [(path, query_for(p)) for p in distinct(records)]
    return found


def walk_pages(walk: Walk, records: list[Probe]) -> None:
    for path, query in page_addresses(records):
        walk.update(f"page {path}{query}", router_body(path, query))
        page = walk.check(f"GET {path}{query}", walk.client.get(path + query))
        script = re.search(r'src="(/_dash-component-suites/[^"]+)"', page.get_data(as_text=True))
        walk.suite = walk.suite or (script and script.group(1))


def _value(spec: dict, probe: Probe):
    prop = spec["property"]
    if prop in COUNTS:
        return 1
    if prop in DATES:
        return DATES[prop]
    if prop in ("pathname", "href"):
        return probe.path
    if prop == "search":
        return query_for(probe)
    if prop == "clickData":
        return {"points": [{"location": probe.value, "customdata": [probe.value],
                            "label": probe.value}]}
    return probe.value


def _filled(component_id, value):
    """A declared id with its wildcards naming ``value``; pattern ids parsed from their JSON."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        component_id = json.loads(component_id)
    if isinstance(component_id, dict):
        return {k: value if isinstance(v, list) or v == "walk" else v
                for k, v in component_id.items()}
    return component_id


def _prop_id(component_id, prop: str) -> str:
    if isinstance(component_id, dict):
        component_id = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return f"{component_id}.{prop}"


def probe_bodies(dependency: dict, probe: Probe) -> list[dict]:
    """Bodies for one callback whose every input and state names ``probe``, each input the
    trigger in turn (a list of one component where the declaration matches ``ALL``)."""
    def item(spec):
        one = {"id": _filled(spec["id"], probe.value), "property": spec["property"],
               "value": _value(spec, probe)}
        many = isinstance(spec["id"], str) and '["ALL' in spec["id"]
        return [one] if many else one

    inputs = [item(spec) for spec in dependency["inputs"]]
    state = [item(spec) for spec in dependency["state"]]
    outputs = [{**o, "id": _filled(o["id"], probe.value)} for o in split_output(dependency["output"])]
    bodies = []
    for trigger in inputs:
        first = trigger[0] if isinstance(trigger, list) else trigger
        bodies.append({"output": dependency["output"],
                       "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
                       "inputs": inputs, "state": state,
                       "changedPropIds": [_prop_id(first["id"], first["property"])]})
    return bodies


def walk_callbacks(walk: Walk, records: list[Probe]) -> int:
    called = 0
    for dependency in walk.client.get("/_dash-dependencies").get_json():
        output = dependency["output"]
        if dependency["clientside_function"] is not None or output == ROUTER_OUTPUT:
            continue  # in the browser, or the page router (walk_pages)
        walk.update(f"callback {output} (empty)", callback_body(dependency))
        for probe in distinct(records):
            for body in probe_bodies(dependency, probe):
                walk.update(f"callback {output} {probe.kind}:{probe.value}", body)
        called += 1
    return called


def route_urls(app, records: list[Probe], suite: str) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every rule and method, each variable a real value in turn."""
    adapter = app.url_map.bind("localhost")
    paths = sorted({path.lstrip("/") for path, _ in page_addresses(records)})
    choices = {"unit_id": [p.value for p in records if p.kind == "unit_id"] + [UNUSED_ID],
               "level": ["county", "station"], "code": ["en", "zh-CN"], "path": paths,
               "filename": ["app.css"], "kind": ["warnings", "outcomes", "stop-payments"],
               "job_id": ["1", UNUSED_ID]}
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("/_dash-component-suites/"):
            urls = [suite]
        else:
            urls = [""]
            for name in sorted(rule.arguments):
                urls = [url + "\0" + name + "=" + str(v) for url in urls for v in choices[name]]
            urls = [adapter.build(rule.endpoint, dict(part.split("=", 1) for part in
                                                      url.split("\0")[1:])) for url in urls]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found += [(rule.endpoint, method, url) for url in urls]
    return sorted(found, key=lambda item: item[2] == "/logout")


def walk_routes(walk: Walk, app, records: list[Probe], suite: str) -> set[str]:
    """Every route; the ingest API is sent a batch that names real warnings."""
    warning = next(p.value for p in records if p.kind == "warning")
    external_id = next(text for text, what in walk.citizen.items()
                       if what == f"warning {warning} external id")
    outcome = [{"source": "test", "external_id": "x-1", "warning_external_id": external_id,
                "method": "phone", "result": "no_answer", "started_at": "2026-11-22T08:00:00+08:00"}]
    token = walk.client.get_cookie("_csrf_token")
    form = {"csrf_token": token.value if token else "", "username": "nobody", "password": "x",
            "code": "123456"}
    seen = set()
    for endpoint, method, url in route_urls(app, records, suite):
        if url == "/_dash-update-component" or url == "/logout":
            continue  # walk_callbacks; the logout would end the walk
        seen.add(endpoint)
        if method == "GET":
            walk.check(f"GET {url}", walk.client.get(url))
        elif url.startswith("/api/"):
            walk.check(f"{method} {url}", walk.client.open(url, method=method, json=outcome),
                       outcome)
        else:
            walk.check(f"{method} {url}", walk.client.open(url, method=method, data=form), form)
    return seen


def walk_apis(walk: Walk, records: list[Probe]) -> None:
    """The statistics API with a session and queries naming real units; openapi."""
    units = ",".join(str(p.value) for p in records if p.kind in ("unit", "unit_id"))
    for query in ({"unit": units, "from": "2026-11-01", "to": "2026-11-22",
                   "figure": "received,loss_avoided"}, {"unit": units}, {}):
        walk.check(f"stats {query}", walk.client.get("/api/v1/stats", query_string=query))
    walk.check("openapi", walk.client.get("/api/v1/openapi.json"))


@contextmanager
def statements(app):
    """Every SQL statement the app sends while the block runs."""
    sent: list[str] = []
    engine = app.extensions["database"].engine

    def remember(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", remember)


@pytest.fixture
def citizen_city(city, engine):
    add_citizen_records(engine)
    return engine


def walk_everything(app, client, engine, strict: bool = True) -> tuple[Walk, list[str]]:
    citizen, records = citizen_strings(engine), probes(engine)
    walk = Walk(client, citizen, strict)
    with statements(app) as sent:
        walk_pages(walk, records)
        assert walk_callbacks(walk, records) >= 20
        seen = walk_routes(walk, app, records, walk.suite)
        walk_apis(walk, records)
    assert {"api.ingest", "stats_api.stats", "precinct_shapes.shapes", "/<path:path>"} <= seen
    return walk, sent


def test_the_database_holds_citizen_data_of_every_kind(citizen_city):
    kinds = {what.split(" ")[0] for what in citizen_strings(citizen_city).values()}
    assert kinds == {"warning", "attempt", "case", "stop-payment", "task", "rejected"}
    assert all(p.value is not None for p in probes(citizen_city))


@pytest.mark.parametrize("role", ADMINISTRATORS)
def test_no_administrator_reaches_citizen_data(fresh_app, fresh_client, citizen_city, role):
    if citizen_city.dialect.name == "postgresql" and role != POSTGRESQL_ADMINISTRATOR:
        pytest.skip(f"on PostgreSQL the walk runs for {POSTGRESQL_ADMINISTRATOR} (see POSTGRESQL_ADMINISTRATOR)")
    walk, sent = walk_everything(fresh_app, fresh_client(role), citizen_city)
    assert walk.requests > 500
    assert not walk.found, "\n".join(walk.leaks())
    read = {name for statement in sent for name in TABLE_NAMED.findall(statement)}
    assert read and not read & CITIZEN_TABLES, sorted(read & CITIZEN_TABLES)
    # still signed in at the end: the walk was the administrator's all along
    assert find(render_page(walk.client, "/account/password"), "access-denied") is None


def test_the_same_walk_finds_citizen_data_for_a_leader(fresh_app, fresh_client, citizen_city):
    walk, sent = walk_everything(fresh_app, fresh_client("leader"), citizen_city, strict=False)
    kinds = {walk.citizen[text].split(" ")[0] for text in walk.found}
    assert {"warning", "task", "case"} <= kinds, walk.leaks()
    assert any(name in CITIZEN_TABLES for s in sent for name in TABLE_NAMED.findall(s))


AUDIT = ("..audit-table.children...audit-summary.children...audit-page.max_value"
         "...audit-page.active_page..")
AUDIT_COLUMNS = ("at", "username", "role", "action", "object", "outcome", "source_address")
AUDIT_BODY = {"output": AUDIT, "outputs": split_output(AUDIT), "state": [],
              "changedPropIds": ["audit-page.active_page"]}


def test_the_audit_page_shows_actions_but_no_citizen_data(fresh_app, fresh_client, citizen_city):
    citizen = citizen_strings(citizen_city)
    phone = next(text for text, what in citizen.items() if what.endswith("phone"))
    login(fresh_client(), phone, "a typed phone number")  # a citizen's number as the username
    client = fresh_client("auditor")
    walk = Walk(client, citizen)
    assert find(render_page(client, "/audit"), "audit-title") is not None
    inputs = [{"id": "audit-user", "property": "value", "value": None},
              {"id": "audit-action", "property": "value", "value": None},
              {"id": "audit-dates", "property": "start_date", "value": None},
              {"id": "audit-dates", "property": "end_date", "value": None},
              {"id": "audit-page", "property": "active_page", "value": 1}]
    table = walk.update("audit", {**AUDIT_BODY, "inputs": inputs}).get_json()
    rows = find(table["response"]["audit-table"]["children"], "audit-rows")["props"]["children"]
    cells = [dict(zip(AUDIT_COLUMNS, (td["props"]["children"] for td in row["props"]["children"]),
                      strict=True)) for row in rows]
    shown = {(row["action"], row["object"].split(":")[0]) for row in cells}
    for action, kind in ((audit.UNMASK, "warning"), (audit.UNMASK, "rejected"),
                         (audit.TASK_CHANGED, "task"), (audit.INGEST_BATCH, "batch"),
                         (audit.LOGIN_FAILED, ""), (audit.ROLE_GRANTED, "user")):
        assert (t(f"audit.action.{action}", "zh-CN"), kind) in shown, (action, kind, shown)
    warning = next(p.value for p in probes(citizen_city) if p.kind == "warning")
    objects = [row["object"] for row in cells]
    assert f"warning:{warning}" in objects  # a record is named by its id, and only by it
    assert all(AUDITED_OBJECT.match(o) for o in objects if o), objects
    assert not walk.found, "\n".join(walk.leaks())
