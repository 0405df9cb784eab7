"""A station's neighbours: the precincts that border it, as bare shapes (metrics.geography)."""

from __future__ import annotations

import json

from shapely.geometry import shape
from sqlalchemy import select

from dashboard.domain import OrgUnit
from dashboard.metrics.geography import NEIGHBOUR_GAP, neighbour_shapes


def test_a_stations_neighbours_are_the_precincts_that_border_it_and_nothing_of_them_but_shape(seeded_session):
    stations = seeded_session.scalars(select(OrgUnit).where(OrgUnit.level == "station",
                                                            OrgUnit.geometry.is_not(None))).all()
    station = next(s for s in stations if s.code == "35020301")
    own = shape(json.loads(station.geometry)).buffer(NEIGHBOUR_GAP)
    bordering = sorted(json.dumps(json.loads(s.geometry), sort_keys=True) for s in stations
                       if s.id != station.id and own.intersects(shape(json.loads(s.geometry))))
    found = neighbour_shapes(seeded_session, station)
    assert sorted(json.dumps(f["geometry"], sort_keys=True) for f in found["features"]) == bordering
    assert 0 < len(bordering) < len(stations) - 1  # some, not the whole city
    assert [f["id"] for f in found["features"]] == [f"n{i}" for i in range(len(bordering))]
    assert all(f["properties"] == {} for f in found["features"])  # no code, name or figure


def test_a_unit_without_a_shape_has_no_neighbours(seeded_session):
    station = seeded_session.scalar(select(OrgUnit).where(OrgUnit.code == "35020301"))
    seeded_session.expunge(station)
    station.geometry = None
    assert neighbour_shapes(seeded_session, station)["features"] == []
