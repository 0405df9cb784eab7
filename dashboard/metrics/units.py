"""Which unit a view shows, inside the viewer's scope, and its place in the chain.

A unit code comes from the URL, so it is never trusted: ``unit_view``
answers None for a code that does not exist or lies outside the viewer's
scope, exactly as for a unit that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import PATH_SEPARATOR, Scope, scope_for_unit
from dashboard.domain import OrgUnit

CHILD_LEVEL = {"city": "county", "county": "station"}


@dataclass(frozen=True)
class UnitView:
    """The unit a page shows and the scope of its subtree."""

    unit: OrgUnit
    scope: Scope

    @property
    def child_level(self) -> str | None:
        """The level of the units below this one ("county", "station"), None for a station."""
        return CHILD_LEVEL.get(self.unit.level)


def unit_view(session: Session, scope: Scope, code: str | None = None) -> UnitView | None:
    """The view of unit ``code`` (default: the scope's own unit) if the viewer may see it."""
    if scope.is_empty:
        return None
    if code:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == str(code)))
    else:
        unit = session.get(OrgUnit, scope.unit_id)
    if unit is None or not scope.contains_path(unit.path):
        return None
    return UnitView(unit, scope_for_unit(unit))


def breadcrumb(session: Session, scope: Scope, unit: OrgUnit) -> list[OrgUnit]:
    """The units from the top of the viewer's scope down to ``unit`` (only those in scope)."""
    codes = unit.path.split(PATH_SEPARATOR)
    paths = [PATH_SEPARATOR.join(codes[: i + 1]) for i in range(len(codes))]
    units = session.scalars(select(OrgUnit).where(OrgUnit.path.in_(paths))).all()
    by_path = {u.path: u for u in units}
    return [by_path[p] for p in paths if p in by_path and scope.contains_path(p)]


def map_view(session: Session, scope: Scope, view: UnitView) -> tuple[Scope, str, OrgUnit | None]:
    """What the map of ``view`` draws: (scope, level of the units drawn, unit to highlight).

    A city or county draws its children; a station draws its county's
    stations that the viewer may see, with itself highlighted.
    """
    if view.child_level is not None:
        return view.scope, view.child_level, None
    parent = session.get(OrgUnit, view.unit.parent_id) if view.unit.parent_id else None
    if parent is not None and scope.contains_path(parent.path):
        return scope_for_unit(parent), "station", view.unit
    return view.scope, "station", view.unit
