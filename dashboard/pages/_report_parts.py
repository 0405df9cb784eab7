"""The skeleton of a report page (funds, cases, prevention): its layout and its navigate callback.

A report page declares only what is its own, a ``ReportPage``: its prefix
(ids ``<prefix>-...``, drawn by ``components.report_page``), its figures and
the function computing them, the function of its sections' data, its body,
and any URL parameter of its own.  Its module then reads::

    PAGE = ReportPage("funds", PERMISSION, FIGURES, funds_figures, sections, funds_body)
    layout = PAGE.layout

    @PAGE.navigation()
    def navigate(preset, start, end, click, current):
        return PAGE.next_search(preset, start, end, click, current)

The layout reads the URL's unit and period inside the viewer's scope, which
the server takes from the logged-in user (``_view_parts.view_request``: a
unit outside it gives the warning ``<prefix>-empty`` and an access_denied
audit row), computes the figures with 同比 / 环比 and wraps the body with
the URL and the view state that the navigate callback reads.  The callback
only turns the period picker and clicks into a new URL; the page router
draws it, checking the unit again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from flask_login import current_user
from sqlalchemy.orm import Session

from dashboard.components.drill import next_search
from dashboard.metrics.figures import Compute, Figure, ReportView, report_view
from dashboard.pages._view_parts import ViewRequest, view_request
from dashboard.web.callback_values import NAVIGATION
from dashboard.web.guard import permits, requires
from dashboard.web.login import now
from dashboard.web.view_state import ViewState

RECORDS = "view_records"  # who may see the record-level lists of a report page


@dataclass
class ReportRequest:
    lang: str
    session: Session
    state: ViewState    # with the unit in view
    at: datetime
    report: ReportView


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


def may_see_records() -> bool:
    """Whether the viewer may see the record-level lists (``RECORDS``); the server decides."""
    return permits(current_user, RECORDS)


def no_own_query(query: dict) -> dict:
    return {}


@dataclass(frozen=True)
class ReportPage:
    prefix: str
    permission: str       # the page's own, as registered; its navigate callback needs it too
    figures: tuple[Figure, ...]
    compute: Compute
    # the data of the body's sections, from the request and the page's own URL parameters
    sections: Callable[[ReportRequest, dict], dict]
    body: Callable[[ReportView, dict, ViewState, str], html.Div]
    # the page's own URL parameters that hold something it understands: kept in its view state
    own_query: Callable[[dict], dict] = no_own_query

    def layout(self, **query):
        """The page the URL's ``query`` asks for (the page router's layout)."""
        request = report_request(query, self.prefix, self.figures, self.compute)
        if not isinstance(request, ReportRequest):
            return request
        own = self.own_query(query)
        body = self.body(request.report, self.sections(request, own), request.state, request.lang)
        return report_page(self.prefix, request.state.query() | own, body)

    def navigation(self, *clicks: str):
        """The decorator of the page's navigate callback, with the page's permission.

        Inputs: the period picker, the dates, a click on the units' ranking
        and on each graph ``<prefix>-<click>`` of ``clicks``; state: the view
        state (``NAVIGATION`` reads them).  Output: the URL's query.
        """
        prefix = self.prefix

        def wire(func):
            return callback(
                Output(f"{prefix}-url", "search"),
                Input(f"{prefix}-period", "value"),
                Input(f"{prefix}-dates", "start_date"),
                Input(f"{prefix}-dates", "end_date"),
                Input(f"{prefix}-ranking", "clickData"),
                *(Input(f"{prefix}-{graph}", "clickData") for graph in clicks),
                State(f"{prefix}-state", "data"),
                prevent_initial_call=True,
            )(requires(self.permission, values=NAVIGATION)(func))

        return wire

    def next_search(self, preset, start, end, click, current):
        """The new URL query for a change of the period or a click on the ranking (``drill.next_search``)."""
        return next_search(self.prefix, ctx.triggered_id, preset, start, end, click, current)
