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
from dash import ctx, no_update

from dashboard.components.cases import cases_body
from dashboard.i18n import t
from dashboard.metrics.cases import FIGURES, band_of, case_figures, case_sections
from dashboard.pages._report_parts import ReportPage, ReportRequest, may_see_records
from dashboard.web.view_state import ViewState

PERMISSION = "view_overview"
dash.register_page(__name__, path="/cases", name="nav.cases", order=45, permission=PERMISSION,
                   title=lambda **_: t("nav.cases"))


def age_band(value) -> int | None:
    """The age band a URL asks for (its lower bound in days), or None for anything else."""
    try:
        return band_of(int(str(value)))
    except (TypeError, ValueError):
        return None


def own_query(query: dict) -> dict:
    """The URL's age band, kept in the view state when it names one."""
    return {"age": str(query.get("age"))} if age_band(query.get("age")) is not None else {}


def sections(request: ReportRequest, own: dict) -> dict:
    return case_sections(request.session, request.report, request.at, records=may_see_records(),
                         band=age_band(own.get("age")))


PAGE = ReportPage("cases", PERMISSION, FIGURES, case_figures, sections, cases_body, own_query)
layout = PAGE.layout


@PAGE.navigation("ages")
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
    return PAGE.next_search(preset, start, end, click, current)
