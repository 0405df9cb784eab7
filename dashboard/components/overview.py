"""The sections of the command overview, built from ``dashboard.metrics.overview`` data.

Component ids start with ``overview-``.  Links and the map carry unit
codes; where they lead is checked against the viewer's scope when the page
is drawn, never here.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.charts import (
    bar_figure,
    hourly_figure,
    outcome_figure,
    ranking_figure,
    trend_figure,
)
from dashboard.components.drill import compare_note
from dashboard.components.dropdown import dropdown
from dashboard.components.feed_notice import feed_notice
from dashboard.components.graph_config import graph_config
from dashboard.components.kpi_cards import kpi_cards, kpi_table
from dashboard.components.maps import labels_shown, labels_switch, map_block, precinct_map
from dashboard.i18n import t
from dashboard.i18n.numbers import format_count, format_value
from dashboard.metrics.kpis import KPI_BY_KEY, KPIS
from dashboard.metrics.overview import OverviewData
from dashboard.metrics.period import PRESETS
from dashboard.web.precinct_shapes import shapes_url
from dashboard.web.view_state import ViewState

HEADLINE = ["received", "closed", "open_at_end", "success_rate", "on_time_rate", "first_contact_median",
            "loss_avoided", "amount_stopped"]
GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _dates(period) -> str:
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    return first if first == last else f"{first} – {last}"


def breadcrumb(data: OverviewData, state: ViewState, lang: str) -> html.Nav:
    items = []
    for i, unit in enumerate(data.chain):
        name = unit.name(lang)
        if i == len(data.chain) - 1:
            items.append(html.Li(name, className="breadcrumb-item active", id="overview-crumb-current"))
        else:
            items.append(html.Li(dcc.Link(name, href="/" + state.search(unit=unit.code),
                                          id=f"overview-crumb-{unit.level}"), className="breadcrumb-item"))
    return html.Nav(html.Ol(items, className="breadcrumb mb-0"), id="overview-breadcrumb")


def controls(data: OverviewData, state: ViewState, lang: str) -> dbc.Row:
    """Period picker, the metric of the map and ranking, per 10,000 residents."""
    period = data.period
    presets = [{"label": t(f"period.{p}", lang), "value": p} for p in PRESETS]
    presets.append({"label": t("period.custom", lang), "value": "custom"})
    metric_options = [{"label": t(f"kpi.{k.key}", lang), "value": k.key} for k in KPIS]
    return dbc.Row([
        dbc.Col(dbc.RadioItems(id="overview-period", options=presets, value=state.preset or "custom",
                               inline=True, className="btn-group", inputClassName="btn-check",
                               labelClassName="btn btn-outline-primary btn-sm",
                               labelCheckedClassName="active"), width="auto"),
        dbc.Col(dcc.DatePickerRange(id="overview-dates", start_date=period.first_day.isoformat(),
                                    end_date=period.last_day.isoformat(), display_format="YYYY-MM-DD",
                                    minimum_nights=0, first_day_of_week=1,
                                    start_date_placeholder_text=t("period.from", lang),
                                    end_date_placeholder_text=t("period.to", lang)), width="auto"),
        dbc.Col(html.Label(t("overview.metric", lang), htmlFor="overview-metric", className="col-form-label"),
                width="auto"),
        dbc.Col(dropdown(lang, id="overview-metric", options=metric_options, value=state.metric,
                               clearable=False, style={"minWidth": "14rem"}), width="auto"),
        dbc.Col(dbc.Checklist(id="overview-per", options=[{"label": t("overview.per_10k", lang),
                                                          "value": "10k"}],
                              value=["10k"] if state.per_capita else [], switch=True,
                              className="mt-1"), width="auto"),
    ], className="g-2 align-items-center")


def header(data: OverviewData, state: ViewState, lang: str, can_assign: bool = False) -> html.Div:
    """Breadcrumb, title, comparison note, controls; "Assign task" below the city for task managers."""
    windows = data.kpis.attrs["windows"]
    note = compare_note(windows, lang)
    if windows.basis is not None and windows.hourly:
        note = t("compare.hourly", lang, hour=windows.basis.end.strftime("%H:%M"))
    return html.Div([
        breadcrumb(data, state, lang),
        html.Div([html.H3(data.unit.name(lang), id="overview-title", className="mb-0 me-3"),
                  html.Span(_dates(data.period), className="text-muted me-3", id="overview-period-dates"),
                  html.Span(note, className="small text-muted", id="overview-compare-note"),
                  *([dbc.Button(t("overview.assign_task", lang), id="overview-assign-task", size="sm",
                                color="primary", outline=True, className="ms-auto",
                                href=f"/tasks/new?target={data.unit.code}")]
                    if can_assign and data.unit.level in ("county", "station") else [])],
                 className="d-flex align-items-baseline flex-wrap mt-1 mb-2"),
        controls(data, state, lang),
    ], className="mb-3")


def _panel(title: str, body, panel_id: str, extra=None) -> dbc.Card:
    head = [html.Span(title, className="fw-semibold")] + ([extra] if extra is not None else [])
    return dbc.Card([dbc.CardHeader(head, className="d-flex justify-content-between"), dbc.CardBody(body)],
                    id=panel_id, className="h-100")


def _metric_label(state: ViewState, lang: str) -> str:
    label = t(f"kpi.{state.metric}", lang)
    return t("overview.metric_per_10k", lang, metric=label) if state.per_capita else label


def _map_kind(state: ViewState) -> str:
    kind = KPI_BY_KEY[state.metric].kind
    if state.per_capita:
        kind = "yuan" if kind == "yuan" else "average"
    return kind


def _value_texts(data: OverviewData, state: ViewState, lang: str) -> list[str]:
    return [format_value(_map_kind(state), v, lang) for v in data.map_units["value"]]


def map_panel(data: OverviewData, state: ViewState, lang: str) -> dbc.Card:
    """The map; a station's alone, its neighbours grey; the "labels" switch, on for a few units."""
    units = data.map_units.assign(value=data.map_units["value"].fillna(0).astype(float))
    figure = precinct_map(data.geojson, units, _metric_label(state, lang), lang, height=560,
                          texts=_value_texts(data, state, lang), highlight=data.highlight,
                          kind=_map_kind(state),
                          shapes=shapes_url(data.map_unit_id, data.map_level, data.geojson),
                          neighbours=data.neighbours)
    own = data.unit.level == "station"
    hint = t("overview.map_hint_own" if own else
             "overview.map_hint_station" if data.map_level == "station" else "overview.map_hint", lang)
    shown = labels_shown(len(figure["layout"]["meta"]["labels"]))
    graph = dcc.Graph(id="overview-map", figure=figure, config=graph_config(GRAPH_CONFIG, lang, scrollZoom=True))
    return _panel(t("overview.map.own_station" if own else f"overview.map.{data.map_level}", lang),
                  map_block(graph, "overview-map-block", shown), "overview-map-panel",
                  html.Div([html.Span(hint, className="small text-muted"),
                            labels_switch("overview-map-labels", shown, lang)],
                           className="d-flex align-items-center"))


