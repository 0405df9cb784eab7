"""The sections of the cases page, built from ``dashboard.metrics.cases`` data.

Component ids start with ``cases-``; what the report pages share is
``components.report_page``.  The list of open cases, with its links back to
the warnings the cases grew from, is record-level: the page passes it only
to roles that may see records.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.components.drill import band_figure, cell, change_cell, graph, hint, panel
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
from dashboard.metrics.cases import AGE_BANDS
from dashboard.metrics.figures import ReportView
from dashboard.web.view_state import ViewState

PREFIX = "cases"
CARDS = ["cases_reported", "cases_solved", "solving_rate", "suspects_arrested", "cases_reported_loss"]
OVER_TIME = ("cases_reported", "cases_solved", "suspects_arrested")
UNIT_COLUMNS = [
    ("cases_reported", "kpi.cases_reported", "count"),
    *changes("cases_reported", "down"),
    ("cases_solved", "kpi.cases_solved", "count"),
    ("cases_solved_pct_last_year", "compare.last_year", "change:up"),
    ("solving_rate", "kpi.solving_rate", "rate"),
    ("suspects_arrested", "kpi.suspects_arrested", "count"),
    ("cases_reported_loss", "kpi.cases_reported_loss", "yuan"),
]


def age_labels(lowers: list, uppers: list, lang: str) -> list[str]:
    return [t("cases.age.band", lang, low=int(lo), high=int(up)) if up is not None and not pd.isna(up)
            else t("cases.age.band_last", lang, low=int(lo)) for lo, up in zip(lowers, uppers, strict=True)]


def ages_panel(ages: pd.DataFrame, lang: str, records: bool) -> dbc.Card:
    labels = age_labels(list(ages["lower"]), list(ages["upper"]), lang)
    figure = band_figure(labels, list(ages["cases"]), "count", lang, customdata=list(ages["lower"]))
    return panel(t("cases.ages", lang), graph("cases-ages", figure), "cases-ages-panel",
                 hint(t("cases.ages.hint_records" if records else "cases.ages.hint", lang)))


def fraud_type_panel(frame: pd.DataFrame, lang: str) -> dbc.Card:
    names = [n for n in ("last_year", "previous") if f"cases_reported_pct_{n}" in frame.columns]
    heads = ["cases.fraud_type", "kpi.cases_reported", "cases.share", *[f"compare.{n}" for n in names],
             "kpi.solving_rate", "kpi.cases_solved", "kpi.suspects_arrested", "kpi.cases_reported_loss"]
    rows = [html.Tr([
        html.Td(name_of(row, lang)), cell("count", row["cases_reported"], lang), cell("rate", row["share"], lang),
        *[change_cell(row[f"cases_reported_pct_{n}"], lang, "down") for n in names],
        cell("rate", row["solving_rate"], lang), cell("count", row["cases_solved"], lang),
        cell("count", row["suspects_arrested"], lang), cell("yuan", row["cases_reported_loss"], lang),
    ]) for row in frame.to_dict("records")]
    return panel(t("cases.by_fraud_type", lang), table("cases-fraud-types", heads, rows, lang),
                 "cases-fraud-types-panel", hint(t("cases.by_fraud_type.hint", lang)))


def open_cases_panel(frame: pd.DataFrame, band: int | None, lang: str) -> dbc.Card:
    """The longest-open cases (record-level), each linked to its warning where there is one."""
    heads = ["cases.number", "cases.reported_at", "cases.age_days", "cases.fraud_type", "cases.station",
             "cases.loss", "reports.warning"]
    no_warning = html.Span(t("cases.no_warning", lang), className="text-muted")
    rows = [html.Tr([
        html.Td(row["number"], className="font-monospace"),
        html.Td(row["reported_at"].strftime("%Y-%m-%d %H:%M")),
        cell("count", row["age_days"], lang),
        html.Td(row["fraud_type_zh"] if lang == "zh-CN" else row["fraud_type_en"]),
        html.Td(row["station_zh"] if lang == "zh-CN" else row["station_en"]),
        cell("yuan", row["loss"], lang), html.Td(warning_link(row["warning_id"], lang, no_warning)),
    ]) for row in frame.to_dict("records")]
    if band is None:
        title = t("cases.open", lang)
    else:
        labels = age_labels([AGE_BANDS[band]], [AGE_BANDS[band + 1] - 1 if band + 1 < len(AGE_BANDS) else None],
                            lang)
        title = t("cases.open_band", lang, band=labels[0])
    return panel(title, record_table("cases-open", heads, rows, lang), "cases-open-panel",
                 hint(t("cases.open.hint", lang)))


def cases_body(report: ReportView, data: dict, state: ViewState, lang: str) -> html.Div:
    """The whole page; ``data["open_cases"]`` is None for roles that may not see records."""
    records = data.get("open_cases") is not None
    sections = [
        *opening(PREFIX, report, state, lang, CARDS),
        pair(over_time_panel(PREFIX, data["over_time"], OVER_TIME, "count", lang),
             ages_panel(data["ages"], lang, records)),
        units_panels(PREFIX, report, data["units"], "solving_rate", "rate", UNIT_COLUMNS, state, lang),
        html.Div(fraud_type_panel(data["fraud_types"], lang), className="mb-3"),
    ]
    if records:
        sections.append(html.Div(open_cases_panel(data["open_cases"], data["band"], lang), className="mb-4"))
    return html.Div(sections)
