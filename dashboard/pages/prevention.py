"""Prevention: publicity events and reach by unit and month; stations whose publicity lags their warnings.

``/prevention?unit=<code>&period=month`` (or ``&from=...&to=...``),
drillable like the overview.  Aggregate only, but down to single stations
without disclosure control, so it needs ``view_overview`` like the
overview.  The rule that flags a station is in
``dashboard.metrics.prevention`` and ``docs/metrics.md``.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, ctx

from dashboard.components.drill import next_search
from dashboard.components.prevention import prevention_body
from dashboard.i18n import t
from dashboard.metrics.prevention import FIGURES, prevention_figures, prevention_sections
from dashboard.pages._view_parts import ReportRequest, report_page, report_request
from dashboard.web.callback_values import NAVIGATION
from dashboard.web.guard import requires

PERMISSION = "view_overview"
dash.register_page(__name__, path="/prevention", name="nav.prevention", order=50, permission=PERMISSION,
                   title=lambda **_: t("nav.prevention"))


def layout(**query):
    request = report_request(query, "prevention", FIGURES, prevention_figures)
    if not isinstance(request, ReportRequest):
        return request
    return report_page("prevention", request.state.query(),
                       prevention_body(request.report, prevention_sections(request.session, request.report),
                                       request.state, request.lang))


@callback(
    Output("prevention-url", "search"),
    Input("prevention-period", "value"),
    Input("prevention-dates", "start_date"),
    Input("prevention-dates", "end_date"),
    Input("prevention-ranking", "clickData"),
    State("prevention-state", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION, values=NAVIGATION)
def navigate(preset, start, end, click, current):
    """The period picker and clicks on the units' months lead to a new URL; the router draws it."""
    return next_search("prevention", ctx.triggered_id, preset, start, end, click, current)
