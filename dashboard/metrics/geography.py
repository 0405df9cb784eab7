"""Precinct shapes of the units in scope, as GeoJSON for maps."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
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
