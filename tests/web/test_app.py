"""The app factory, the health check and the first page, through the real Flask + Dash stack."""

import json

from sqlalchemy import func, select

from dashboard import create_app
from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit, Warning
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from tests.conftest import SEED_END


def _render_page(client, pathname="/precincts"):
    """Ask Dash's page router for a page, as the browser does after loading the shell."""
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    return response.get_json()["response"]["_pages_content"]["children"]


def _find(component, component_id):
    if isinstance(component, dict):
        if component.get("props", {}).get("id") == component_id:
            return component
        for value in component.get("props", {}).values():
            found = _find(value, component_id)
            if found:
                return found
    elif isinstance(component, list):
        for item in component:
            found = _find(item, component_id)
            if found:
                return found
    return None


def test_create_app_serves_the_shell_and_health(client):
    assert client.get("/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["migrations"] == "current"
    layout = client.get("/_dash-layout").get_json()
    assert "反诈" in json.dumps(layout, ensure_ascii=False)


def test_health_reports_an_unmigrated_database(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "INSTANCE_PATH": str(tmp_path)})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "behind"


def test_precinct_map_draws_every_station_and_counts_per_district(client):
    page = _render_page(client)
    figure = _find(page, "precincts-map")["props"]["figure"]
    choropleth, outlines = figure["data"]
    assert choropleth["type"] == "choroplethmap"
    shapes = client.get(choropleth["geojson"]).get_json()  # the polygons come apart, by URL
    assert len(shapes["features"]) == 48
    assert len(choropleth["locations"]) == 48
    assert sum(choropleth["z"]) > 0
    assert figure["layout"]["map"]["style"] == "white-bg"  # no tile server
    assert outlines["type"] == "scattermap"
    rows = _find(page, "precincts-district-rows")["props"]["children"]
    assert len(rows) == 6


def test_station_counts_add_up_to_district_counts(seeded_session):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    scope = scope_for_unit(city)
    period = Period.last_days(30, now=SEED_END)
    stations = warnings_by_unit(seeded_session, scope, period, "station")
    districts = warnings_by_unit(seeded_session, scope, period, "county")
    assert len(stations) == 48 and len(districts) == 6
    assert stations["warnings"].sum() == districts["warnings"].sum() > 0
    by_parent = stations.groupby("parent_id")["warnings"].sum()
    assert by_parent.to_dict() == districts.set_index("unit_id")["warnings"].to_dict()
    raw = seeded_session.scalar(select(func.count()).select_from(Warning).where(
        Warning.received_at >= period.start, Warning.received_at < period.end))
    assert raw == districts["warnings"].sum()


def test_language_switch_sets_a_cookie_and_returns_locally(client):
    response = client.get("/lang/en?next=/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "lang=en" in response.headers["Set-Cookie"]
    page = _render_page(client)
    assert _find(page, "precincts-title")["props"]["children"].startswith("Warnings")
    evil = client.get("/lang/en?next=//evil.example")
    assert evil.headers["Location"] == "/"
