"""The sections of the prevention page, built from ``dashboard.metrics.prevention`` data.

Component ids start with ``prevention-``; what the report pages share is
``components.report_page``.  Everything here is aggregate.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from plotly.colors import make_colorscale, sequential

from dashboard.components.charts import _layout, bar_figure, json_values
from dashboard.components.drill import (
    cell,
    dates_text,
    graph,
    hint,
    panel,
    series_figure,
    unit_href,
)
from dashboard.components.report_page import opening, page_path, pair, ranked_pair, table
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_value, value_axis
from dashboard.metrics.figures import ReportView
from dashboard.metrics.prevention import MIN_STATIONS
from dashboard.web.view_state import ViewState

PREFIX = "prevention"
PATH = page_path(PREFIX)
CARDS = ["publicity_events", "publicity_reach", "prevention_events_per_1000_warnings"]
# plotly's "Oranges" as stops: plotly.js knows no such name (plotly.py's figure objects expanded it)
HEATMAP_SCALE = make_colorscale(sequential.Oranges)


def over_time_panel(frame: pd.DataFrame, lang: str) -> dbc.Card:
    grain = frame.attrs["grain"]
    events = series_figure(frame, [("publicity_events", t("kpi.publicity_events", lang))], "count", lang,
                           grain, height=220)
    reach = series_figure(frame, [("publicity_reach", t("kpi.publicity_reach", lang))], "count", lang,
                          grain, height=220, bars=False)
    return panel(t("prevention.over_time", lang), [graph("prevention-events", events),
                                                    graph("prevention-reach", reach)],
                 "prevention-over-time-panel", hint(t(f"reports.by_{grain}", lang)))


def kinds_panel(frame: pd.DataFrame, lang: str) -> dbc.Card:
    return panel(t("prevention.kinds", lang),
                 graph("prevention-kinds", bar_figure(frame, "publicity_events", "count", lang, height=460)),
                 "prevention-kinds-panel")


def heatmap_figure(frame: pd.DataFrame, lang: str, highlight: str | None) -> dict:
    """Units (rows) by month (columns), coloured by events, reach in the hover text."""
    if frame.empty:
        return _layout([], "light", 300)
    units = frame.drop_duplicates("unit_id")
    months = sorted(frame["month"].unique())
    names = [name_of(r, lang) + (" ◀" if r["code"] == highlight else "")
             for r in units[["name_zh", "name_en", "code"]].to_dict("records")]
    events = frame.pivot(index="unit_id", columns="month", values="publicity_events").loc[units["unit_id"]]
    reach = frame.pivot(index="unit_id", columns="month", values="publicity_reach").loc[units["unit_id"]]
    texts = [[t("prevention.heatmap.cell", lang, events=format_value("count", e, lang),
                reach=format_value("count", r, lang)) for e, r in zip(erow, rrow, strict=True)]
             for erow, rrow in zip(events.to_numpy(), reach.to_numpy(), strict=True)]
    trace = {
        "type": "heatmap", "z": [json_values(row) for row in events.to_numpy()],
        "x": [m.strftime("%Y-%m") for m in months], "y": names, "text": texts, "colorscale": HEATMAP_SCALE,
        "hovertemplate": "<b>%{y}</b> %{x}<br>%{text}<extra></extra>",
        "colorbar": {"title": {"text": t("kpi.publicity_events", lang)},
                     **value_axis(frame["publicity_events"], "count", lang, ticks=4, from_zero=False)}}
    return _layout([trace], "light", max(300, 24 * len(names) + 80), xaxis={"type": "category"},
                   yaxis={"automargin": True, "autorange": "reversed"})


def heatmap_panel(report: ReportView, frame: pd.DataFrame, months, lang: str) -> dbc.Card:
    return panel(t(f"prevention.heatmap.{report.level}", lang),
                 graph("prevention-heatmap", heatmap_figure(frame, lang, report.highlight)),
                 "prevention-heatmap-panel",
                 hint(dates_text(months)))


def _decimal(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.1f}"


def _gaps_table(frame: pd.DataFrame, state: ViewState, lang: str, table_id: str) -> dbc.Table:
    heads = ["reports.unit", "prevention.gaps.warnings", "kpi.publicity_events", "kpi.publicity_reach",
             "kpi.prevention_events_per_1000_warnings", "prevention.gaps.flag"]
    rows = [html.Tr([
        html.Td(dcc.Link(name_of(row, lang), href=unit_href(PATH, state, row["code"]))),
        cell("count", row["warnings"], lang), cell("count", row["publicity_events"], lang),
        cell("count", row["publicity_reach"], lang),
        html.Td(_decimal(row["events_per_1000_warnings"]), className="text-end"),
        html.Td(t("prevention.gaps.flagged", lang) if row["flagged"] else "",
                className="text-end kpi-worse fw-semibold"),
    ], className="table-danger" if row["flagged"] else None) for row in frame.to_dict("records")]
    return table(table_id, heads, rows, lang, margin="mb-2")


def gaps_panel(gaps: pd.DataFrame, state: ViewState, lang: str) -> dbc.Card:
    """The rule with its thresholds, the flagged stations, and every station compared (folded)."""
    attrs = gaps.attrs
    if attrs["volume_threshold"] is None:
        rule = t("prevention.gaps.too_few", lang, n=MIN_STATIONS)
    else:
        rule = t("prevention.gaps.rule", lang, warnings=format_value("count", attrs["volume_threshold"], lang),
                 rate=_decimal(attrs["rate_threshold"]))
    ordered = gaps.sort_values(["flagged", "warnings"], ascending=[False, False])
    flagged = ordered[ordered["flagged"]]
    return panel(t("prevention.gaps", lang, n=len(flagged)), [
        html.P(rule, className="small text-muted", id="prevention-gaps-rule"),
        _gaps_table(flagged, state, lang, "prevention-gaps-flagged") if len(flagged) else
        html.P(t("prevention.gaps.none", lang), className="text-muted", id="prevention-gaps-flagged"),
        html.Details([html.Summary(t("prevention.gaps.all", lang, n=len(ordered)), className="small"),
                      _gaps_table(ordered, state, lang, "prevention-gaps")], id="prevention-gaps-all"),
    ], "prevention-gaps-panel")


def prevention_body(report: ReportView, data: dict, state: ViewState, lang: str) -> html.Div:
    ranked = t("kpi.prevention_events_per_1000_warnings", lang)  # the units' own column is shorter
    return html.Div([
        *opening(PREFIX, report, state, lang, CARDS),
        pair(over_time_panel(data["over_time"], lang), kinds_panel(data["kinds"], lang)),
        ranked_pair(PREFIX, report, data["units"], "events_per_1000_warnings", ranked, "average", lang,
                    heatmap_panel(report, data["unit_months"], data["months"], lang)),
        html.Div(gaps_panel(data["gaps"], state, lang), className="mb-4"),
    ])
