"""Prevention: publicity events and reach by unit and month; stations whose publicity lags their warnings.

``/prevention?unit=<code>&period=month`` (or ``&from=...&to=...``),
drillable like the overview.  Aggregate only, but down to single stations
without disclosure control, so it needs ``view_overview`` like the
overview.  The rule that flags a station is in
``dashboard.metrics.prevention`` and ``docs/metrics.md``.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard.components.drill import next_search
from dashboard.components.prevention import prevention_body
from dashboard.i18n import current_language, t
from dashboard.metrics.figures import report_view
from dashboard.metrics.prevention import FIGURES, prevention_figures, prevention_sections
from dashboard.metrics.units import unit_view
from dashboard.web.access import current_scope, scope_within
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import now
from dashboard.web.view_state import ViewState

PERMISSION = "view_overview"
dash.register_page(__name__, path="/prevention", name="nav.prevention", order=50, permission=PERMISSION,
                   title=lambda **_: t("nav.prevention"))


def layout(**query):
    lang = current_language()
    session = request_session()
    scope = current_scope()
    state = ViewState.from_query(query)
    view = unit_view(session, scope_within(state.unit) if state.unit else scope)
    if view is None:
        return dbc.Alert(t("overview.no_unit", lang), color="warning", id="prevention-empty")
    at = now()
    state = state.with_(unit=view.unit.code)
    report = report_view(session, scope, view, state.period(at), at, FIGURES, prevention_figures)
    return html.Div([
        dcc.Location(id="prevention-url", refresh="callback-nav"),
        dcc.Store(id="prevention-state", data=state.query()),
        prevention_body(report, prevention_sections(session, report), state, lang),
    ], id="prevention-page")


@callback(
    Output("prevention-url", "search"),
    Input("prevention-period", "value"),
    Input("prevention-dates", "start_date"),
    Input("prevention-dates", "end_date"),
    Input("prevention-ranking", "clickData"),
    State("prevention-state", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def navigate(preset, start, end, click, current):
    """The period picker and clicks on the units' months lead to a new URL; the router draws it."""
    return next_search("prevention", ctx.triggered_id, preset, start, end, click, current)
