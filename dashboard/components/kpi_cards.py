"""KPI cards: a figure, its 同比 and 环比 arrows coloured by good or bad news, per 10,000 residents.

Input is a row of ``dashboard.metrics.compare.kpi_comparison``.  Green means
the change is good news, red bad news, grey a change without a verdict (the
card says which direction is good: "lower is better" for warnings).  Only
the comparisons with a meaning are drawn (``Windows.names``: a year has
同比 alone), and a cohort rate too young to compare reads "not yet
comparable", grey, with no arrow.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.i18n import t
from dashboard.i18n.numbers import format_change, format_value, is_missing
from dashboard.metrics.compare import COMPARED, IMMATURE

VERDICT_CLASS = {"better": "kpi-better", "worse": "kpi-worse", "same": "kpi-same", "neutral": "kpi-same"}


def shown_comparisons(frame: pd.DataFrame) -> tuple[str, ...]:
    """The comparisons of a comparison frame that have a meaning (``Windows.names``)."""
    windows = frame.attrs.get("windows")
    return windows.names if windows is not None else COMPARED


def change_text(row, name: str, lang: str) -> str:
    """The change of ``row`` against comparison ``name``, or "not yet comparable" for a young cohort."""
    if row[f"verdict_{name}"] == IMMATURE:
        return t("compare.not_comparable", lang)
    return format_change(row["kind"], row[f"change_{name}"], row[f"pct_{name}"], lang)


def change_title(row, name: str, lang: str) -> str:
    """The tooltip of a change: the earlier value, or why it is not compared yet."""
    if row[f"verdict_{name}"] == IMMATURE:
        return t("compare.not_comparable.help", lang, days=row["matures_days"])
    return t(f"compare.{name}.value", lang, value=format_value(row["kind"], row[name], lang))


def _comparison(row, name: str, lang: str) -> html.Span:
    verdict = row[f"verdict_{name}"]
    return html.Span([html.Span(t(f"compare.{name}", lang), className="kpi-compare-label"), " ",
                      change_text(row, name, lang)],
                     className="kpi-compare " + VERDICT_CLASS.get(verdict, "kpi-same"),
                     title=change_title(row, name, lang))


def kpi_card(row, lang: str, id_prefix: str = "overview", names: tuple[str, ...] = COMPARED) -> html.Div:
    """One card of a ``kpi_comparison`` row."""
    key = row["key"]
    good = {"up": "kpi.better_up", "down": "kpi.better_down"}.get(row["better"], "kpi.better_neutral")
    body = [
        html.Div([html.Span(t(f"kpi.{key}", lang), className="kpi-label"),
                  html.Span(t(good, lang), className="kpi-direction")], className="kpi-head"),
        html.Div(format_value(row["kind"], row["value"], lang), className="kpi-value",
                 id=f"{id_prefix}-kpi-{key}"),
        html.Div([_comparison(row, name, lang) for name in names], className="kpi-compares"),
    ]
    if not is_missing(row["per_10k"]):
        per = format_value("yuan" if row["kind"] == "yuan" else "average", row["per_10k"], lang)
        body.append(html.Div(t("kpi.per_10k", lang, value=per), className="kpi-per-capita"))
    return html.Div(dbc.Card(dbc.CardBody(body), className="kpi-card h-100"), className="h-100",
                    title=t(f"kpi.{key}.help", lang))


def kpi_cards(frame: pd.DataFrame, keys: list[str], lang: str, id_prefix: str = "overview") -> dbc.Row:
    """Cards for ``keys`` (in that order) from a ``kpi_comparison`` frame."""
    # plain records: every pandas step on the frame would deep-copy its attrs (the windows)
    rows = {row["key"]: row for row in frame.to_dict("records")}
    names = shown_comparisons(frame)
    return dbc.Row([dbc.Col(kpi_card(rows[k], lang, id_prefix, names), xs=12, sm=6, md=4, xl=3, xxl=True, className="mb-3")
                    for k in keys], className="g-3")


def kpi_table(frame: pd.DataFrame, lang: str, id_prefix: str = "overview") -> dbc.Table:
    """Every KPI in one table: value, 同比, 环比, per 10,000 residents; grouped as in ``KPIS``."""
    names = shown_comparisons(frame)
    head = html.Thead(html.Tr([html.Th(t("kpi.table.figure", lang)), html.Th(t("kpi.table.value", lang)),
                               *[html.Th(t(f"compare.{name}", lang)) for name in names],
                               html.Th(t("kpi.table.per_10k", lang))]))
    body = []
    records = frame.to_dict("records")  # grouped here: a groupby would deep-copy the frame's attrs per group
    for group in dict.fromkeys(row["group"] for row in records):
        body.append(html.Tr(html.Th(t(f"kpi.group.{group}", lang), colSpan=3 + len(names), className="table-light")))
        for row in (r for r in records if r["group"] == group):
            cells = [html.Td(t(f"kpi.{row['key']}", lang), title=t(f"kpi.{row['key']}.help", lang)),
                     html.Td(format_value(row["kind"], row["value"], lang), className="text-end")]
            for name in names:
                cells.append(html.Td(change_text(row, name, lang), title=change_title(row, name, lang),
                                     className="text-end " + VERDICT_CLASS.get(row[f"verdict_{name}"], "")))
            per = "" if is_missing(row["per_10k"]) else format_value(
                "yuan" if row["kind"] == "yuan" else "average", row["per_10k"], lang)
            cells.append(html.Td(per, className="text-end"))
            body.append(html.Tr(cells))
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, id=f"{id_prefix}-kpi-table",
                     className="kpi-table")
