"""What the report pages (funds, cases, prevention) draw alike, around their own panels.

A report page's components take its prefix (``funds``, ``cases``,
``prevention``): its ids start with ``<prefix>-``, its address is
``/<prefix>``, its title is ``nav.<prefix>`` and its other messages
``<prefix>.*``.  The opening (header and KPI cards), figures over time, the
units ranked and tabled, and the plain tables of the pages' lists are drawn
here; the frame under them (breadcrumb, period picker, panels, unit table)
is ``components.drill``.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard.components.charts import ranking_figure
from dashboard.components.drill import graph, hint, panel, report_header, series_figure, unit_table
from dashboard.components.kpi_cards import kpi_cards
from dashboard.i18n import t
from dashboard.metrics.figures import ReportView
from dashboard.web.view_state import ViewState


def page_path(prefix: str) -> str:
    """The address of the report page ``prefix``."""
    return f"/{prefix}"


def opening(prefix: str, report: ReportView, state: ViewState, lang: str, *card_rows: list[str]) -> list:
    """The page's header (``drill.report_header``) and a row of KPI cards for each of ``card_rows``."""
    return [
        report_header(prefix, page_path(prefix), t(f"nav.{prefix}", lang), report.unit, report.chain,
                      report.period, report.figures.attrs["windows"], state, lang),
        *(kpi_cards(report.figures, cards, lang, id_prefix=prefix) for cards in card_rows),
    ]


def pair(left, right, widths: tuple[int, int] = (7, 5)) -> dbc.Row:
    """Two panels side by side on wide screens (``widths`` of 12), one above the other on narrow ones."""
    return dbc.Row([dbc.Col(left, xl=widths[0], className="mb-3"),
                    dbc.Col(right, xl=widths[1], className="mb-3")], className="g-3")


def over_time_panel(prefix: str, frame: pd.DataFrame, columns: tuple[str, ...], kind: str, lang: str) -> dbc.Card:
    """Grouped bars of ``columns`` (figures ``kpi.<column>``) by day or month (``frame.attrs["grain"]``)."""
    grain = frame.attrs["grain"]
    figure = series_figure(frame, [(c, t(f"kpi.{c}", lang)) for c in columns], kind, lang, grain)
    return panel(t(f"{prefix}.over_time", lang), graph(f"{prefix}-over-time", figure), f"{prefix}-over-time-panel",
                 hint(t(f"reports.by_{grain}", lang)))


def ranking_panel(prefix: str, report: ReportView, units: pd.DataFrame, column: str, label: str, kind: str,
                  lang: str) -> dbc.Card:
    """The units ranked on ``column`` (named ``label``); a click opens the unit (the page's navigate callback)."""
    figure = ranking_figure(units, column, label, kind, "up", lang, highlight=report.highlight)
    return panel(t("reports.ranking", lang, metric=label), graph(f"{prefix}-ranking", figure),
                 f"{prefix}-ranking-panel", hint(t("reports.ranking_hint", lang)))


def ranked_pair(prefix: str, report: ReportView, units: pd.DataFrame, column: str, label: str, kind: str,
                lang: str, right, widths: tuple[int, int] = (4, 8)) -> dbc.Row:
    """The units' ranking (``ranking_panel``) beside ``right``; ``right`` alone when there is one unit
    (an officer's station: nothing to rank), the ranking's graph then hidden and empty, as an input of
    the page's navigation."""
    if len(units) > 1:
        return pair(ranking_panel(prefix, report, units, column, label, kind, lang), right, widths)
    return dbc.Row([dbc.Col(right, xl=12, className="mb-3"),
                    html.Div(dcc.Graph(id=f"{prefix}-ranking", figure={}), hidden=True)], className="g-3")


def units_panels(prefix: str, report: ReportView, units: pd.DataFrame, ranked: str, kind: str,
                 columns: list[tuple[str, str, str]], state: ViewState, lang: str) -> dbc.Row:
    """The units ranked on the figure ``ranked`` beside their table (``drill.unit_table`` of ``columns``)."""
    return ranked_pair(prefix, report, units, ranked, t(f"kpi.{ranked}", lang), kind, lang,
                       panel(t(f"reports.units.{report.level}", lang),
                             unit_table(prefix, page_path(prefix), state, units, columns, lang, report.highlight),
                             f"{prefix}-units-panel"))


def changes(column: str, better: str) -> list[tuple[str, str, str]]:
    """The 同比 and 环比 columns of ``column`` for ``drill.unit_table``; ``better``: up or down."""
    return [(f"{column}_pct_last_year", "compare.last_year", f"change:{better}"),
            (f"{column}_pct_previous", "compare.previous", f"change:{better}")]


def table(table_id: str, heads: list[str], rows: list, lang: str, numbers: bool = True,
          margin: str = "mb-0") -> dbc.Table:
    """A small table under the headings ``heads`` (message ids); after the first, right-aligned if ``numbers``."""
    head = html.Thead(html.Tr([html.Th(t(h, lang), className="text-end" if i else None) if numbers
                               else html.Th(t(h, lang)) for i, h in enumerate(heads)]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id=table_id,
                     className=margin)


def record_table(table_id: str, heads: list[str], rows: list, lang: str) -> dbc.Table | html.P:
    """A record-level list (headings left-aligned), or the line that there is nothing to list."""
    return table(table_id, heads, rows, lang, numbers=False) if rows else html.P(t("reports.nothing", lang),
                                                                                 id=table_id)


def warning_link(warning_id, lang: str, missing="—"):
    """A link to the warning a record came from, or ``missing`` when it came from none."""
    if warning_id is None or pd.isna(warning_id):
        return missing
    return dcc.Link(t("reports.open_warning", lang), href=f"/warnings/{int(warning_id)}")
