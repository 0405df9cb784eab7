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
from dash import Input, Output, State, callback, ctx
from flask_login import current_user

from dashboard.components.drill import next_search
from dashboard.components.funds import funds_body
from dashboard.i18n import t
from dashboard.metrics.funds import FIGURES, funds_figures, funds_sections
from dashboard.pages._view_parts import ReportRequest, report_page, report_request
from dashboard.web.callback_values import NAVIGATION
from dashboard.web.guard import permits, requires

PERMISSION = "view_overview"
RECORDS = "view_records"
dash.register_page(__name__, path="/funds", name="nav.funds", order=40, permission=PERMISSION,
                   title=lambda **_: t("nav.funds"))


def layout(**query):
    request = report_request(query, "funds", FIGURES, funds_figures)
    if not isinstance(request, ReportRequest):
        return request
    data = funds_sections(request.session, request.report, request.at, records=permits(current_user, RECORDS))
    return report_page("funds", request.state.query(), funds_body(request.report, data, request.state, request.lang))


@callback(
    Output("funds-url", "search"),
    Input("funds-period", "value"),
    Input("funds-dates", "start_date"),
    Input("funds-dates", "end_date"),
    Input("funds-ranking", "clickData"),
    State("funds-state", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION, values=NAVIGATION)
def navigate(preset, start, end, click, current):
    """The period picker and clicks on the ranking lead to a new URL; the router draws it."""
    return next_search("funds", ctx.triggered_id, preset, start, end, click, current)
