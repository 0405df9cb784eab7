"""Cut a district into station precincts and read boundary files.

Stations are placed inside the district (deterministic for a seed), then the
district is cut into their Voronoi cells, so every point of the city lies in
exactly one station precinct and no precinct crosses a district line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.base import BaseGeometry


def read_geometry(path: Path) -> BaseGeometry:
    """A GeoJSON file holding a bare geometry, a Feature or a one-feature collection."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        data = data["features"][0]["geometry"]
    elif data.get("type") == "Feature":
        data = data["geometry"]
    geom = shape(data)
    return geom if geom.is_valid else shapely.make_valid(geom)


def to_geojson(geom: BaseGeometry, digits: int = 6) -> str:
    """Compact GeoJSON text of a geometry, coordinates rounded to ``digits``."""
    return json.dumps(mapping(shapely.set_precision(geom, 10 ** -digits)), separators=(",", ":"))


def place_stations(district: BaseGeometry, count: int, seed: int) -> list[Point]:
    """``count`` well-spread points inside ``district`` (k-means over random samples)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = district.bounds
    shapely.prepare(district)
    chunks: list[np.ndarray] = []
    while sum(len(c) for c in chunks) < 60 * count:
        xy = np.column_stack([rng.uniform(minx, maxx, 4000), rng.uniform(miny, maxy, 4000)])
        chunks.append(xy[shapely.contains_xy(district, xy[:, 0], xy[:, 1])])
    pts = np.concatenate(chunks)[: 60 * count]
    centres = pts[rng.choice(len(pts), count, replace=False)]
    for _ in range(25):
        nearest = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        for k in range(count):
            members = pts[nearest == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    # a centre may fall in water between islands: snap it to the closest sample inside
    snapped = [pts[((pts - c) ** 2).sum(axis=1).argmin()] for c in centres]
    return [Point(float(x), float(y)) for x, y in snapped]


def cut_precincts(district: BaseGeometry, stations: list[Point]) -> list[BaseGeometry]:
    """The Voronoi cell of each station clipped to the district, in the stations' order."""
    cells = shapely.voronoi_polygons(MultiPoint(stations), extend_to=district)
    result: list[BaseGeometry] = []
    for station in stations:
        cell = next(c for c in cells.geoms if c.covers(station))
        result.append(cell.intersection(district))
    return result


def locate(point: Point, precincts: dict[int, BaseGeometry]) -> int | None:
    """The key of the precinct that covers ``point``, or None."""
    for key, geom in precincts.items():
        if geom.covers(point):
            return key
    return None
