"""What the pages of a unit and period share: the view a URL asks for, and the page around it.

``view_request`` reads the URL's unit and period inside the viewer's scope
(a unit outside it gives nothing, and ``scope_within`` writes the
access_denied audit row): the overview's and the report pages' start.
``report_request`` then computes a report page's (funds, cases, prevention)
figures with 同比 / 环比; ``report_page`` wraps the page's body with the URL
and the view state that its navigate callback reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.i18n import current_language, t
from dashboard.metrics.figures import Compute, Figure, ReportView, report_view
from dashboard.metrics.units import UnitView, unit_view
from dashboard.web.access import current_scope, scope_within
from dashboard.web.database import request_session
from dashboard.web.login import now
from dashboard.web.view_state import ViewState


@dataclass
class ViewRequest:
    lang: str
    session: Session
    scope: Scope        # the viewer's
    state: ViewState    # with the unit in view
    view: UnitView


@dataclass
class ReportRequest:
    lang: str
    session: Session
    state: ViewState    # with the unit in view
    at: datetime
    report: ReportView


def view_request(query: dict, prefix: str) -> ViewRequest | dbc.Alert:
    """The unit view the URL's ``query`` asks for, or the warning (id ``<prefix>-empty``) that there is none."""
    lang = current_language()
    session = request_session()
    scope = current_scope()
    state = ViewState.from_query(query)
    view = unit_view(session, scope_within(state.unit) if state.unit else scope)
    if view is None:
        return dbc.Alert(t("overview.no_unit", lang), color="warning", id=f"{prefix}-empty")
    return ViewRequest(lang, session, scope, state.with_(unit=view.unit.code), view)


def report_request(query: dict, prefix: str, figures: tuple[Figure, ...],
                   compute: Compute) -> ReportRequest | dbc.Alert:
    """The report the URL's ``query`` asks for, or the warning that there is none (``view_request``)."""
    asked = view_request(query, prefix)
    if not isinstance(asked, ViewRequest):
        return asked
    at = now()
    return ReportRequest(asked.lang, asked.session, asked.state, at, report_view(
        asked.session, asked.scope, asked.view, asked.state.period(at), at, figures, compute))


def report_page(prefix: str, stored: dict, body) -> html.Div:
    """The page (id ``<prefix>-page``): its URL, the view state its callback reads, and ``body``."""
    return html.Div([
        dcc.Location(id=f"{prefix}-url", refresh="callback-nav"),
        dcc.Store(id=f"{prefix}-state", data=stored),
        body,
    ], id=f"{prefix}-page")
