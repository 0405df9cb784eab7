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


def _panel(title: str, body, panel_id: str, extra=None, title_id: str | None = None) -> dbc.Card:
    head = [html.Span(title, className="fw-semibold", **({"id": title_id} if title_id else {}))]
    head += [extra] if extra is not None else []
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


def map_figure(data: OverviewData, state: ViewState, lang: str) -> dict:
    """The map's figure: the units' values; a station's alone, its neighbours grey."""
    units = data.map_units.assign(value=data.map_units["value"].fillna(0).astype(float))
    return precinct_map(data.geojson, units, _metric_label(state, lang), lang, height=560,
                        texts=_value_texts(data, state, lang), highlight=data.highlight,
                        kind=_map_kind(state),
                        shapes=shapes_url(data.map_unit_id, data.map_level, data.geojson),
                        neighbours=data.neighbours)


def map_texts(data: OverviewData, lang: str) -> tuple[str, str]:
    """The map panel's title and hint."""
    own = data.unit.level == "station"
    hint = t("overview.map_hint_own" if own else
             "overview.map_hint_station" if data.map_level == "station" else "overview.map_hint", lang)
    return t("overview.map.own_station" if own else f"overview.map.{data.map_level}", lang), hint


def map_panel(data: OverviewData, state: ViewState, lang: str) -> dbc.Card:
    """The map, with the "labels" switch, on for a few units."""
    figure = map_figure(data, state, lang)
    title, hint = map_texts(data, lang)
    shown = labels_shown(len(figure["layout"]["meta"]["labels"]))
    graph = dcc.Graph(id="overview-map", figure=figure, config=graph_config(GRAPH_CONFIG, lang, scrollZoom=True))
    return dbc.Card([
        dbc.CardHeader([html.Span(title, className="fw-semibold", id="overview-map-title"),
                        html.Div([html.Span(hint, className="small text-muted", id="overview-map-hint"),
                                  labels_switch("overview-map-labels", shown, lang)],
                                 className="d-flex align-items-center")],
                       className="d-flex justify-content-between"),
        dbc.CardBody(map_block(graph, "overview-map-block", shown))], id="overview-map-panel", className="h-100")


def has_ranking(data: OverviewData) -> bool:
    """Whether the view ranks units: not when there is one (an officer's station)."""
    return len(data.map_units) > 1


def ranking_figure_of(data: OverviewData, state: ViewState, lang: str) -> dict:
    """The ranking's figure; none when there is one unit (an officer's station)."""
    if not has_ranking(data):
        return {}
    kpi = KPI_BY_KEY[state.metric]
    kind = ("yuan" if kpi.kind == "yuan" else "average") if state.per_capita else kpi.kind
    return ranking_figure(data.map_units, "value", _metric_label(state, lang), kind, kpi.better, lang,
                          highlight=data.unit.code if data.unit.level == data.map_level else None)


def ranking_panel(data: OverviewData, state: ViewState, lang: str) -> dbc.Card:
    return _panel(t("overview.ranking", lang), dcc.Graph(id="overview-ranking",
                                                          figure=ranking_figure_of(data, state, lang),
                                                          config=graph_config(GRAPH_CONFIG, lang)),
                  "overview-ranking-panel",
                  html.Span(t("overview.ranking_hint", lang), className="small text-muted"))


def trend_and_ranking_layout(data: OverviewData) -> tuple[int, dict | None]:
    """The trend's width and the ranking's style: beside each other, or the trend alone when there
    is one unit (the ranking's graph stays, hidden and empty, as an input of the page's navigation)."""
    return (7, None) if has_ranking(data) else (12, {"display": "none"})


def _trend_and_ranking(data: OverviewData, state: ViewState, lang: str) -> dbc.Row:
    width, ranking_style = trend_and_ranking_layout(data)
    return dbc.Row([dbc.Col(trend_panel(data, lang), xl=width, className="mb-3", id="overview-trend-col"),
                    dbc.Col(ranking_panel(data, state, lang), xl=5, className="mb-3", id="overview-ranking-col",
                            style=ranking_style)], className="g-3")


def trend_texts(data: OverviewData, lang: str) -> tuple[str, str]:
    """The trend panel's title and its dates."""
    return t("overview.trend", lang, metric=t(f"kpi.{data.trend_kpi}", lang)), _dates(data.trend_period)


def trend_figure_of(data: OverviewData, lang: str) -> dict:
    return trend_figure(data.trend, t(f"kpi.{data.trend_kpi}", lang), KPI_BY_KEY[data.trend_kpi].kind, lang)


