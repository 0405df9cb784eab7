"""The one place web code asks what the logged-in user may see.

``current_scope()`` is the org subtree of the logged-in user, computed on the
server by ``dashboard.auth.scope.scope_of`` (``NO_SCOPE`` when nobody is
logged in); every page and callback passes it to the metrics layer and never
builds a scope from browser input.

``scope_within(unit)`` narrows it to a unit the browser asked for (a
drill-down, a filter): the unit's subtree when it lies inside the user's
scope, else ``NO_SCOPE`` and an ``access_denied`` audit row naming the unit
that was tried (``dashboard.auth.records.unit_object``), so a unit from
another county shows nothing at all.
"""

from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth import audit
from dashboard.auth.records import parse_id, unit_object
from dashboard.auth.scope import NO_SCOPE, Scope, scope_for_unit, scope_of
from dashboard.domain import OrgUnit
from dashboard.domain.text import has_control_characters
from dashboard.web.database import request_session
from dashboard.web.login import client_address

UNIT_CODE_MAX = 32


def current_scope() -> Scope:
    """The logged-in user's scope (computed once per request)."""
    if not current_user.is_authenticated:
        return NO_SCOPE
    if "scope" not in g:
        g.scope = scope_of(request_session(), current_user)
    return g.scope


def _unit_from_browser(session, unit) -> OrgUnit | None:
    if isinstance(unit, int):
        number = parse_id(unit)
        return session.get(OrgUnit, number) if number is not None else None
    code = str(unit).strip()
    if not code or len(code) > UNIT_CODE_MAX or has_control_characters(code):
        return None
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def scope_within(unit: int | str | None) -> Scope:
    """The subtree of ``unit`` (an id or a unit code from the browser) inside the user's scope.

    ``None`` or ``""`` means no narrowing: the user's whole scope.
    """
    scope = current_scope()
    if unit is None or unit == "":
        return scope
    session = request_session()
    found = _unit_from_browser(session, unit)
    if found is not None and scope.contains_path(found.path):
        return scope_for_unit(found, scope.kind)
    deny_unit(found, unit)
    return NO_SCOPE


def deny_unit(found: OrgUnit | None, tried) -> None:
    """Write (and commit) the ``access_denied`` row of a unit outside the user's scope."""
    session = request_session()
    audit.record(session, user=current_user if current_user.is_authenticated else None,
                 action=audit.ACCESS_DENIED, object=unit_object(found, tried), outcome=audit.DENIED,
                 source_address=client_address(), detail={"reason": "not_in_scope"})
    session.commit()
