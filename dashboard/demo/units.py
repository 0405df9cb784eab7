"""Build the demo city's units: the bureau, six sub-bureaus, their stations.

Districts and names come from ``data/demo/units.csv`` and ``stations.csv``;
district boundaries are the real ones in ``data/boundaries``; station
precincts are Voronoi cells of seeded station positions.
"""

from __future__ import annotations

import csv
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import OrgUnit
from dashboard.geo.precincts import cut_precincts, place_stations, read_geometry, to_geojson
from dashboard.paths import BOUNDARIES_DIR, DEMO_DIR


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DEMO_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _upsert(session: Session, existing: dict[str, OrgUnit], **fields) -> OrgUnit:
    unit = existing.get(fields["code"])
    if unit is None:
        unit = OrgUnit(**fields)
        session.add(unit)
        existing[unit.code] = unit
    else:
        for key, value in fields.items():
            setattr(unit, key, value)
    return unit


def build_demo_units(session: Session, seed: int = 7) -> list[OrgUnit]:
    """Create or refresh the demo units; return them city first, then each county and its stations."""
    existing = {u.code: u for u in session.scalars(select(OrgUnit))}
    units_rows = _read_csv("units.csv")
    stations_by_county: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _read_csv("stations.csv"):
        stations_by_county[row["county_code"]].append(row)

    ordered: list[OrgUnit] = []
    by_code: dict[str, OrgUnit] = {}
    for row in units_rows:
        geom = read_geometry(BOUNDARIES_DIR / row["boundary_file"])
        parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
        unit = _upsert(
            session, existing,
            code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"], level=row["level"],
            parent=parent, path=OrgUnit.path_of(row["code"], parent),
            population=int(row["population"]), geometry=to_geojson(geom),
            centroid_lon=geom.representative_point().x, centroid_lat=geom.representative_point().y,
        )
        by_code[unit.code] = unit
        ordered.append(unit)
        if row["level"] != "county":
            continue
        stations = stations_by_county[row["code"]]
        points = place_stations(geom, len(stations), seed=seed * 1000 + int(row["code"]) % 1000)
        cells = cut_precincts(geom, points)
        shares = [cell.area for cell in cells]
        for i, (srow, point, cell) in enumerate(zip(stations, points, cells, strict=True), start=1):
            code = f"{row['code']}{i:02d}"
            station = _upsert(
                session, existing,
                code=code, name_zh=srow["name_zh"], name_en=srow["name_en"], level="station",
                parent=unit, path=OrgUnit.path_of(code, unit),
                population=_station_population(int(row["population"]), shares, i - 1),
                geometry=to_geojson(cell), centroid_lon=point.x, centroid_lat=point.y,
            )
            ordered.append(station)
    session.flush()
    return ordered


def _station_population(county_population: int, areas: list[float], index: int) -> int:
    """Split a county's population between its stations: smaller (denser) precincts get more."""
    weights = [1.0 / (a ** 0.5) for a in areas]
    return round(county_population * weights[index] / sum(weights))