def has_ranking(data: OverviewData) -> bool:
    """Whether the view ranks units: not when there is one (an officer's station)."""
    return len(data.map_units) > 1


def ranking_panel(data: OverviewData, state: ViewState, lang: str) -> dbc.Card:
    kpi = KPI_BY_KEY[state.metric]
    kind = ("yuan" if kpi.kind == "yuan" else "average") if state.per_capita else kpi.kind
    figure = ranking_figure(data.map_units, "value", _metric_label(state, lang), kind, kpi.better, lang,
                            highlight=data.unit.code if data.unit.level == data.map_level else None)
    return _panel(t("overview.ranking", lang), dcc.Graph(id="overview-ranking", figure=figure,
                                                          config=graph_config(GRAPH_CONFIG, lang)),
                  "overview-ranking-panel",
                  html.Span(t("overview.ranking_hint", lang), className="small text-muted"))


def _trend_and_ranking(data: OverviewData, state: ViewState, lang: str) -> dbc.Row:
    """The trend beside the ranking; the trend alone when there is one unit (the ranking's graph
    stays, hidden and empty, as an input of the page's navigation)."""
    if has_ranking(data):
        return dbc.Row([dbc.Col(trend_panel(data, lang), xl=7, className="mb-3"),
                        dbc.Col(ranking_panel(data, state, lang), xl=5, className="mb-3")], className="g-3")
    return dbc.Row([dbc.Col(trend_panel(data, lang), xl=12, className="mb-3"),
                    html.Div(dcc.Graph(id="overview-ranking", figure={}), hidden=True)], className="g-3")


