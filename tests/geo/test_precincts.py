"""Station precincts cut each district exactly: full cover, no overlap, stations inside."""

import json
from itertools import combinations

import pytest
import shapely
from shapely.geometry import Point, shape
from sqlalchemy import select

from dashboard.demo.units import build_demo_units
from dashboard.domain import OrgUnit
from dashboard.geo.precincts import cut_precincts, locate, place_stations, read_geometry
from dashboard.paths import BOUNDARIES_DIR

TOL = 1e-7  # square degrees, about 1,000 m² at this latitude
SLIVER = 1e-8  # coordinates are stored to 1e-6 degrees (0.1 m): slivers along shared edges stay below this


@pytest.fixture
def units(session):
    build_demo_units(session, seed=7)
    session.commit()
    rows = session.scalars(select(OrgUnit)).all()
    return {u.code: u for u in rows}


def test_demo_city_has_six_districts_and_their_stations(units):
    levels = [u.level for u in units.values()]
    assert levels.count("city") == 1
    assert levels.count("county") == 6
    per_county = {}
    for u in units.values():
        if u.level == "station":
            per_county.setdefault(u.parent.code, []).append(u)
    assert set(per_county) == {"350203", "350205", "350206", "350211", "350212", "350213"}
    assert all(6 <= len(v) <= 10 for v in per_county.values())


def test_cells_cover_each_district_without_overlap(units):
    for county in (u for u in units.values() if u.level == "county"):
        district = shape(json.loads(county.geometry))
        cells = [shape(json.loads(s.geometry)) for s in county.children]
        union = shapely.union_all(cells)
        assert abs(union.area - district.area) < TOL
        assert union.symmetric_difference(district).area < TOL
        for a, b in combinations(cells, 2):
            assert a.intersection(b).area < SLIVER
        for cell in cells:  # never across the district line
            assert cell.difference(district).area < SLIVER


def test_every_station_lies_in_its_own_cell(units):
    stations = [u for u in units.values() if u.level == "station"]
    cells = {s.id: shape(json.loads(s.geometry)) for s in stations}
    for s in stations:
        assert locate(Point(s.centroid_lon, s.centroid_lat), cells) == s.id


def test_placement_is_deterministic_and_inside():
    district = read_geometry(BOUNDARIES_DIR / "350213.geojson")
    a = place_stations(district, 7, seed=3)
    b = place_stations(district, 7, seed=3)
    assert [p.coords[0] for p in a] == [p.coords[0] for p in b]
    assert all(district.covers(p) for p in a)
    assert len(cut_precincts(district, a)) == 7
