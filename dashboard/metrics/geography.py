"""Precinct shapes of the units in scope, as GeoJSON for maps, and the bare shapes of a station's neighbours."""

from __future__ import annotations

import json

from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import PATH_SEPARATOR, Scope
from dashboard.domain import OrgUnit


def precincts(session: Session, scope: Scope, level: str) -> dict:
    """A GeoJSON FeatureCollection of the ``level`` units in scope; feature ids are unit ids."""
    rows = session.execute(
        scope.filter_org_units(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.geometry).where(
                OrgUnit.level == level, OrgUnit.geometry.is_not(None)
            )
        ).order_by(OrgUnit.code)
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": row.id, "properties": {"code": row.code},
             "geometry": json.loads(row.geometry)}
            for row in rows
        ],
    }


# how far (in degrees, about 100 m) two precincts may lie apart and still be neighbours: the shapes
# are simplified, so borders that touch on the ground may not touch exactly here
NEIGHBOUR_GAP = 0.001


def neighbour_shapes(session: Session, unit: OrgUnit) -> dict:
    """The shapes of the precincts of ``unit``'s level that border it, as geometry only.

    A GeoJSON FeatureCollection whose features carry no id, code, name or
    figure (ids are "n0", "n1", ...): they are drawn grey around a station as
    context, whoever may see those units.  Empty when ``unit`` has no shape.
    """
    empty = {"type": "FeatureCollection", "features": []}
    if not unit.geometry:
        return empty
    own = shape(json.loads(unit.geometry)).buffer(NEIGHBOUR_GAP)
    minx, miny, maxx, maxy = own.bounds
    city = unit.path.split(PATH_SEPARATOR)[0]
    rows = session.execute(
        select(OrgUnit.geometry).where(
            OrgUnit.level == unit.level, OrgUnit.id != unit.id, OrgUnit.geometry.is_not(None),
            (OrgUnit.path == city) | OrgUnit.path.startswith(city + PATH_SEPARATOR, autoescape=True),
        ).order_by(OrgUnit.code)
    ).scalars().all()
    features = []
    for text in rows:
        geometry = json.loads(text)
        other = shape(geometry)
        ominx, ominy, omaxx, omaxy = other.bounds
        if ominx > maxx or omaxx < minx or ominy > maxy or omaxy < miny or not own.intersects(other):
            continue
        features.append({"type": "Feature", "id": f"n{len(features)}", "properties": {}, "geometry": geometry})
    return {**empty, "features": features}
