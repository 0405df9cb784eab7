"""The units page (sysadmins): rendered, refused to others, and its actions through the callback."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry, OrgUnit
from tests.web.dash_requests import find, post_callback, render_page

BUTTONS = ("units-create", "units-rename", "units-move", "units-retire")
STATE = ("units-new-code", "units-new-level", "units-new-parent", "units-new-name-zh",
         "units-new-name-en", "units-new-population", "units-rename-unit", "units-rename-name-zh",
         "units-rename-name-en", "units-move-unit", "units-move-parent", "units-retire-unit",
         "units-retire-successor")


def output(client) -> str:
    for dependency in client.get("/_dash-dependencies").get_json():
        if "units-feedback.children" in dependency["output"]:
            return dependency["output"]
    raise AssertionError("no units callback")


def press(client, button: str, **fields):
    inputs = [{"id": b, "property": "n_clicks", "value": 1 if b == button else None}
              for b in BUTTONS]
    state = [{"id": s, "property": "value", "value": fields.get(s.removeprefix("units-")
                                                                 .replace("-", "_"))}
             for s in STATE]
    return post_callback(client, output(client), inputs, state, changed=[f"{button}.n_clicks"])


def feedback(response) -> tuple[str, str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    alert = response.get_json()["response"]["units-feedback"]["children"]
    return alert["props"]["id"], alert["props"]["children"]


@pytest.fixture
def sysadmin(fresh_client):
    return fresh_client("sysadmin")


def test_the_page_lists_the_units_for_the_sysadmin(sysadmin):
    page = render_page(sysadmin, "/admin/units")
    assert find(page, "units-row-35020301") is not None and find(page, "units-create") is not None


@pytest.mark.parametrize("username", ["commander", "officer", "auditor"])
def test_the_page_and_its_callback_are_refused_to_others(fresh_client, engine, username):
    client = fresh_client(username)
    assert find(render_page(client, "/admin/units"), "access-denied") is not None
    response = press(client, "units-create", new_code="35020399", new_level="station",
                     new_parent="350203", new_name_zh="所", new_name_en="S")
    assert response.status_code in (200, 204, 403)
    assert "units-done" not in response.get_data(as_text=True)
    with Session(engine) as session:
        assert session.scalar(select(OrgUnit).where(OrgUnit.code == "35020399")) is None


def test_a_station_is_created_then_moved_through_the_page_and_audited(sysadmin, engine):
    kind, message = feedback(press(sysadmin, "units-create", new_code="35020303",
                                   new_level="station", new_parent="350203",
                                   new_name_zh="新派出所", new_name_en="New Station"))
    assert kind == "units-done" and "35020303" in message
    kind, _ = feedback(press(sysadmin, "units-move", move_unit="35020303", move_parent="350205"))
    assert kind == "units-done"
    with Session(engine) as session:
        moved = session.scalar(select(OrgUnit).where(OrgUnit.code == "35020303"))
        assert moved.path == "350200/350205/35020303"
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.username == "sysadmin")))
        assert {audit.UNIT_CREATED, audit.UNIT_MOVED} <= actions


def test_a_station_with_warnings_is_not_moved_and_the_refusal_names_the_field(sysadmin, engine):
    kind, message = feedback(press(sysadmin, "units-move", move_unit="35020302",
                                   move_parent="350205"))
    assert kind == "units-invalid" and message.startswith("上级单位代码"), message
    with Session(engine) as session:
        station = session.scalar(select(OrgUnit).where(OrgUnit.code == "35020302"))
        assert station.path == "350200/350203/35020302"


def test_a_rename_with_an_empty_name_is_refused_by_field(sysadmin):
    kind, message = feedback(press(sysadmin, "units-rename", rename_unit="35020301",
                                   rename_name_zh="", rename_name_en="Station"))
    assert kind == "units-invalid" and message.startswith("中文名称"), message


def square(code: str, x: float) -> dict:
    ring = [[x, 24.4], [x + 0.01, 24.4], [x + 0.01, 24.41], [x, 24.41], [x, 24.4]]
    return {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon",
                                                                          "coordinates": [ring]}}


def upload(client, codes, district, accept=False, filename="stations.geojson", features=None):
    data = json.dumps({"type": "FeatureCollection", "features": features or [
        square(c, 118.0 + 0.01 * i) for i, c in enumerate(codes)]})
    contents = "data:application/geo+json;base64," + base64.b64encode(data.encode()).decode()
    state = [{"id": "units-boundary-upload", "property": "contents", "value": contents},
             {"id": "units-boundary-upload", "property": "filename", "value": filename},
             {"id": "units-boundary-level", "property": "value", "value": "station"},
             {"id": "units-boundary-district", "property": "value", "value": district},
             {"id": "units-boundary-accept", "property": "value", "value": accept}]
    response = post_callback(client, "units-boundary-report.children",
                             [{"id": "units-boundary-check", "property": "n_clicks", "value": 1}],
                             state)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]["units-boundary-report"]["children"]


def shapes(engine) -> dict[str, bool]:
    with Session(engine) as session:
        return {u.code: u.geometry is not None for u in session.scalars(
            select(OrgUnit).where(OrgUnit.level == "station"))}


def test_a_file_of_one_district_is_stored_for_that_district_alone(sysadmin, engine):
    answer = upload(sysadmin, ["35020301", "35020302"], "350203")
    assert find(answer, "units-boundary-stored") is not None
    assert shapes(engine) == {"35020301": True, "35020302": True, "35020501": False}
    with Session(engine) as session:
        entry = session.scalar(select(AuditEntry).where(
            AuditEntry.action == audit.BOUNDARIES_IMPORTED, AuditEntry.username == "sysadmin"))
        assert entry is not None and '"updated":2' in entry.detail


def test_the_report_names_each_unit_and_nothing_is_stored_until_accepted(sysadmin, engine):
    answer = upload(sysadmin, ["35020301", "35020501"], "350203")  # another district's station
    assert find(answer, "units-boundary-problems") is not None
    lines = str(find(answer, "units-boundary-lines"))
    assert "35020501" in lines and "35020302" in lines  # unknown here; missing its shape
    assert not any(shapes(engine).values())
    upload(sysadmin, ["35020301", "35020501"], "350203", accept=True)
    assert shapes(engine) == {"35020301": True, "35020302": False, "35020501": False}


@pytest.mark.parametrize(("filename", "district", "named"), [
    ("stations.csv", "350203", "边界文件"),
    ("stations.geojson", "35020301", "分局辖区"),
])
def test_upload_refusals_name_the_field(sysadmin, filename, district, named):
    answer = upload(sysadmin, ["35020301"], district, filename=filename)
    assert answer["props"]["id"] == "units-boundary-invalid"
    assert answer["props"]["children"].startswith(named), answer["props"]["children"]


def test_the_upload_is_refused_to_others(fresh_client, engine):
    response = post_callback(fresh_client("commander"), "units-boundary-report.children",
                             [{"id": "units-boundary-check", "property": "n_clicks", "value": 1}],
                             [{"id": "units-boundary-upload", "property": "contents", "value": "x,y"},
                              {"id": "units-boundary-upload", "property": "filename", "value": "a.geojson"},
                              {"id": "units-boundary-level", "property": "value", "value": "station"},
                              {"id": "units-boundary-district", "property": "value", "value": ""},
                              {"id": "units-boundary-accept", "property": "value", "value": True}])
    assert "units-boundary-stored" not in response.get_data(as_text=True)
    assert not any(shapes(engine).values())


def options(response, component: str) -> list[str]:
    return [o["value"] for o in response.get_json()["response"][component]["options"]]


def test_a_merged_station_is_retired_through_the_page_and_leaves_the_choices(sysadmin, engine):
    response = press(sysadmin, "units-retire", retire_unit="35020302", retire_successor="35020301")
    kind, message = feedback(response)
    assert kind == "units-done" and "35020302" in message and "35020301" in message
    for component in ("units-new-parent", "units-move-unit", "units-move-parent",
                      "units-retire-unit", "units-retire-successor"):
        assert "35020302" not in options(response, component), component
    assert "35020302" in options(response, "units-rename-unit")  # a retired unit keeps its name
    row = find(response.get_json()["response"]["units-table"]["children"], "units-row-35020302")
    assert "2026-" in str(row) and "35020301" in str(row)
    with Session(engine) as session:
        retired = session.scalar(select(OrgUnit).where(OrgUnit.code == "35020302"))
        assert retired.retired_on is not None and retired.successor.code == "35020301"
        assert session.scalar(select(AuditEntry).where(
            AuditEntry.action == audit.UNIT_RETIRED, AuditEntry.username == "sysadmin")) is not None
    page = render_page(sysadmin, "/admin/units")
    assert "35020302" not in [o["value"] for o in find(page, "units-move-unit")["props"]["options"]]


def test_a_station_with_an_active_account_is_not_retired_and_the_refusal_says_how_many(sysadmin, engine):
    kind, message = feedback(press(sysadmin, "units-retire", retire_unit="35020301"))
    assert kind == "units-invalid" and message.startswith("单位") and "1 个启用的用户账号" in message
    with Session(engine) as session:
        assert session.scalar(select(OrgUnit).where(OrgUnit.code == "35020301")).retired_on is None


def box(code: str, x0: float, x1: float) -> dict:
    ring = [[x0, 24.4], [x1, 24.4], [x1, 24.41], [x0, 24.41], [x0, 24.4]]
    return {"type": "Feature", "properties": {"code": code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_the_report_is_drawn_on_a_map_with_each_problem_named_by_its_stations(sysadmin, engine):
    with Session(engine) as session, session.begin():  # the district's own outline
        county = session.scalar(select(OrgUnit).where(OrgUnit.code == "350203"))
        county.geometry = json.dumps(box("350203", 118.0, 118.03)["geometry"])
    # 35020301 and 35020302 overlap by a third of a square; nothing covers 118.025-118.03
    answer = upload(sysadmin, [], "350203", features=[box("35020301", 118.0, 118.015),
                                                     box("35020302", 118.01, 118.025)])
    assert find(answer, "units-boundary-problems") is not None
    figure = find(answer, "units-boundary-map")["props"]["figure"]
    shapes, *problems = figure["data"]
    assert sorted(shapes["locations"]) == ["35020301", "35020302"]
    named = {trace["name"]: trace for trace in problems if trace["type"] == "scattermap"}
    assert set(named) == {"空隙", "重叠"}
    labels = {label["name"]: label["value"] for label in figure["layout"]["meta"]["labels"]}
    assert labels["重叠"] == "35020301/35020302"
    assert "35020302" in labels["空隙"] and "350203" in labels["空隙"]
    assert all(trace.get("mode") != "markers+text" and "text" not in trace for trace in problems)
    filled = [trace for trace in problems if trace["type"] == "choroplethmap"]
    assert all(trace["geojson"]["features"][0]["geometry"]["coordinates"] for trace in filled)
    assert any("重叠" in text or "35020301" in text for t in filled for text in t["customdata"])
    assert find(answer, "units-boundary-lines") is not None
    assert not any(shapes_stored for shapes_stored in stored(engine).values())


def stored(engine) -> dict[str, bool]:
    return shapes(engine)
