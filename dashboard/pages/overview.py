"""The command overview: KPIs with 同比/环比, the precinct map, drill-down, trend, breakdowns, live.

The page is a function of its URL (``dashboard.web.view_state``): clicking a
district or station on the map or in the ranking, and the period picker,
change the URL, and ``redraw`` sends only what the new view changes
(``components.overview.REDRAWN``): the map stays the same plotly.js
instance, recoloured in place, and the live panel keeps running.  Opened
by its address, by a link (the breadcrumb) or the browser's back button,
the view is drawn as a whole by Dash's page router, in one request.  Only
the live panel refreshes on its own, every ``LIVE_REFRESH_SECONDS``, and
only its counters and chart change; the anomaly flags come in a request of
their own as the view arrives, and again every few minutes.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import dash
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from dashboard.components.anomalies import anomaly_items, anomaly_section
from dashboard.components.charts import hourly_figure
from dashboard.components.maps import LABELS_SWITCH_JS
from dashboard.components.overview import REDRAWN, live_counters, overview_body, redrawn
from dashboard.domain.base import now_local
from dashboard.i18n import current_language, t
from dashboard.metrics.anomalies import anomaly_flags
from dashboard.metrics.overview import overview_data
from dashboard.metrics.period import PRESETS
from dashboard.metrics.units import unit_view
from dashboard.pages._view_parts import ViewRequest, view_request
from dashboard.web.access import current_scope, scope_within
from dashboard.web.callback_values import NAVIGATION, code, codes, stored_query, text
from dashboard.web.database import read_session
from dashboard.web.guard import permits, requires
from dashboard.web.live_cache import live_figures
from dashboard.web.view_cache import shared_view
from dashboard.web.view_state import ViewState

PERMISSION = "view_overview"
dash.register_page(__name__, path="/", name="nav.overview", order=5, permission=PERMISSION,
                   title=lambda **_: t("nav.overview"))

LIVE_WINDOW_MINUTES = 30


def layout(**query):
    # a unit from the URL outside the user's scope: nothing, and an access_denied audit row
    asked = view_request(query, "overview")
    if not isinstance(asked, ViewRequest):
        return asked
    lang, session, scope, state, view = asked.lang, asked.session, asked.scope, asked.state, asked.view
    can_assign = permits(current_user, "manage_tasks")
    return shared_view(_view_parts(asked, can_assign),
                       lambda: _draw(session, scope, view, state, lang, can_assign))


@callback(
    *[Output(component, prop) for component, prop in REDRAWN],
    Output("overview-state", "data"),
    Input("overview-url", "search"),
    Input("_pages_location", "search"),
    State("overview-state", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION, values={"search": text, "_routed": text, "current": stored_query})
def redraw(search, _routed, current):
    """A new view of the page: only what it changes.

    Not drawn twice: the view in the page already (the address the page was drawn for), nor one
    the page router draws as a whole (a link, the browser's back: the router's location changed
    with the page's own).  The router's location stays as it was while the page's own moves, so a
    link or a back to that very address changes the page's location alone, and is drawn here."""
    if "_pages_location.search" in ctx.triggered_prop_ids:
        raise PreventUpdate
    asked = view_request(dict(parse_qsl((search or "").lstrip("?"))), "overview")
    if not isinstance(asked, ViewRequest) or asked.state.query() == current:
        raise PreventUpdate
    can_assign = permits(current_user, "manage_tasks")

    def draw():
        data, _now = _data(asked.session, asked.scope, asked.view, asked.state)
        return redrawn(data, asked.state, asked.lang, can_assign)
    return [*shared_view({**_view_parts(asked, can_assign), "part": "redrawn"}, draw), asked.state.query()]


def _view_parts(asked: ViewRequest, can_assign: bool) -> dict:
    """Everything a drawing of the view depends on: the same for every viewer of the same scope
    and permissions, so it is drawn once and shared a few seconds (``shared_view``)."""
    return {"page": "overview", "unit": asked.view.unit.id, "state": asked.state.query(), "lang": asked.lang,
            "scope": [asked.scope.kind, asked.scope.unit_id], "can_assign": can_assign}


def _data(session, scope, view, state: ViewState):
    now = now_local()
    return overview_data(session, scope, view, state.period(now), now, state.metric, state.per_capita), now


def _draw(session, scope, view, state: ViewState, lang: str, can_assign: bool):
    data, now = _data(session, scope, view, state)
    live = live_figures(session, view, now, LIVE_WINDOW_MINUTES)
    return html.Div([
        # refresh=False: a new search of the page's own is drawn by ``redraw``, not by the router
        dcc.Location(id="overview-url", refresh=False),
        dcc.Store(id="overview-state", data=state.query()),
        dcc.Interval(id="overview-live-tick", interval=current_app.config["LIVE_REFRESH_SECONDS"] * 1000),
        overview_body(data, live, state, lang, can_assign=can_assign,
                      alerts=anomaly_section("overview")),
    ], id="overview-page")


def _clicked_code(click) -> str | None:
    try:
        data = click["points"][0].get("customdata")
    except (TypeError, KeyError, IndexError, AttributeError):
        return None
    code = data[2] if isinstance(data, list) and len(data) > 2 else data
    return str(code) if isinstance(code, str | int) and str(code) else None


@callback(
    Output("overview-url", "search"),
    Input("overview-period", "value"),
    Input("overview-dates", "start_date"),
    Input("overview-dates", "end_date"),
    Input("overview-metric", "value"),
    Input("overview-per", "value"),
    Input("overview-map", "clickData"),
    Input("overview-ranking", "clickData"),
    State("overview-state", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION, values={**NAVIGATION, "metric": code, "per": codes})
def navigate(preset, start, end, metric, per, map_click, ranking_click, current):
    """Every control of the page leads to a new URL, which ``redraw`` (or the router) then draws.

    A person changes one control at a time; controls that arrive with a redrawn header (every input
    "changed" at once) are not a choice, and must not send the view anywhere."""
    if len(ctx.triggered_prop_ids) != 1:
        return no_update
    state = ViewState.from_query(current or {})
    trigger = ctx.triggered_id
    if trigger in ("overview-map", "overview-ranking"):
        clicked = _clicked_code(map_click if trigger == "overview-map" else ranking_click)
        return state.search(unit=clicked) if clicked and clicked != state.unit else no_update
    if trigger == "overview-period" and preset in PRESETS:
        return state.search(preset=preset, first=None, last=None)
    if trigger in ("overview-period", "overview-dates"):
        custom = ViewState.from_query({**state.query(), "period": None, "from": start, "to": end})
        return custom.search() if custom.preset is None else no_update
    if trigger in ("overview-metric", "overview-per"):
        return ViewState.from_query({**state.query(), "metric": metric,
                                     "per": "10k" if per else None}).search()
    return no_update


def _unit_in_view(current):
    """The view of the unit in the page's state, if (still) in scope; a unit outside it is audited."""
    unit = current.get("unit") if isinstance(current, dict) else None
    return unit_view(read_session(), scope_within(unit) if unit else current_scope())


@callback(
    Output("overview-live-counters", "children"),
    Output("overview-live-hourly", "figure"),
    Input("overview-live-tick", "n_intervals"),
    Input("overview-state", "data"),  # a new view: its unit's counters at once
    prevent_initial_call=True,
)
@requires(PERMISSION, values={"current": stored_query})
def refresh_live(_tick, current):
    """The live panel only: counters and today's hours, for the unit in view, if still in scope."""
    session = read_session()
    view = _unit_in_view(current)
    if view is None:
        return no_update, no_update
    lang = current_language()
    live = live_figures(session, view, now_local(), LIVE_WINDOW_MINUTES)
    return live_counters(live, lang), hourly_figure(live["hourly"], lang, height=430)


@callback(
    Output("overview-anomalies", "children"),
    Input("overview-anomalies-tick", "n_intervals"),
    Input("overview-state", "data"),  # a new view: its unit's flags
)
@requires(PERMISSION, values={"current": stored_query})
def refresh_anomalies(_tick, current):
    """The anomaly flags of the unit in view, if still in scope (``metrics.anomalies``).

    Called when the view arrives (the flags are not part of its drawing:
    they depend on the scope and the clock, not on the period) and then
    every ``components.anomalies.REFRESH_SECONDS``.
    """
    session = read_session()
    view = _unit_in_view(current)
    if view is None:
        return no_update
    return anomaly_items(anomaly_flags(session, view.scope, now_local()), current_language())


# the map's "labels" switch shows or hides its labels in the browser (components.maps)
clientside_callback(LABELS_SWITCH_JS, Output("overview-map-block", "className"),
                    Input("overview-map-labels", "value"), prevent_initial_call=True)
