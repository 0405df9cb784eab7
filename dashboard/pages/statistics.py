"""The statistics builder: de-identified figures for a period, units and figures, and their files.

Pick a period, a comparison (same period last year, the previous period, or
custom dates), units of your scope and figures; "Preview" draws the tables
and charts under disclosure control, and the headline sentences into a text
box the officer may edit.  Exports (CSV, XLSX, JSON, report PDF / PNG,
charts zip) write exactly the previewed figures: the export recomputes them
on the server from the previewed parameters and refuses if they changed.
Files are made by a job in a worker thread; the page polls its progress.
"""

from __future__ import annotations

from datetime import date, timedelta

import dash
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user
from sqlalchemy import select

from dashboard.components import statistics as parts
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.i18n import current_language, t
from dashboard.statistics.exports import FORMATS, clean_headlines
from dashboard.statistics.headlines import headline_text
from dashboard.statistics.request import DEFAULT_FIGURES, RequestError, StatisticsRequest
from dashboard.web.access import current_scope
from dashboard.web.database import read_session
from dashboard.web.guard import permits, requires
from dashboard.web.login import now
from dashboard.web.statistics import export_result, export_state, publication_for, start_export

dash.register_page(__name__, path="/statistics", name="nav.statistics", order=60,
                   permission="view_statistics", title=lambda **_: t("nav.statistics"))

POLL_MS = 700


def _last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _scope_units() -> list[OrgUnit]:
    scope = current_scope()
    return list(read_session().scalars(scope.filter_org_units(select(OrgUnit)).order_by(OrgUnit.path)))


def _params(start, end, compare, compare_start, compare_end, units, figures) -> dict:
    return {"from": start, "to": end, "compare": compare, "compare_from": compare_start,
            "compare_to": compare_end, "unit": units or [], "figure": figures or []}


def _build(params: dict, lang: str):
    """(preview, headlines, store) for ``params``, or an error view."""
    try:
        publication = publication_for(params)
    except RequestError as error:
        return parts.error_view(error.text(lang)), no_update, no_update
    store = {"query": publication.request.query(), "digest": publication.digest}
    return parts.preview(publication, lang), headline_text(publication, lang), store


def layout(**_query):
    lang = current_language()
    units = _scope_units()
    if not units:
        return parts.error_view(t("statistics.error.no_scope", lang))
    first, last = _last_month(now().astimezone(SHANGHAI).date())
    request = StatisticsRequest((units[0].code,), first, last, figures=DEFAULT_FIGURES)
    body, headlines, store = _build(request.query(), lang)
    return html.Div([
        html.H4(t("nav.statistics", lang), className="mb-3"),
        parts.controls(request, units, lang),
        html.Label(t("statistics.headlines.label", lang), htmlFor="statistics-headlines",
                   className="form-label fw-bold"),
        dcc.Textarea(id="statistics-headlines", value=headlines if isinstance(headlines, str) else "",
                     className="form-control mb-2", style={"height": "9em"}),
        parts.export_bar(lang, permits(current_user, "export_statistics")),
        dcc.Store(id="statistics-params", data=store if isinstance(store, dict) else None),
        dcc.Store(id="statistics-job"),
        dcc.Interval(id="statistics-poll", interval=POLL_MS, disabled=True),
        dcc.Download(id="statistics-download"),
        dcc.Loading(html.Div(body, id="statistics-preview")),
    ], id="statistics-page")


@callback(
    Output("statistics-preview", "children"),
    Output("statistics-headlines", "value"),
    Output("statistics-params", "data"),
    Input("statistics-preview-button", "n_clicks"),
    State("statistics-dates", "start_date"),
    State("statistics-dates", "end_date"),
    State("statistics-compare", "value"),
    State("statistics-compare-dates", "start_date"),
    State("statistics-compare-dates", "end_date"),
    State("statistics-units", "value"),
    State("statistics-figures", "value"),
    prevent_initial_call=True,
)
@requires("view_statistics")
def preview(clicks, start, end, compare, compare_start, compare_end, units, figures):
    """Tables, charts and sentences for the chosen parameters (checked against the scope on the server)."""
    if not clicks:
        raise PreventUpdate
    return _build(_params(start, end, compare, compare_start, compare_end, units, figures),
                  current_language())


@callback(
    Output("statistics-job", "data"),
    Output("statistics-poll", "disabled"),
    Output("statistics-export-status", "children"),
    *[Input(f"statistics-export-{fmt}", "n_clicks") for fmt in FORMATS],
    State("statistics-params", "data"),
    State("statistics-headlines", "value"),
    prevent_initial_call=True,
)
@requires("export_statistics")
def export(*args):
    """Start the export of the previewed figures as a job; the poll callback follows it."""
    *clicks, store, headlines = args
    trigger = ctx.triggered_id
    if not any(clicks) or not isinstance(trigger, str) or not isinstance(store, dict):
        raise PreventUpdate
    lang = current_language()
    fmt = trigger.removeprefix("statistics-export-")
    try:
        text = clean_headlines(headlines)
        publication = publication_for(store.get("query") or {})
    except RequestError as error:
        return no_update, True, error.text(lang)
    if publication.digest != store.get("digest"):
        return no_update, True, t("statistics.export.changed", lang)
    job = start_export(publication, fmt, lang, text)
    return {"id": job}, False, t("statistics.export.started", lang)


@callback(
    Output("statistics-progress", "value"),
    Output("statistics-export-status", "children", allow_duplicate=True),
    Output("statistics-download", "data"),
    Output("statistics-poll", "disabled", allow_duplicate=True),
    Input("statistics-poll", "n_intervals"),
    State("statistics-job", "data"),
    prevent_initial_call=True,
)
@requires("export_statistics")
def follow(_ticks, job):
    """Progress of the user's own export job; the file when it is done."""
    if not isinstance(job, dict):
        raise PreventUpdate
    lang = current_language()
    state = export_state(job.get("id"))
    if state is None:
        return 0, t("statistics.export.gone", lang), no_update, True
    if state["status"] == "failed":
        return 0, t("statistics.export.failed", lang, reason=state.get("error", "")), no_update, True
    if state["status"] != "done":
        step = t(f"statistics.export.step.{state.get('step', 'queued')}", lang)
        return state.get("percent", 0), step, no_update, False
    result = export_result(job.get("id"))
    return 100, t("statistics.export.done", lang, name=result.name), \
        dcc.send_bytes(result.content, result.name), True
