"""Funds: money stopped, frozen and returned, with 同比/环比; the money clock; the largest stop-payments.

``/funds?unit=<code>&period=month`` (or ``&from=...&to=...``): the page is a
function of its URL, drillable city → county → station like the overview.
The page needs ``view_overview``, like the overview: its figures go down to
single stations without disclosure control, so press officers get theirs
from the statistics builder instead.  The list of the largest
stop-payments is record-level and is drawn only for roles with
``view_records``, accounts masked.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from flask_login import current_user

from dashboard.components.drill import next_search
from dashboard.components.funds import funds_body
from dashboard.i18n import current_language, t
from dashboard.metrics.figures import report_view
from dashboard.metrics.funds import FIGURES, funds_figures, funds_sections
from dashboard.metrics.units import unit_view
from dashboard.web.access import current_scope, scope_within
from dashboard.web.database import request_session
from dashboard.web.guard import permits, requires
from dashboard.web.login import now
from dashboard.web.view_state import ViewState

PERMISSION = "view_overview"
RECORDS = "view_records"
dash.register_page(__name__, path="/funds", name="nav.funds", order=40, permission=PERMISSION,
                   title=lambda **_: t("nav.funds"))


def layout(**query):
    lang = current_language()
    session = request_session()
    scope = current_scope()
    state = ViewState.from_query(query)
    view = unit_view(session, scope_within(state.unit) if state.unit else scope)
    if view is None:
        return dbc.Alert(t("overview.no_unit", lang), color="warning", id="funds-empty")
    at = now()
    state = state.with_(unit=view.unit.code)
    report = report_view(session, scope, view, state.period(at), at, FIGURES, funds_figures)
    data = funds_sections(session, report, at, records=permits(current_user, RECORDS))
    return html.Div([
        dcc.Location(id="funds-url", refresh="callback-nav"),
        dcc.Store(id="funds-state", data=state.query()),
        funds_body(report, data, state, lang),
    ], id="funds-page")


@callback(
    Output("funds-url", "search"),
    Input("funds-period", "value"),
    Input("funds-dates", "start_date"),
    Input("funds-dates", "end_date"),
    Input("funds-ranking", "clickData"),
    State("funds-state", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def navigate(preset, start, end, click, current):
    """The period picker and clicks on the ranking lead to a new URL; the router draws it."""
    return next_search("funds", ctx.triggered_id, preset, start, end, click, current)