def trend_panel(data: OverviewData, lang: str) -> dbc.Card:
    kind = KPI_BY_KEY[data.trend_kpi].kind
    label = t(f"kpi.{data.trend_kpi}", lang)
    figure = trend_figure(data.trend, label, kind, lang)
    return _panel(t("overview.trend", lang, metric=label), dcc.Graph(id="overview-trend", figure=figure,
                                                                    config=graph_config(GRAPH_CONFIG, lang)),
                  "overview-trend-panel", html.Span(_dates(data.trend_period), className="small text-muted"))


def breakdown_panels(data: OverviewData, lang: str) -> dbc.Row:
    return dbc.Row([
        dbc.Col(_panel(t("overview.fraud_types", lang), dcc.Graph(
            id="overview-fraud-types", figure=bar_figure(data.fraud_types, "received", "count", lang, height=360),
            config=graph_config(GRAPH_CONFIG, lang)), "overview-fraud-types-panel"), lg=5, className="mb-3"),
        dbc.Col(_panel(t("overview.outcomes", lang), dcc.Graph(
            id="overview-outcomes", figure=outcome_figure(data.outcomes, lang, height=360),
            config=graph_config(GRAPH_CONFIG, lang)), "overview-outcomes-panel"), lg=4, className="mb-3"),
        dbc.Col(_panel(t("overview.methods", lang), dcc.Graph(
            id="overview-methods", figure=bar_figure(data.methods, "attempts", "count", lang, height=360),
            config=graph_config(GRAPH_CONFIG, lang)), "overview-methods-panel"), lg=3, className="mb-3"),
    ], className="g-3")


def live_counters(live: dict, lang: str, id_prefix: str = "overview") -> list:
    """The live counters: last N minutes, open now, overdue now, and the time of the reading.

    Above them, while a feed of the unit is silent, the notice that says so (``feed_notice``).
    """
    def counter(key: str, value: int, label: str) -> html.Div:
        return html.Div([html.Div(format_count(value, lang), className="live-value",
                                  id=f"{id_prefix}-live-{key}"),
                         html.Div(label, className="live-label")], className="live-counter")
    notice = feed_notice(live, lang, id_prefix)
    return [
        *([notice] if notice is not None else []),
        counter("recent", live["recent"], t("live.recent", lang, minutes=live["minutes"])),
        counter("open", live["open"], t("live.open", lang)),
        counter("overdue", live["overdue"], t("live.overdue", lang)),
        html.Div(t("live.as_of", lang, time=live["at"].strftime("%H:%M:%S")), className="live-time",
                 id=f"{id_prefix}-live-time"),
    ]


def live_panel(live: dict, lang: str) -> dbc.Card:
    return _panel(t("live.title", lang), [
        html.Div(live_counters(live, lang), className="live-counters", id="overview-live-counters"),
        dcc.Graph(id="overview-live-hourly", figure=hourly_figure(live["hourly"], lang, height=430),
                  config=graph_config(GRAPH_CONFIG, lang, displayModeBar=False)),
    ], "overview-live-panel")


def overview_body(data: OverviewData, live: dict, state: ViewState, lang: str,
                  can_assign: bool = False, alerts=None) -> html.Div:
    """The whole overview; ``alerts`` (the anomaly flags, if given) go right under the header."""
    return html.Div([
        header(data, state, lang, can_assign),
        *([alerts] if alerts is not None else []),
        kpi_cards(data.kpis, HEADLINE, lang),
        dbc.Row([dbc.Col(map_panel(data, state, lang), xl=7, className="mb-3"),
                 dbc.Col(live_panel(live, lang), xl=5, className="mb-3")], className="g-3"),
        _trend_and_ranking(data, state, lang),
        breakdown_panels(data, lang),
        html.Details([html.Summary(t("overview.all_figures" if len(data.kpis.attrs["windows"].names) == 2
                                     else "overview.all_figures_last_year", lang), className="fw-semibold mb-2"),
                      kpi_table(data.kpis, lang)], id="overview-all-figures", open=False, className="mb-4"),
    ])
