"""Wall mode: one unit full-screen, dark, large type, readable from across a room; no controls.

Component ids start with ``wall-``.  ``wall_screen`` draws one view of one
unit ("overview": key figures, map and today by hour; "trend": the trend,
the ranking and the outcome mix); the page rotates through them.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.charts import hourly_figure, outcome_figure, ranking_figure, trend_figure
from dashboard.components.kpi_cards import change_text, shown_comparisons
from dashboard.components.maps import labels_shown, map_block, precinct_map
from dashboard.components.overview import has_ranking, live_counters
from dashboard.i18n import t
from dashboard.i18n.numbers import format_value
from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.metrics.overview import OverviewData
from dashboard.web.precinct_shapes import shapes_url

VIEWS = ("overview", "trend")
WALL_KPIS = ["received", "closed", "open_at_end", "success_rate", "on_time_rate", "loss_avoided"]
STATIC = {"displayModeBar": False, "staticPlot": False, "scrollZoom": False}


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


def _panel(title: str, body) -> html.Div:
    """A dark panel; the panels of a column share its height (``assets/overview.css``)."""
    return html.Div([html.Div(title, className="wall-panel-title"), body], className="wall-panel")


def _graph(graph_id: str, figure: dict) -> dcc.Graph:
    """A graph that fills its panel, whatever the screen's size (its figure's height is unset)."""
    return dcc.Graph(id=graph_id, figure=figure, config=STATIC, responsive=True, className="wall-graph")


def _header(data: OverviewData, lang: str, position: str) -> dbc.Row:
    period = data.period
    dates = period.first_day.isoformat() if period.days == 1 else \
        f"{period.first_day.isoformat()} – {period.last_day.isoformat()}"
    return dbc.Row([
        dbc.Col([html.Div(data.unit.name(lang), className="wall-title", id="wall-unit"),
                 html.Div([t(f"period.{period.kind if period.kind != 'day' else 'today'}", lang)
                           if period.kind != "custom" else t("period.custom", lang), " · ", dates],
                          className="wall-subtitle")]),
        dbc.Col([html.Div(id="wall-clock", className="wall-clock"),
                 html.Div(position, className="wall-rotation", id="wall-position")],
                width="auto", className="text-end"),
    ], className="mb-3 align-items-center")


def _map(data: OverviewData, lang: str, height: int) -> dcc.Graph:
    kpi = KPI_BY_KEY["received"]
    units = data.map_units.assign(value=data.map_units["received"].astype(float))
    texts = [format_value(kpi.kind, v, lang) for v in data.map_units["received"]]
    figure = precinct_map(data.geojson, units, t("kpi.received", lang), lang, height=height, texts=texts,
                          highlight=data.highlight, theme="dark", neighbours=data.neighbours,
                          shapes=shapes_url(data.map_unit_id, data.map_level, data.geojson))
    shown = labels_shown(len(figure["layout"]["meta"]["labels"]))  # no switch: nothing on the wall takes input
    return map_block(_graph("wall-map", figure), "wall-map-block", shown)


def wall_screen(data: OverviewData, live: dict, view: str, lang: str, position: str) -> html.Div:
    """One screen of the wall: ``view`` of ``data``'s unit, with the live figures."""
    names = shown_comparisons(data.kpis)
    cards = data.kpis.set_index("key")
    kpis = dbc.Row([_kpi(cards.loc[k].to_dict() | {"key": k}, lang, names) for k in WALL_KPIS],
                   className="g-3 mb-3 wall-kpis")
    if view == "trend":
        kpi = KPI_BY_KEY[data.trend_kpi]
        label = t(f"kpi.{data.trend_kpi}", lang)
        left = [
            _panel(t("overview.trend", lang, metric=label), _graph(
                "wall-trend", trend_figure(data.trend, label, kpi.kind, lang, theme="dark", height=330))),
            _panel(t("overview.outcomes", lang), _graph(
                "wall-outcomes", outcome_figure(data.outcomes, lang, theme="dark", height=300))),
        ]
        if has_ranking(data):
            right = _panel(t("overview.ranking", lang), _graph(
                "wall-ranking", ranking_figure(data.map_units, "received", t("kpi.received", lang), "count",
                                               "down", lang, theme="dark", height=680)))
        else:  # one unit (an officer's station): nothing to rank, the outcome mix takes its place
            right, left = left[-1], left[:1]
        body = dbc.Row([dbc.Col(left, width=7), dbc.Col(right, width=5)], className="g-3 wall-main")
    else:
        body = dbc.Row([
            dbc.Col(_panel(t("overview.map.own_station" if data.unit.level == "station"
                             else f"overview.map.{data.map_level}", lang), _map(data, lang, 700)), width=7),
            dbc.Col(_panel(t("live.title", lang), html.Div([
                html.Div(live_counters(live, lang, "wall"), className="live-counters mb-2"),
                _graph("wall-hourly", hourly_figure(live["hourly"], lang, theme="dark", height=600)),
            ], className="wall-panel-body")), width=5),
        ], className="g-3 wall-main")
    return html.Div([_header(data, lang, position), kpis, body], className="wall-screen")
