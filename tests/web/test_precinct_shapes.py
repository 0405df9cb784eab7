"""``/geo/<unit>/<level>.geojson``: the maps' polygons, fetched apart and only within the viewer's scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry
from tests.web.test_overview import find, render


def test_the_overview_map_names_its_shapes_by_a_url_the_browser_may_keep(client):
    trace = find(render(client, "?period=month"), "overview-map")["props"]["figure"]["data"][0]
    url = trace["geojson"]
    assert isinstance(url, str) and url.startswith("/geo/") and url.split("?")[0].endswith("/county.geojson")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    shapes = response.get_json()
    assert sorted(f["id"] for f in shapes["features"]) == sorted(trace["locations"])  # the 6 districts
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in shapes["features"])
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    assert url.endswith("?v=" + response.headers["ETag"].strip('"'))  # new shapes, new URL
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_a_district_map_fetches_its_stations(client):
    trace = find(render(client, "?unit=350203&period=month"), "overview-map")["props"]["figure"]["data"][0]
    assert trace["geojson"].split("?")[0].endswith("/station.geojson")
    shapes = client.get(trace["geojson"]).get_json()
    assert sorted(f["id"] for f in shapes["features"]) == sorted(trace["locations"])
    assert all(f["properties"]["code"].startswith("350203") for f in shapes["features"])


def test_shapes_outside_the_scope_are_not_found_and_audited(fresh_app, fresh_client):
    units = fresh_app.city.units
    commander = fresh_client("commander")  # of 350203
    assert commander.get(f"/geo/{units['350203']}/station.geojson").status_code == 200
    assert commander.get(f"/geo/{units['350205']}/station.geojson").status_code == 404
    assert commander.get(f"/geo/{units['350200']}/county.geojson").status_code == 404
    assert commander.get(f"/geo/{units['350203']}/city.geojson").status_code == 404  # not a map level
    assert commander.get("/geo/99999999/station.geojson").status_code == 404
    with Session(fresh_app.extensions["database"].engine) as session:
        denied = set(session.scalars(select(AuditEntry.object).where(AuditEntry.action == audit.ACCESS_DENIED)))
    assert denied == {f"unit:{units['350205']}", f"unit:{units['350200']}", "unit:99999999"}


def test_shapes_need_a_login(fresh_client):
    assert fresh_client(None).get("/geo/1/county.geojson").status_code in (302, 401)
