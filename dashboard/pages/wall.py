"""Wall mode: the overview full-screen for a command center's big screen, rotating on a timer.

``/wall?units=350203,350206&views=overview,trend&seconds=30&period=today``:
the units (default: the top of the viewer's scope) and views to rotate
through, how long each stays, and the period (as on the overview).  Units
outside the viewer's scope are left out, as if they did not exist.  Every
tick fills the next screen with fresh figures (``rotate``): only what changes is sent
(``components.wall.STEP``), so the graphs and the map stay and are updated in
place; nothing on the screen takes input.
"""

from __future__ import annotations

import itertools

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboard.components.wall import STEP, VIEWS, empty_values, screen_values, wall_screen
from dashboard.domain.base import now_local
from dashboard.i18n import current_language, t
from dashboard.metrics.overview import overview_data
from dashboard.metrics.units import unit_view
from dashboard.web.access import current_scope, scope_within
from dashboard.web.callback_values import InputInvalid, code, codes, stored_query
from dashboard.web.database import read_session
from dashboard.web.guard import requires
from dashboard.web.live_cache import live_figures
from dashboard.web.view_state import ViewState

PERMISSION = "view_overview"
dash.register_page(__name__, path="/wall", name="nav.wall", order=90, permission=PERMISSION,
                   title=lambda **_: t("nav.wall"))

DEFAULT_SECONDS, MIN_SECONDS, MAX_SECONDS = 30, 10, 3600
MAX_SCREENS = 24
LIVE_WINDOW_MINUTES = 30


def wall_config(query: dict) -> dict:
    """The rotation a URL asks for: unit codes, views, seconds, and the period's query."""
    codes = [c.strip()[:32] for c in str(query.get("units") or "").split(",") if c.strip()][:MAX_SCREENS]
    views = [v for v in str(query.get("views") or "").split(",") if v in VIEWS] or [VIEWS[0]]
    try:
        seconds = min(max(int(query.get("seconds") or DEFAULT_SECONDS), MIN_SECONDS), MAX_SECONDS)
    except ValueError:
        seconds = DEFAULT_SECONDS
    period = ViewState.from_query({"period": query.get("period") or "today", "from": query.get("from"),
                                   "to": query.get("to")}).query()
    return {"units": codes or [None], "views": views, "seconds": seconds, "period": period}


def stored_config(value) -> dict:
    """The rotation the page stored (``wall_config``), read back from a callback's state."""
    if value is None:
        return wall_config({})
    if not isinstance(value, dict) or set(value) != {"units", "views", "seconds", "period"}:
        raise InputInvalid("request.reason.not_config")
    units, views, seconds = value["units"], value["views"], value["seconds"]
    if not (isinstance(units, list) and 0 < len(units) <= MAX_SCREENS
            and all(unit is None or code(unit) for unit in units)
            and isinstance(views, list) and views and all(view in VIEWS for view in codes(views))
            and isinstance(seconds, int) and not isinstance(seconds, bool)
            and MIN_SECONDS <= seconds <= MAX_SECONDS):
        raise InputInvalid("request.reason.not_config")
    return {**value, "period": ViewState.from_query(stored_query(value["period"])).query()}


def _screen(config: dict, tick: int, lang: str) -> dict:
    """What the screen shows at rotation step ``tick`` (``components.wall.screen_values``), for the
    units the viewer may see (read again at every step); none: ``empty_values``."""
    session = read_session()
    scope = current_scope()
    views = [view for view in (unit_view(session, scope_within(code) if code else scope)
                               for code in config["units"]) if view]  # outside the scope: audited
    if not views:
        return empty_values(lang)
    screens = list(itertools.product(views, config["views"]))[:MAX_SCREENS]
    view, name = screens[tick % len(screens)]
    now = now_local()
    period = ViewState.from_query(config["period"]).period(now)
    data = overview_data(session, scope, view, period, now)
    live = live_figures(session, view, now, LIVE_WINDOW_MINUTES)
    return screen_values(data, live, name, lang, f"{tick % len(screens) + 1} / {len(screens)}")


def layout(**query):
    config = wall_config(query)
    if config["units"] != [None]:  # units outside the scope are dropped here, audited once
        session = read_session()
        config["units"] = [code for code in config["units"]
                           if unit_view(session, scope_within(code)) is not None] or ["-"]
    lang = current_language()
    values = _screen(config, 0, lang)
    return html.Div([
        dcc.Store(id="wall-config", data=config),
        # without a unit to show there is nothing to rotate
        dcc.Interval(id="wall-tick", interval=config["seconds"] * 1000, disabled=values == empty_values(lang)),
        dcc.Interval(id="wall-clock-tick", interval=1000),
        html.Div(wall_screen(values, lang), id="wall-body"),
    ], className="wall-mode", id="wall-page")


@callback(*[Output(component, prop) for component, prop in STEP], Input("wall-tick", "n_intervals"),
          State("wall-config", "data"), prevent_initial_call=True)
@requires(PERMISSION, values={"config": stored_config})
def rotate(tick, config):
    """The next screen: what it changes only (scope checked again on every tick); units no longer in
    the viewer's scope: the screen hidden, the message in its place."""
    values = _screen(config, tick or 0, current_language())
    return [values.get(key, no_update) for key in STEP]


clientside_callback(
    """function(_n) {
        const now = new Date(Date.now() + (new Date().getTimezoneOffset() + 480) * 60000);
        const pad = (v) => String(v).padStart(2, "0");
        return pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    }""",
    Output("wall-clock", "children"),
    Input("wall-clock-tick", "n_intervals"),
)
