"""Cases: reported and solved, solving rate, suspects; by unit, fraud type and age, with 同比/环比.

``/cases?unit=<code>&period=month`` (or ``&from=...&to=...``), plus
``&age=<days>`` to list the open cases of one age band (the lower bound of
a band of ``metrics.cases.AGE_BANDS``; click a bar of the age chart).
The page needs ``view_overview`` (as the overview and the funds page); the
list of open cases, each linked to the warning it grew from, is drawn only
for roles with ``view_records``.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, ctx, no_update
from flask_login import current_user

from dashboard.components.cases import cases_body
from dashboard.components.drill import next_search
from dashboard.i18n import t
from dashboard.metrics.cases import FIGURES, band_of, case_figures, case_sections
from dashboard.pages._view_parts import ReportRequest, report_page, report_request
from dashboard.web.callback_values import NAVIGATION
from dashboard.web.guard import permits, requires
from dashboard.web.view_state import ViewState

PERMISSION = "view_overview"
RECORDS = "view_records"
dash.register_page(__name__, path="/cases", name="nav.cases", order=45, permission=PERMISSION,
                   title=lambda **_: t("nav.cases"))


def age_band(value) -> int | None:
    """The age band a URL asks for (its lower bound in days), or None for anything else."""
    try:
        return band_of(int(str(value)))
    except (TypeError, ValueError):
        return None


def layout(**query):
    request = report_request(query, "cases", FIGURES, case_figures)
    if not isinstance(request, ReportRequest):
        return request
    band = age_band(query.get("age"))
    data = case_sections(request.session, request.report, request.at, records=permits(current_user, RECORDS),
                         band=band)
    stored = request.state.query() | ({"age": str(query.get("age"))} if band is not None else {})
    return report_page("cases", stored, cases_body(request.report, data, request.state, request.lang))


@callback(
    Output("cases-url", "search"),
    Input("cases-period", "value"),
    Input("cases-dates", "start_date"),
    Input("cases-dates", "end_date"),
    Input("cases-ranking", "clickData"),
    Input("cases-ages", "clickData"),
    State("cases-state", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION, values=NAVIGATION)
def navigate(preset, start, end, click, age_click, current):
    """The period picker, the ranking and the age chart lead to a new URL; the router draws it."""
    if ctx.triggered_id == "cases-ages":
        try:
            lower = age_click["points"][0]["customdata"]
        except (TypeError, KeyError, IndexError):
            return no_update
        if age_band(lower) is None:
            return no_update
        search = ViewState.from_query(current or {}).search()
        same = str((current or {}).get("age")) == str(lower)
        return search if same else f"{search}&age={int(lower)}"
    return next_search("cases", ctx.triggered_id, preset, start, end, click, current)
