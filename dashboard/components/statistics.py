"""Sections of the statistics builder page: the controls and the preview of a publication.

Component ids start with ``statistics-``.  The preview shows the tables and
charts exactly as the files hold them (same values, same "<5" and "x"):
both are built from the same ``Publication``.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.dropdown import dropdown
from dashboard.components.graph_config import graph_config
from dashboard.domain import OrgUnit
from dashboard.i18n import t
from dashboard.metrics.kpis import GROUPS, KPIS
from dashboard.statistics.charts import CHARTS, charts
from dashboard.statistics.exports import FORMATS
from dashboard.statistics.files import footer_lines
from dashboard.statistics.publication import Publication
from dashboard.statistics.request import COMPARISONS, StatisticsRequest
from dashboard.statistics.tables import PUBLISHED, Table, display

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                "toImageButtonOptions": {"format": "png"}}
FIGURE_PARTS = {"current": "statistics.col.current", "comparison": "statistics.col.comparison",
                "change": "statistics.col.change"}  # the parts of each figure's columns, in order
INDENT = {"city": "", "county": "\u3000", "station": "\u3000\u3000"}


def unit_options(units: list[OrgUnit], lang: str) -> list[dict]:
    return [{"label": INDENT.get(u.level, "") + u.name(lang), "value": u.code} for u in units]


def figure_options(lang: str) -> list[dict]:
    out = []
    for group in GROUPS:
        for kpi in KPIS:
            if kpi.group == group:
                out.append({"label": f"{t(f'kpi.group.{group}', lang)} · {t(f'kpi.{kpi.key}', lang)}",
                            "value": kpi.key})
    return out


def controls(request: StatisticsRequest, units: list[OrgUnit], lang: str) -> dbc.Card:
    compare_dates = dcc.DatePickerRange(
        id="statistics-compare-dates", display_format="YYYY-MM-DD",
        start_date=request.compare_first.isoformat() if request.compare_first else None,
        end_date=request.compare_last.isoformat() if request.compare_last else None,
        start_date_placeholder_text=t("period.from", lang), end_date_placeholder_text=t("period.to", lang))
    return dbc.Card(dbc.CardBody([
        dbc.Row([
            dbc.Col([dbc.Label(t("statistics.control.period", lang)),
                     dcc.DatePickerRange(id="statistics-dates", display_format="YYYY-MM-DD",
                                         start_date=request.first.isoformat(),
                                         end_date=request.last.isoformat(),
                                         start_date_placeholder_text=t("period.from", lang),
                                         end_date_placeholder_text=t("period.to", lang))], md=4),
            dbc.Col([dbc.Label(t("statistics.control.compare", lang)),
                     dbc.RadioItems(id="statistics-compare", value=request.compare, inline=True,
                                    options=[{"label": t(f"statistics.compare.{c}", lang), "value": c}
                                             for c in COMPARISONS]),
                     compare_dates], md=4),
            dbc.Col([dbc.Label(t("statistics.control.units", lang)),
                     dropdown(lang, id="statistics-units", multi=True, value=list(request.units),
                                    options=unit_options(units, lang))], md=4),
        ], className="g-3"),
        dbc.Row([
            dbc.Col([dbc.Label(t("statistics.control.figures", lang)),
                     dropdown(lang, id="statistics-figures", multi=True, value=list(request.figures),
                                    options=figure_options(lang))], md=10),
            dbc.Col(dbc.Button(t("statistics.control.preview", lang), id="statistics-preview-button",
                               color="primary", className="mt-4 w-100"), md=2),
        ], className="g-3 mt-1"),
    ]), className="mb-3")


def export_bar(lang: str, can_export: bool) -> html.Div:
    if not can_export:
        return html.Div(t("statistics.export.not_allowed", lang), className="text-muted small mb-3",
                        id="statistics-export-bar")
    buttons = [dbc.Button(t(f"statistics.export.{fmt}", lang), id=f"statistics-export-{fmt}",
                          color="secondary", outline=True, size="sm", className="me-2")
               for fmt in FORMATS]
    return html.Div([
        html.Div(buttons, className="mb-2"),
        dbc.Progress(id="statistics-progress", value=0, striped=True, animated=True,
                     style={"height": "6px"}, className="mb-1"),
        html.Div(id="statistics-export-status", className="small text-muted"),
    ], id="statistics-export-bar", className="mb-3")


def _figure_rows(table: Table, publication: Publication, lang: str) -> list:
    """The figures table on screen, four columns at any width: per unit a heading row, then a row
    per figure with its value this period, in the comparison period and the change.  (Files keep
    the wide layout, one column per figure and part.)"""
    head = html.Thead(html.Tr([html.Th(t("kpi.table.figure", lang), style={"minWidth": "9em"})]
                              + [html.Th(t(key, lang), className="text-end") for key in FIGURE_PARTS.values()]))
    figures = list(dict.fromkeys(column.code.partition(":")[0] for column in table.columns))
    body = []
    for row in table.rows:
        values = dict(zip((column.code for column in table.columns), row.values, strict=True))
        body.append(html.Tr(html.Th(row.label[lang], colSpan=1 + len(FIGURE_PARTS), className="table-light")))
        for figure in figures:
            body.append(html.Tr([html.Td(t(f"kpi.{figure}", lang))]
                                + [_value_cell(values[f"{figure}:{part}"], publication, lang)
                                   for part in FIGURE_PARTS]))
    return [head, html.Tbody(body)]


def _value_cell(value, publication: Publication, lang: str) -> html.Td:
    return html.Td(display(value, lang, publication.threshold),
                   className="text-end text-nowrap" + ("" if value.status == PUBLISHED else " text-muted fst-italic"))


def _table(table: Table, publication: Publication, lang: str) -> html.Div:
    if table.code == "figures":
        return _shown(table, _figure_rows(table, publication, lang), lang)
    head = html.Thead(html.Tr([html.Th(table.row_header[lang], style={"minWidth": "9em"})]
                              + [html.Th(c.label[lang], className="text-end",
                                         style={"minWidth": "6.5em"}) for c in table.columns]))
    body = []
    for row in table.rows:
        cells = [html.Th(row.label[lang], style={"whiteSpace": "nowrap"})]
        cells += [_value_cell(value, publication, lang) for value in row.values]
        body.append(html.Tr(cells, className="fw-bold" if row.total else None))
    return _shown(table, [head, html.Tbody(body)], lang)


def _shown(table: Table, parts: list, lang: str) -> html.Div:
    return html.Div([
        html.H6(table.title[lang], className="mt-3"),
        html.Div(dbc.Table(parts, bordered=True, hover=True, size="sm", className="statistics-table small"),
                 style={"overflowX": "auto", "maxHeight": "420px", "overflowY": "auto"}),
    ], id=f"statistics-table-{table.code}")


def preview(publication: Publication, lang: str) -> html.Div:
    """The tables and charts of ``publication``, with its footer."""
    figures = charts(publication, lang)
    graphs = dbc.Row([dbc.Col(dcc.Graph(id=f"statistics-chart-{name}", figure=figures[name],
                                        config=graph_config(GRAPH_CONFIG, lang)), lg=6) for name in CHARTS])
    withheld = publication.suppressed
    summary = t("statistics.preview.withheld", lang, primary=withheld["primary"],
                secondary=withheld["secondary"], threshold=publication.threshold)
    return html.Div([
        dbc.Alert(summary, color="light", className="small py-2", id="statistics-withheld"),
        graphs,
        *[_table(table, publication, lang) for table in publication.tables],
        html.Div([html.Div(line) for line in footer_lines(publication, lang)],
                 className="small text-muted mt-3", id="statistics-footer"),
    ], id="statistics-preview-body")


def error_view(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="warning", id="statistics-error")
