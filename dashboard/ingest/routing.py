"""Route a point to the station whose precinct contains it.

The station precincts are read once per process into a shapely STRtree and
read again when the stored boundaries change (their fingerprint is checked
on every lookup batch: one small query).  A retired station's precinct stays
in the index, so a point there is refused naming it, but an active station
whose precinct covers the point (its successor's new shape) comes first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.domain import OrgUnit


@dataclass(frozen=True)
class PrecinctIndex:
    fingerprint: tuple
    station_ids: np.ndarray
    tree: shapely.STRtree
    geometries: list
    retired: frozenset = frozenset()  # ids of retired stations

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the station whose precinct covers the point (an active one first), or None."""
        point = shapely.Point(lon, lat)
        found = None
        for i in self.tree.query(point, predicate="intersects"):
            if self.geometries[i].covers(point):
                station = int(self.station_ids[i])
                if station not in self.retired:
                    return station
                found = station if found is None else found
        return found


_cached: PrecinctIndex | None = None


def _fingerprint(session: Session) -> tuple:
    return tuple(session.execute(
        select(func.count(), func.sum(func.length(OrgUnit.geometry)), func.max(OrgUnit.id),
               func.count(OrgUnit.retired_on))
        .where(OrgUnit.level == "station", OrgUnit.geometry.is_not(None))
    ).one())


def precinct_index(session: Session) -> PrecinctIndex:
    """The station precincts as they are stored now."""
    global _cached
    fingerprint = _fingerprint(session)
    if _cached is None or _cached.fingerprint != fingerprint:
        rows = session.execute(select(OrgUnit.id, OrgUnit.geometry, OrgUnit.retired_on).where(
            OrgUnit.level == "station", OrgUnit.geometry.is_not(None)).order_by(OrgUnit.id)).all()
        geometries = [shape(json.loads(g)) for _, g, _ in rows]
        for g in geometries:
            shapely.prepare(g)
        _cached = PrecinctIndex(fingerprint, np.array([i for i, _, _ in rows]),
                                shapely.STRtree(geometries), geometries,
                                frozenset(i for i, _, retired in rows if retired is not None))
    return _cached
