"""Prevention: publicity events and reach by unit and month; stations whose publicity lags their warnings.

``/prevention?unit=<code>&period=month`` (or ``&from=...&to=...``),
drillable like the overview.  Aggregate only, but down to single stations
without disclosure control, so it needs ``view_overview`` like the
overview.  The rule that flags a station is in
``dashboard.metrics.prevention`` and ``docs/metrics.md``.
"""

from __future__ import annotations

import dash

from dashboard.components.prevention import prevention_body
from dashboard.i18n import t
from dashboard.metrics.prevention import FIGURES, prevention_figures, prevention_sections
from dashboard.pages._report_parts import ReportPage, ReportRequest

PERMISSION = "view_overview"
dash.register_page(__name__, path="/prevention", name="nav.prevention", order=50, permission=PERMISSION,
                   title=lambda **_: t("nav.prevention"))


def sections(request: ReportRequest, own: dict) -> dict:
    return prevention_sections(request.session, request.report)


PAGE = ReportPage("prevention", PERMISSION, FIGURES, prevention_figures, sections, prevention_body)
layout = PAGE.layout


@PAGE.navigation()
def navigate(preset, start, end, click, current):
    """The period picker and clicks on the units' ranking lead to a new URL; the router draws it."""
    return PAGE.next_search(preset, start, end, click, current)
