"""What part of the command chain a user may see: their unit's subtree.

``scope_of(session, user)`` is the one place where scope is computed, on the
server, from the logged-in user (never from what the browser sent):

- ``subtree`` roles (leader, commander, officer) see their unit and every unit
  below it (``OrgUnit.path`` prefix);
- ``city`` roles (press) see the whole city of their unit (or the only city),
  and ``allowed`` keeps them to aggregate pages;
- ``system`` roles (admin, auditor), inactive users, users without a unit and
  unknown roles get ``NO_SCOPE``: no citizen or unit data at all.

Every query of unit or citizen data goes through a ``Scope``::

    stmt = scope.filter_units(select(Warning), Warning.county_id, Warning.station_id)
    stmt = scope.filter_org_units(select(OrgUnit))
    if not scope.contains_unit(session, unit_id_from_browser): -> audit + "not found"

and caches key on ``scope.cache_key`` so that two counties never share an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import role_of, roles
from dashboard.domain.org import PATH_SEPARATOR, OrgUnit

LIKE_ESCAPE = "/"
PATH_PARAM, BELOW_PARAM = "scope_path", "scope_below"


def below_pattern(path: str) -> str:
    """The LIKE pattern (escape ``LIKE_ESCAPE``) of every path strictly below ``path``."""
    escaped = "".join(LIKE_ESCAPE + c if c in (LIKE_ESCAPE, "%", "_") else c for c in path + PATH_SEPARATOR)
    return escaped + "%"


def _subtree(path_col, path, pattern) -> ColumnElement[bool]:
    """``path_col`` is ``path`` or matches ``pattern`` (``below_pattern``): the one subtree rule."""
    return or_(path_col == path, path_col.like(pattern, escape=LIKE_ESCAPE))


# The units of a subtree given at execution (``Scope.bound_values``): one statement object for
# every scope, so that a statement built from it can be kept and sent again (``metrics.sums``).
BOUND_UNIT_IDS = select(OrgUnit.id).where(
    _subtree(OrgUnit.path, bindparam(PATH_PARAM, type_=OrgUnit.path.type),
             bindparam(BELOW_PARAM, type_=OrgUnit.path.type)))


@dataclass(frozen=True)
class Scope:
    """The subtree under ``unit_path``; ``kind`` "none" means nothing at all."""

    kind: str  # "subtree", "city" or "none"
    unit_id: int | None = None
    unit_path: str | None = None
    level: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.kind == "none" or self.unit_path is None

    @property
    def cache_key(self) -> str:
        """A stable string naming exactly what this scope can see, for cache keys."""
        if self.is_empty:
            return "scope:none"
        return f"scope:{self.kind}:{self.unit_path}"

    def contains_path(self, path: str | None) -> bool:
        """True when a unit with ``path`` lies in this subtree."""
        if self.is_empty or not path:
            return False
        return path == self.unit_path or path.startswith(self.unit_path + PATH_SEPARATOR)

    def contains_unit(self, session: Session, unit_id: int | None) -> bool:
        """True when the unit with ``unit_id`` exists and lies in this subtree."""
        if self.is_empty or unit_id is None:
            return False
        try:
            unit_id = int(unit_id)
        except (TypeError, ValueError):
            return False
        path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == unit_id))
        return self.contains_path(path)

    def path_condition(self, path_col=OrgUnit.path) -> ColumnElement[bool]:
        """SQL condition: ``path_col`` is this unit's path or lies below it."""
        if self.is_empty:
            return false()
        return _subtree(path_col, self.unit_path, below_pattern(self.unit_path))

    def bound_values(self) -> dict[str, str]:
        """The values of ``BOUND_UNIT_IDS``' parameters that make it this (non-empty) scope's units."""
        if self.is_empty:
            raise ValueError("scope: an empty scope has no units to bind")
        return {PATH_PARAM: self.unit_path, BELOW_PARAM: below_pattern(self.unit_path)}

    def unit_ids_subquery(self) -> Select:
        """``SELECT id FROM org_units`` of every unit in this subtree."""
        return self._unit_ids

    @cached_property
    def _unit_ids(self) -> Select:
        # built once per scope: a view's statements use it dozens of times, and
        # SQLAlchemy's statements are immutable, so one object serves them all
        return select(OrgUnit.id).where(self.path_condition())

    def unit_condition(self, unit_col) -> ColumnElement[bool]:
        """SQL condition: the unit id in ``unit_col`` lies in this subtree."""
        if self.is_empty:
            return false()
        return unit_col.in_(self.unit_ids_subquery())

    def rows_condition(self, county_col, station_col=None) -> ColumnElement[bool]:
        """SQL condition for rows routed to a county and (usually) a station.

        A row with a station is in scope when its station is; a row routed to a
        county only is in scope when its county is (so a station's officer does
        not see county-level rows).
        """
        if self.is_empty:
            return false()
        if station_col is None:
            return self.unit_condition(county_col)
        return or_(
            self.unit_condition(station_col),
            and_(station_col.is_(None), self.unit_condition(county_col)),
        )

    def filter_units(self, stmt: Select, county_col, station_col=None) -> Select:
        """``stmt`` narrowed to rows whose county/station lie in this scope."""
        return stmt.where(self.rows_condition(county_col, station_col))

    def filter_org_units(self, stmt: Select) -> Select:
        """A select of ``OrgUnit`` narrowed to this subtree."""
        return stmt.where(self.path_condition())

    def unit_ids(self, session: Session) -> list[int]:
        """Ids of every unit in this subtree (empty for no scope)."""
        if self.is_empty:
            return []
        return list(session.scalars(self.unit_ids_subquery().order_by(OrgUnit.id)))


NO_SCOPE = Scope("none")


def _city_of(session: Session, unit: OrgUnit | None) -> OrgUnit | None:
    """The city unit above ``unit``, or the only city when ``unit`` is None."""
    if unit is not None:
        root_path = unit.path.split(PATH_SEPARATOR)[0]
        return session.scalar(select(OrgUnit).where(OrgUnit.path == root_path))
    cities = session.scalars(select(OrgUnit).where(OrgUnit.level == "city").limit(2)).all()
    return cities[0] if len(cities) == 1 else None


def scope_for_unit(unit: OrgUnit | None, kind: str = "subtree") -> Scope:
    """The scope of ``unit``'s subtree."""
    if unit is None:
        return NO_SCOPE
    return Scope(kind, unit.id, unit.path, unit.level)


def scope_of(session: Session, user) -> Scope:
    """The scope of the logged-in ``user``, computed from the database alone."""
    role = roles().get(role_of(user) or "")
    if role is None or role.scope == "system":
        return NO_SCOPE
    unit_id = getattr(user, "unit_id", None)
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    if role.scope == "city":
        return scope_for_unit(_city_of(session, unit), "city")
    return scope_for_unit(unit, "subtree")
