"""The sections of the funds page, built from ``dashboard.metrics.funds`` data.

Component ids start with ``funds-``.  The list of the largest stop-payments
is record-level: the page passes it only to roles that may see records, and
its accounts arrive already masked.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard.components.charts import bar_figure, ranking_figure
from dashboard.components.drill import (
    band_figure,
    cell,
    graph,
    hint,
    panel,
    report_header,
    series_figure,
    unit_table,
)
from dashboard.components.kpi_cards import kpi_cards
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_value
from dashboard.metrics.figures import ReportView
from dashboard.web.view_state import ViewState

PATH = "/funds"
PREFIX = "funds"
CARDS = ["accounts_stopped", "amount_stopped", "amount_frozen", "amount_returned", "funds_reported_loss",
         "funds_stopped_share", "funds_returned_share", "funds_stop_minutes_median", "funds_within_hour_share"]
UNIT_COLUMNS = [
    ("accounts_stopped", "kpi.accounts_stopped", "count"),
    ("amount_stopped", "kpi.amount_stopped", "yuan"),
    ("amount_stopped_pct_last_year", "compare.last_year", "change:up"),
    ("amount_stopped_pct_previous", "compare.previous", "change:up"),
    ("amount_frozen", "kpi.amount_frozen", "yuan"),
    ("amount_returned", "kpi.amount_returned", "yuan"),
    ("funds_reported_loss", "kpi.funds_reported_loss", "yuan"),
    ("funds_stopped_share", "kpi.funds_stopped_share", "rate"),
    ("funds_returned_share", "kpi.funds_returned_share", "rate"),
]


def band_labels(lowers: list, uppers: list, lang: str) -> list[str]:
    """"0–9 min", ..., "≥ 1440 min" for bands of whole minutes."""
    return [t("funds.clock.band", lang, low=int(lo), high=int(up) - 1) if up is not None and not pd.isna(up)
            else t("funds.clock.band_last", lang, low=int(lo)) for lo, up in zip(lowers, uppers, strict=True)]


def over_time_panel(frame: pd.DataFrame, lang: str) -> dbc.Card:
    columns = [(c, t(f"kpi.{c}", lang)) for c in ("amount_stopped", "amount_frozen", "amount_returned")]
    figure = series_figure(frame, columns, "yuan", lang, frame.attrs["grain"])
    return panel(t("funds.over_time", lang), graph("funds-over-time", figure), "funds-over-time-panel",
                 hint(t(f"reports.by_{frame.attrs['grain']}", lang)))


def clock_panel(clock: pd.DataFrame, lang: str) -> dbc.Card:
    labels = band_labels(list(clock["lower"]), list(clock["upper"]), lang)
    figure = band_figure(labels, list(clock["stop_payments"]), "count", lang)
    attrs = clock.attrs
    summary = t("funds.clock.summary", lang, count=format_value("count", attrs["count"], lang),
                median=format_value("minutes", attrs["median"], lang),
                p90=format_value("minutes", attrs["p90"], lang))
    return panel(t("funds.clock", lang), [graph("funds-clock", figure),
                                          html.Div(summary, className="small text-muted",
                                                   id="funds-clock-summary")],
                 "funds-clock-panel", hint(t("funds.clock.hint", lang)))


def at_risk_panel(frame: pd.DataFrame, lang: str) -> dbc.Card:
    """The amount at risk of the period's warnings by fraud type: bars (share of the whole) and a table."""
    if not int(frame["amount_at_risk"].sum()):
        return panel(t("funds.at_risk", lang), html.P(t("reports.nothing", lang), id="funds-at-risk"),
                     "funds-at-risk-panel", hint(t("funds.at_risk.hint", lang)))
    shown = frame[frame["amount_at_risk"] > 0]
    figure = bar_figure(shown, "amount_at_risk", "yuan", lang, height=max(220, 34 * len(shown)))
    heads = ["warning.field.fraud_type", "kpi.amount_at_risk", "funds.at_risk.share", "kpi.received"]
    head = html.Thead(html.Tr([html.Th(t(h, lang), className="text-end" if i else None)
                               for i, h in enumerate(heads)]))
    rows = [html.Tr([html.Td(name_of(row, lang)), cell("yuan", row["amount_at_risk"], lang),
                     cell("rate", row["share"], lang), cell("count", row["received"], lang)])
            for row in shown.to_dict("records")]
    table = dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="funds-at-risk",
                      className="mb-0")
    return panel(t("funds.at_risk", lang),
                 dbc.Row([dbc.Col(graph("funds-at-risk-chart", figure), lg=7), dbc.Col(table, lg=5)]),
                 "funds-at-risk-panel", hint(t("funds.at_risk.hint", lang)))