def trend_panel(data: OverviewData, lang: str) -> dbc.Card:
    title, dates = trend_texts(data, lang)
    return _panel(title, dcc.Graph(id="overview-trend", figure=trend_figure_of(data, lang),
                                   config=graph_config(GRAPH_CONFIG, lang)),
                  "overview-trend-panel", html.Span(dates, className="small text-muted", id="overview-trend-dates"),
                  title_id="overview-trend-title")


def breakdown_figures(data: OverviewData, lang: str) -> tuple[dict, dict, dict]:
    """Fraud types, outcomes, dissuasion methods."""
    return (bar_figure(data.fraud_types, "received", "count", lang, height=360),
            outcome_figure(data.outcomes, lang, height=360),
            bar_figure(data.methods, "attempts", "count", lang, height=360))


def breakdown_panels(data: OverviewData, lang: str) -> dbc.Row:
    fraud_types, outcomes, methods = breakdown_figures(data, lang)

    def panel(key: str, title: str, figure: dict, width: int) -> dbc.Col:
        return dbc.Col(_panel(title, dcc.Graph(id=f"overview-{key}", figure=figure,
                                               config=graph_config(GRAPH_CONFIG, lang)),
                              f"overview-{key}-panel"), lg=width, className="mb-3")
    return dbc.Row([panel("fraud-types", t("overview.fraud_types", lang), fraud_types, 5),
                    panel("outcomes", t("overview.outcomes", lang), outcomes, 4),
                    panel("methods", t("overview.methods", lang), methods, 3)], className="g-3")


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


def all_figures(data: OverviewData, lang: str) -> list:
    """The folded table of every figure, under its summary line."""
    return [html.Summary(t("overview.all_figures" if len(data.kpis.attrs["windows"].names) == 2
                           else "overview.all_figures_last_year", lang), className="fw-semibold mb-2"),
            kpi_table(data.kpis, lang)]


def overview_body(data: OverviewData, live: dict, state: ViewState, lang: str,
                  can_assign: bool = False, alerts=None) -> html.Div:
    """The whole overview; ``alerts`` (the anomaly flags, if given) go right under the header.

    The parts a new view changes are in places of their own (``REDRAWN``), which
    ``redrawn`` fills for a drill or a period change without drawing the page anew.
    """
    return html.Div([
        html.Div(header(data, state, lang, can_assign), id="overview-head"),
        *([alerts] if alerts is not None else []),
        html.Div(kpi_cards(data.kpis, HEADLINE, lang), id="overview-kpis"),
        dbc.Row([dbc.Col(map_panel(data, state, lang), xl=7, className="mb-3"),
                 dbc.Col(live_panel(live, lang), xl=5, className="mb-3")], className="g-3"),
        _trend_and_ranking(data, state, lang),
        breakdown_panels(data, lang),
        html.Details(all_figures(data, lang), id="overview-all-figures", open=False, className="mb-4"),
    ])


# what a new view of the same page changes: (component id, property), in the order of ``redrawn``
REDRAWN = [("overview-head", "children"), ("overview-kpis", "children"), ("overview-map", "figure"),
           ("overview-map-title", "children"), ("overview-map-hint", "children"),
           ("overview-map-labels", "value"), ("overview-trend", "figure"), ("overview-trend-title", "children"),
           ("overview-trend-dates", "children"), ("overview-trend-col", "xl"), ("overview-ranking", "figure"),
           ("overview-ranking-col", "style"), ("overview-fraud-types", "figure"), ("overview-outcomes", "figure"),
           ("overview-methods", "figure"), ("overview-all-figures", "children")]


def redrawn(data: OverviewData, state: ViewState, lang: str, can_assign: bool = False) -> list:
    """The new values of ``REDRAWN`` for the view ``data``: every graph keeps its instance (plotly.js
    updates it in place) and the live panel keeps running."""
    figure = map_figure(data, state, lang)
    width, ranking_style = trend_and_ranking_layout(data)
    return [header(data, state, lang, can_assign), kpi_cards(data.kpis, HEADLINE, lang), figure,
            *map_texts(data, lang), labels_shown(len(figure["layout"]["meta"]["labels"])),
            trend_figure_of(data, lang), *trend_texts(data, lang), width, ranking_figure_of(data, state, lang),
            ranking_style, *breakdown_figures(data, lang), all_figures(data, lang)]
