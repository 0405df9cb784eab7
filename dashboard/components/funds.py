"""The sections of the funds page, built from ``dashboard.metrics.funds`` data.

Component ids start with ``funds-``; what the report pages share is
``components.report_page``.  The list of the largest stop-payments is
record-level: the page passes it only to roles that may see records, and
its accounts arrive already masked.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.components.charts import bar_figure
from dashboard.components.drill import band_figure, cell, graph, hint, panel
from dashboard.components.report_page import (
    changes,
    opening,
    over_time_panel,
    pair,
    record_table,
    table,
    units_panels,
    warning_link,
)
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_value
from dashboard.metrics.figures import ReportView
from dashboard.web.view_state import ViewState

PREFIX = "funds"
CARDS = ["accounts_stopped", "amount_stopped", "amount_frozen", "amount_returned", "funds_reported_loss",
         "funds_stopped_share", "funds_returned_share", "funds_stop_minutes_median", "funds_within_hour_share"]
OVER_TIME = ("amount_stopped", "amount_frozen", "amount_returned")
UNIT_COLUMNS = [
    ("accounts_stopped", "kpi.accounts_stopped", "count"),
    ("amount_stopped", "kpi.amount_stopped", "yuan"),
    *changes("amount_stopped", "up"),
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
    rows = [html.Tr([html.Td(name_of(row, lang)), cell("yuan", row["amount_at_risk"], lang),
                     cell("rate", row["share"], lang), cell("count", row["received"], lang)])
            for row in shown.to_dict("records")]
    return panel(t("funds.at_risk", lang),
                 dbc.Row([dbc.Col(graph("funds-at-risk-chart", figure), lg=7),
                          dbc.Col(table("funds-at-risk", heads, rows, lang), lg=5)]),
                 "funds-at-risk-panel", hint(t("funds.at_risk.hint", lang)))


def largest_panel(frame: pd.DataFrame, days: int, lang: str) -> dbc.Card:
    """The largest recent stop-payments (record-level; accounts masked)."""
    heads = ["funds.largest.stopped_at", "funds.largest.station", "funds.largest.bank",
             "funds.largest.account", "funds.largest.requested", "kpi.amount_stopped", "kpi.amount_frozen",
             "kpi.amount_returned", "funds.largest.minutes", "reports.warning"]
    rows = [html.Tr([
        html.Td(row["stopped_at"].strftime("%Y-%m-%d %H:%M")),
        html.Td(row["station_zh"] if lang == "zh-CN" else row["station_en"]),
        html.Td(row["bank"]), html.Td(row["account"], className="font-monospace"),
        cell("yuan", row["requested_amount"], lang), cell("yuan", row["stopped_amount"], lang),
        cell("yuan", row["frozen_amount"], lang), cell("yuan", row["returned_amount"], lang),
        cell("minutes", row["minutes"], lang), html.Td(warning_link(row["warning_id"], lang)),
    ]) for row in frame.to_dict("records")]
    return panel(t("funds.largest", lang, days=days), record_table("funds-largest", heads, rows, lang),
                 "funds-largest-panel", hint(t("funds.largest.hint", lang)))


def funds_body(report: ReportView, data: dict, state: ViewState, lang: str) -> html.Div:
    """The whole page; ``data["largest"]`` is None for roles that may not see records."""
    sections = [
        *opening(PREFIX, report, state, lang, CARDS[:4], CARDS[4:]),
        pair(over_time_panel(PREFIX, data["over_time"], OVER_TIME, "yuan", lang), clock_panel(data["clock"], lang)),
        html.Div(at_risk_panel(data["at_risk"], lang), className="mb-3"),
        units_panels(PREFIX, report, data["units"], "amount_stopped", "yuan", UNIT_COLUMNS, state, lang),
    ]
    if data.get("largest") is not None:
        sections.append(html.Div(largest_panel(data["largest"], data["largest_days"], lang), className="mb-4"))
    return html.Div(sections)