def units_panels(report: ReportView, units: pd.DataFrame, state: ViewState, lang: str) -> dbc.Row:
    label = t("kpi.amount_stopped", lang)
    figure = ranking_figure(units, "amount_stopped", label, "yuan", "up", lang, highlight=report.highlight)
    return dbc.Row([
        dbc.Col(panel(t("reports.ranking", lang, metric=label), graph("funds-ranking", figure),
                      "funds-ranking-panel", hint(t("reports.ranking_hint", lang))), xl=4, className="mb-3"),
        dbc.Col(panel(t(f"reports.units.{report.level}", lang),
                      unit_table(PREFIX, PATH, state, units, UNIT_COLUMNS, lang, report.highlight),
                      "funds-units-panel"), xl=8, className="mb-3"),
    ], className="g-3")


def _warning_link(warning_id, lang: str):
    if warning_id is None or pd.isna(warning_id):
        return "—"
    return dcc.Link(t("reports.open_warning", lang), href=f"/warnings/{int(warning_id)}")


def largest_panel(frame: pd.DataFrame, days: int, lang: str) -> dbc.Card:
    """The largest recent stop-payments (record-level; accounts masked)."""
    heads = ["funds.largest.stopped_at", "funds.largest.station", "funds.largest.bank",
             "funds.largest.account", "funds.largest.requested", "kpi.amount_stopped", "kpi.amount_frozen",
             "kpi.amount_returned", "funds.largest.minutes", "reports.warning"]
    head = html.Thead(html.Tr([html.Th(t(h, lang)) for h in heads]))
    rows = []
    for row in frame.to_dict("records"):
        rows.append(html.Tr([
            html.Td(row["stopped_at"].strftime("%Y-%m-%d %H:%M")),
            html.Td(row["station_zh"] if lang == "zh-CN" else row["station_en"]),
            html.Td(row["bank"]), html.Td(row["account"], className="font-monospace"),
            cell("yuan", row["requested_amount"], lang), cell("yuan", row["stopped_amount"], lang),
            cell("yuan", row["frozen_amount"], lang), cell("yuan", row["returned_amount"], lang),
            cell("minutes", row["minutes"], lang), html.Td(_warning_link(row["warning_id"], lang)),
        ]))
    body = (dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="funds-largest",
                      className="mb-0") if rows else html.P(t("reports.nothing", lang), id="funds-largest"))
    return panel(t("funds.largest", lang, days=days), body, "funds-largest-panel",
                 hint(t("funds.largest.hint", lang)))


def funds_body(report: ReportView, data: dict, state: ViewState, lang: str) -> html.Div:
    """The whole page; ``data["largest"]`` is None for roles that may not see records."""
    sections = [
        report_header(PREFIX, PATH, t("nav.funds", lang), report.unit, report.chain, report.period,
                      report.figures.attrs["windows"], state, lang),
        kpi_cards(report.figures, CARDS[:4], lang, id_prefix=PREFIX),
        kpi_cards(report.figures, CARDS[4:], lang, id_prefix=PREFIX),
        dbc.Row([dbc.Col(over_time_panel(data["over_time"], lang), xl=7, className="mb-3"),
                 dbc.Col(clock_panel(data["clock"], lang), xl=5, className="mb-3")], className="g-3"),
        html.Div(at_risk_panel(data["at_risk"], lang), className="mb-3"),
        units_panels(report, data["units"], state, lang),
    ]
    if data.get("largest") is not None:
        sections.append(html.Div(largest_panel(data["largest"], data["largest_days"], lang), className="mb-4"))
    return html.Div(sections)
