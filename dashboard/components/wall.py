"""Wall mode: one unit full-screen, dark, large type, readable from across a room; no controls.

Component ids start with ``wall-``.  A screen shows one view of one unit
("overview": key figures, map and today by hour; "trend": the trend, the
ranking and the outcome mix); the page rotates through them.  The page holds
the places of both views, the one not shown hidden, so that a rotation step
fills them (``STEP``, ``screen_values``) without drawing the page anew: every
graph and the map keep their plotly.js instance and are updated in place.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.charts import hourly_figure, outcome_figure, ranking_figure, trend_figure
from dashboard.components.kpi_cards import change_text, shown_comparisons
from dashboard.components.maps import labels_shown, map_block_class, precinct_map
from dashboard.components.overview import has_ranking, live_counters
from dashboard.i18n import t
from dashboard.i18n.numbers import format_value
from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.metrics.overview import OverviewData
from dashboard.web.precinct_shapes import shapes_url

VIEWS = ("overview", "trend")
WALL_KPIS = ["received", "closed", "open_at_end", "success_rate", "on_time_rate", "loss_avoided"]
STATIC = {"displayModeBar": False, "staticPlot": False, "scrollZoom": False}
HIDDEN = {"display": "none"}
# a graph with nothing to show yet (the hidden view's at first) or at all (the ranking of one unit)
BLANK = {"data": [], "layout": {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                                "xaxis": {"visible": False}, "yaxis": {"visible": False}}}
TREND_GRID = "wall-main wall-trend-grid"

# what a rotation step changes: (component id, property); the first two say whether there is a screen
SCREEN = [("wall-screen", "style"), ("wall-empty", "children")]
COMMON = [("wall-unit", "children"), ("wall-period", "children"), ("wall-position", "children"),
          ("wall-kpis", "children"), ("wall-main-overview", "style"), ("wall-main-trend", "style")]
BY_VIEW = {
    "overview": [("wall-map-title", "children"), ("wall-map", "figure"), ("wall-map-block", "className"),
                 ("wall-live-counters", "children"), ("wall-hourly", "figure")],
    "trend": [("wall-trend-title", "children"), ("wall-trend", "figure"), ("wall-outcomes", "figure"),
              ("wall-ranking", "figure"), ("wall-main-trend", "className")],
}
STEP = [*SCREEN, *COMMON, *BY_VIEW["overview"], *BY_VIEW["trend"]]


def _kpi(row: dict, lang: str, names: tuple[str, ...]) -> dbc.Col:
    compares = []
    for name in names:
        compares.append(html.Span([html.Span(t(f"compare.{name}", lang), className="kpi-compare-label"), " ",
                                   change_text(row, name, lang)],
                                  className="kpi-compare " + {"better": "kpi-better", "worse": "kpi-worse"}.get(
                                      row[f"verdict_{name}"], "kpi-same")))
    good = {"up": "kpi.better_up", "down": "kpi.better_down"}.get(row["better"], "kpi.better_neutral")
    return dbc.Col(html.Div([
        html.Div([t(f"kpi.{row['key']}", lang), html.Span(" · " + t(good, lang), className="kpi-direction")],
                 className="wall-kpi-label"),
        html.Div(format_value(row["kind"], row["value"], lang), className="wall-kpi-value",
                 id=f"wall-kpi-{row['key']}"),
        html.Div(compares, className="kpi-compares"),
    ], className="wall-kpi"))


def _kpis(data: OverviewData, lang: str) -> list[dbc.Col]:
    names = shown_comparisons(data.kpis)
    cards = data.kpis.set_index("key")
    return [_kpi(cards.loc[k].to_dict() | {"key": k}, lang, names) for k in WALL_KPIS]


def _period_text(data: OverviewData, lang: str) -> list:
    period = data.period
    dates = period.first_day.isoformat() if period.days == 1 else \
        f"{period.first_day.isoformat()} – {period.last_day.isoformat()}"
    name = t("period.custom", lang) if period.kind == "custom" else \
        t(f"period.{period.kind if period.kind != 'day' else 'today'}", lang)
    return [name, " · ", dates]


def _map_values(data: OverviewData, lang: str) -> dict:
    kpi = KPI_BY_KEY["received"]
    units = data.map_units.assign(value=data.map_units["received"].astype(float))
    texts = [format_value(kpi.kind, v, lang) for v in data.map_units["received"]]
    figure = precinct_map(data.geojson, units, t("kpi.received", lang), lang, height=700, texts=texts,
                          highlight=data.highlight, theme="dark", neighbours=data.neighbours,
                          shapes=shapes_url(data.map_unit_id, data.map_level, data.geojson))
    shown = labels_shown(len(figure["layout"]["meta"]["labels"]))  # no switch: nothing on the wall takes input
    title = t("overview.map.own_station" if data.unit.level == "station" else f"overview.map.{data.map_level}",
              lang)
    return {("wall-map-title", "children"): title, ("wall-map", "figure"): figure,
            ("wall-map-block", "className"): map_block_class(shown)}


def _trend_values(data: OverviewData, lang: str) -> dict:
    kpi = KPI_BY_KEY[data.trend_kpi]
    label = t(f"kpi.{data.trend_kpi}", lang)
    ranked = has_ranking(data)  # one unit (an officer's station): nothing to rank, the outcome mix beside
    ranking = ranking_figure(data.map_units, "received", t("kpi.received", lang), "count", "down", lang,
                             theme="dark", height=680) if ranked else BLANK
    return {("wall-trend-title", "children"): t("overview.trend", lang, metric=label),
            ("wall-trend", "figure"): trend_figure(data.trend, label, kpi.kind, lang, theme="dark", height=330),
            ("wall-outcomes", "figure"): outcome_figure(data.outcomes, lang, theme="dark", height=300),
            ("wall-ranking", "figure"): ranking,
            ("wall-main-trend", "className"): TREND_GRID if ranked else f"{TREND_GRID} wall-unranked"}


def screen_values(data: OverviewData, live: dict, view: str, lang: str, position: str) -> dict:
    """What the screen shows of ``view`` of ``data``'s unit, with the live figures: a value for each
    (component id, property) of ``SCREEN``, ``COMMON`` and ``BY_VIEW[view]`` (the other view's
    places keep what they hold, hidden)."""
    values = {("wall-screen", "style"): None, ("wall-empty", "children"): None,
              ("wall-unit", "children"): data.unit.name(lang), ("wall-period", "children"): _period_text(data, lang),
              ("wall-position", "children"): position, ("wall-kpis", "children"): _kpis(data, lang),
              ("wall-main-overview", "style"): None if view == "overview" else HIDDEN,
              ("wall-main-trend", "style"): None if view == "trend" else HIDDEN}
    if view == "trend":
        return values | _trend_values(data, lang)
    hourly = hourly_figure(live["hourly"], lang, theme="dark", height=600)
    return values | _map_values(data, lang) | {("wall-live-counters", "children"): live_counters(live, lang, "wall"),
                                               ("wall-hourly", "figure"): hourly}


def empty_values(lang: str) -> dict:
    """No unit to show (none in the viewer's scope): the screen hidden, the message in its place."""
    return {("wall-screen", "style"): HIDDEN, ("wall-empty", "children"): t("overview.no_unit", lang)}


def _panel(title, body, title_id: str | None = None, panel_id: str | None = None) -> html.Div:
    """A dark panel; the panels of a column share its height (``assets/overview.css``)."""
    return html.Div([html.Div(title, className="wall-panel-title", **({"id": title_id} if title_id else {})),
                     body], className="wall-panel", **({"id": panel_id} if panel_id else {}))


def _graph(graph_id: str, figure: dict) -> dcc.Graph:
    """A graph that fills its panel, whatever the screen's size (its figure's height is unset)."""
    return dcc.Graph(id=graph_id, figure=figure, config=STATIC, responsive=True, className="wall-graph")


def _header(shown) -> dbc.Row:
    return dbc.Row([
        dbc.Col([html.Div(shown("wall-unit", "children"), className="wall-title", id="wall-unit"),
                 html.Div(shown("wall-period", "children"), className="wall-subtitle", id="wall-period")]),
        dbc.Col([html.Div(id="wall-clock", className="wall-clock"),
                 html.Div(shown("wall-position", "children"), className="wall-rotation", id="wall-position")],
                width="auto", className="text-end"),
    ], className="mb-3 align-items-center")


def _overview_main(shown, lang: str) -> dbc.Row:
    graph = _graph("wall-map", shown("wall-map", "figure", BLANK))
    return dbc.Row([
        dbc.Col(_panel(shown("wall-map-title", "children"),
                       html.Div(graph, id="wall-map-block", className=shown("wall-map-block", "className",
                                                                             "precinct-map")),
                       title_id="wall-map-title"), width=7),
        dbc.Col(_panel(t("live.title", lang), html.Div([
            html.Div(shown("wall-live-counters", "children", []), className="live-counters mb-2",
                     id="wall-live-counters"),
            _graph("wall-hourly", shown("wall-hourly", "figure", BLANK)),
        ], className="wall-panel-body")), width=5),
    ], className="g-3 wall-main", id="wall-main-overview", style=shown("wall-main-overview", "style"))


def _trend_main(shown, lang: str) -> html.Div:
    """The trend and the outcome mix on the left, the ranking on the right (a grid: without a ranking
    the outcome mix takes its place, ``assets/overview.css``)."""
    return html.Div([
        _panel(shown("wall-trend-title", "children"), _graph("wall-trend", shown("wall-trend", "figure", BLANK)),
               title_id="wall-trend-title", panel_id="wall-trend-panel"),
        _panel(t("overview.outcomes", lang), _graph("wall-outcomes", shown("wall-outcomes", "figure", BLANK)),
               panel_id="wall-outcomes-panel"),
        _panel(t("overview.ranking", lang), _graph("wall-ranking", shown("wall-ranking", "figure", BLANK)),
               panel_id="wall-ranking-panel"),
    ], className=shown("wall-main-trend", "className", TREND_GRID), id="wall-main-trend",
        style=shown("wall-main-trend", "style"))


def wall_screen(values: dict, lang: str) -> list[html.Div]:
    """The screen drawn whole, showing ``values`` (``screen_values``), and the place of the message
    shown instead if the units leave the viewer's scope; without a unit (``empty_values``), the
    message alone."""
    def shown(component: str, prop: str, blank=None):
        return values.get((component, prop), blank)
    empty = html.Div(shown("wall-empty", "children"), className="wall-title", id="wall-empty")
    if shown("wall-screen", "style") == HIDDEN:
        return [empty]
    return [html.Div([_header(shown), dbc.Row(shown("wall-kpis", "children"), className="g-3 mb-3 wall-kpis",
                                              id="wall-kpis"),
                      _overview_main(shown, lang), _trend_main(shown, lang)],
                     className="wall-screen", id="wall-screen", style=shown("wall-screen", "style")),
            empty]
