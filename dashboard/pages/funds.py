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

from dashboard.components.funds import funds_body
from dashboard.i18n import t
from dashboard.metrics.funds import FIGURES, funds_figures, funds_sections
from dashboard.pages._report_parts import ReportPage, ReportRequest, may_see_records

PERMISSION = "view_overview"
dash.register_page(__name__, path="/funds", name="nav.funds", order=40, permission=PERMISSION,
                   title=lambda **_: t("nav.funds"))


def sections(request: ReportRequest, own: dict) -> dict:
    return funds_sections(request.session, request.report, request.at, records=may_see_records())


PAGE = ReportPage("funds", PERMISSION, FIGURES, funds_figures, sections, funds_body)
layout = PAGE.layout


@PAGE.navigation()
def navigate(preset, start, end, click, current):
    """The period picker and clicks on the ranking lead to a new URL; the router draws it."""
    return PAGE.next_search(preset, start, end, click, current)
