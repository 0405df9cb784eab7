"""What the pages of a unit and period share: the view a URL asks for.

``view_request`` reads the URL's unit and period inside the viewer's scope
(a unit outside it gives nothing, and ``scope_within`` writes the
access_denied audit row): the overview's and the report pages' start
(``_report_parts``).
"""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.i18n import current_language, t
from dashboard.metrics.units import UnitView, unit_view
from dashboard.web.access import current_scope, scope_within
from dashboard.web.database import read_session
from dashboard.web.view_state import ViewState


@dataclass
class ViewRequest:
    lang: str
    session: Session
    scope: Scope        # the viewer's
    state: ViewState    # with the unit in view
    view: UnitView


def view_request(query: dict, prefix: str) -> ViewRequest | dbc.Alert:
    """The unit view the URL's ``query`` asks for, or the warning (id ``<prefix>-empty``) that there is none."""
    lang = current_language()
    session = read_session()
    scope = current_scope()
    state = ViewState.from_query(query)
    view = unit_view(session, scope_within(state.unit) if state.unit else scope)
    if view is None:
        return dbc.Alert(t("overview.no_unit", lang), color="warning", id=f"{prefix}-empty")
    return ViewRequest(lang, session, scope, state.with_(unit=view.unit.code), view)
