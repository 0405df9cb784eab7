"""The frame of a drillable report page (funds, cases, prevention): header, panels, unit tables.

Like the overview, each report page is a function of its URL
(``dashboard.web.view_state.ViewState``: the unit and the period).  The
breadcrumb and the unit tables link to the same page for another unit;
the period picker and clicks on the unit ranking go through the page's one
navigation callback (``next_search``).  Component ids start with the
page's prefix (``funds-``, ``cases-``, ``prevention-``).  Where a link
leads is checked against the viewer's scope when that page is drawn.
"""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html, no_update

from dashboard.components.charts import THEMES, _layout, json_values
from dashboard.components.graph_config import graph_config
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_change, format_value, is_no_change, value_axis
from dashboard.metrics.compare import Windows
from dashboard.metrics.period import PRESETS, Period
from dashboard.web.view_state import ViewState

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
SERIES_COLORS = ("#c0392b", "#e67e22", "#27ae60", "#2980b9")


def dates_text(period: Period) -> str:
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    return first if first == last else f"{first} – {last}"


def compare_note(windows: Windows, lang: str) -> str:
    """Which dates the 同比 / 环比 compare (or that nothing is compared yet)."""
    if windows.basis is None:
        return t("compare.none", lang)
    if windows.previous is None:  # a year: 同比 alone
        return t("compare.windows_last_year", lang, basis=dates_text(windows.basis),
                 last_year=dates_text(windows.last_year))
    return t("compare.windows", lang, basis=dates_text(windows.basis), previous=dates_text(windows.previous),
             last_year=dates_text(windows.last_year))


def unit_href(path: str, state: ViewState, code: str) -> str:
    return path + state.search(unit=code)


def breadcrumb(prefix: str, path: str, chain: list, state: ViewState, lang: str) -> html.Nav:
    items = []
    for i, unit in enumerate(chain):
        if i == len(chain) - 1:
            items.append(html.Li(unit.name(lang), className="breadcrumb-item active",
                                 id=f"{prefix}-crumb-current"))
        else:
            items.append(html.Li(dcc.Link(unit.name(lang), href=unit_href(path, state, unit.code),
                                          id=f"{prefix}-crumb-{unit.level}"), className="breadcrumb-item"))
    return html.Nav(html.Ol(items, className="breadcrumb mb-0"), id=f"{prefix}-breadcrumb")


def period_controls(prefix: str, period: Period, state: ViewState, lang: str) -> dbc.Row:
    presets = [{"label": t(f"period.{p}", lang), "value": p} for p in PRESETS]
    presets.append({"label": t("period.custom", lang), "value": "custom"})
    return dbc.Row([
        dbc.Col(dbc.RadioItems(id=f"{prefix}-period", options=presets, value=state.preset or "custom",
                               inline=True, className="btn-group report-period", inputClassName="btn-check",
                               labelClassName="btn btn-outline-primary btn-sm",
                               labelCheckedClassName="active"), width="auto"),
        dbc.Col(dcc.DatePickerRange(id=f"{prefix}-dates", start_date=period.first_day.isoformat(),
                                    end_date=period.last_day.isoformat(), display_format="YYYY-MM-DD",
                                    minimum_nights=0, first_day_of_week=1,
                                    start_date_placeholder_text=t("period.from", lang),
                                    end_date_placeholder_text=t("period.to", lang)), width="auto"),
    ], className="g-2 align-items-center")


def report_header(prefix: str, path: str, title: str, unit, chain: list, period: Period, windows: Windows,
                  state: ViewState, lang: str) -> html.Div:
    """Breadcrumb, the page title with the unit, the dates, the comparison note, the period picker."""
    return html.Div([
        breadcrumb(prefix, path, chain, state, lang),
        html.Div([html.H3(f"{title} · {unit.name(lang)}", id=f"{prefix}-title", className="mb-0 me-3"),
                  html.Span(dates_text(period), className="text-muted me-3", id=f"{prefix}-period-dates"),
                  html.Span(compare_note(windows, lang), className="small text-muted",
                            id=f"{prefix}-compare-note")],
                 className="d-flex align-items-baseline flex-wrap mt-1 mb-2"),
        period_controls(prefix, period, state, lang),
    ], className="mb-3")


def panel(title: str, body, panel_id: str, extra=None) -> dbc.Card:
    head = [html.Span(title, className="fw-semibold")] + ([extra] if extra is not None else [])
    return dbc.Card([dbc.CardHeader(head, className="d-flex justify-content-between flex-wrap gap-2"),
                     dbc.CardBody(body)], id=panel_id, className="h-100")


def hint(text: str) -> html.Span:
    return html.Span(text, className="small text-muted")


def graph(graph_id: str, figure: dict) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=figure, config=graph_config(GRAPH_CONFIG))


def cell(kind: str, value, lang: str) -> html.Td:
    return html.Td(format_value(kind, value, lang), className="text-end")


def change_cell(value, lang: str, better: str = "up") -> html.Td:
    """A 同比 / 环比 percentage change, green for good news and red for bad."""
    if value is None or pd.isna(value):
        return html.Td("—", className="text-end text-muted")
    good = (value > 0) == (better == "up")
    flat = is_no_change("count", value, value)  # "持平" when it reads 0.0%: grey, like the cards
    css = "kpi-same" if flat or better == "neutral" else ("kpi-better" if good else "kpi-worse")
    return html.Td(format_change("count", value, value, lang), className=f"text-end {css}")


def unit_table(prefix: str, path: str, state: ViewState, units: pd.DataFrame,
               columns: list[tuple[str, str, str]], lang: str, highlight: str | None = None) -> dbc.Table:
    """One row per unit, its name a link to this page for that unit.

    ``columns``: (column, message id of its heading, kind) where kind is a
    ``format_value`` kind, or "change:up" / "change:down" for a 同比 / 环比
    percentage and which direction is good news.  A column ``units`` lacks
    (the 环比 of a year, which has none) is left out.
    """
    columns = [c for c in columns if c[0] in units.columns]  # a comparison without meaning has no column
    head = html.Thead(html.Tr([html.Th(t("reports.unit", lang))]
                              + [html.Th(t(label, lang), className="text-end") for _, label, _ in columns]))
    rows = []
    for row in units.to_dict("records"):
        cells = [html.Td(dcc.Link(name_of(row, lang), href=unit_href(path, state, row["code"])))]
        for column, _, kind in columns:
            if kind.startswith("change:"):
                cells.append(change_cell(row[column], lang, kind.split(":")[1]))
            else:
                cells.append(cell(kind, row[column], lang))
        rows.append(html.Tr(cells, className="table-active" if row["code"] == highlight else None))
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True,
                     id=f"{prefix}-unit-table", className="mb-0")


def bucket_label(start: date, grain: str) -> str:
    return start.strftime("%Y-%m") if grain == "month" else start.isoformat()


def series_figure(frame: pd.DataFrame, columns: list[tuple[str, str]], kind: str, lang: str,
                  grain: str, height: int = 320, bars: bool = True) -> dict:
    """Grouped bars (or lines) of ``columns`` ((column, label), ...) by day or month (column ``start``)."""
    x = [bucket_label(s, grain) for s in frame["start"]]
    traces = []
    for i, (column, label) in enumerate(columns):
        texts = [format_value(kind, v, lang) for v in frame[column]]
        style = {"type": "bar", "marker": {"color": SERIES_COLORS[i % len(SERIES_COLORS)]}} if bars else {
            "type": "scatter", "line": {"color": SERIES_COLORS[i % len(SERIES_COLORS)], "width": 2},
            "mode": "lines+markers"}
        traces.append({"x": x, "y": json_values(frame[column]), "name": label, "customdata": texts,
                       "hovertemplate": "%{x}<br>" + label + ": %{customdata}<extra></extra>", **style})
    values = [v for column, _ in columns for v in frame[column]]
    return _layout(traces, "light", height, barmode="group", hovermode="x unified",
                   yaxis={"rangemode": "tozero", **value_axis(values, kind, lang)}, xaxis={"type": "category"})


def band_figure(labels: list[str], values: list[int], kind: str, lang: str, height: int = 300,
                customdata: list | None = None) -> dict:
    """Vertical bars of counts by band (the money clock, case ages)."""
    texts = [format_value(kind, v, lang) for v in values]
    trace = {"type": "bar", "x": json_values(labels), "y": json_values(values), "text": texts,
             "textposition": "auto", "marker": {"color": THEMES["light"]["bar"]},
             "customdata": json_values(customdata if customdata is not None else labels),
             "hovertemplate": "%{x}: %{text}<extra></extra>"}
    return _layout([trace], "light", height, showlegend=False, xaxis={"type": "category"},
                   yaxis={"rangemode": "tozero", **value_axis(values, kind, lang)})


def clicked_code(click) -> str | None:
    """The unit code a click on a ranking carries (its customdata), or None."""
    try:
        data = click["points"][0].get("customdata")
    except (TypeError, KeyError, IndexError, AttributeError):
        return None
    return str(data) if isinstance(data, str | int) and str(data) else None


def next_search(prefix: str, trigger, preset, start, end, click, current: dict | None):
    """The page's new URL query for a change of its period or a click on its unit ranking.

    ``no_update`` when nothing should change.  Whatever comes back is only
    a request: the page checks the unit against the viewer's scope.
    """
    state = ViewState.from_query(current or {})
    if trigger == f"{prefix}-ranking":
        code = clicked_code(click)
        return state.search(unit=code) if code and code != state.unit else no_update
    if trigger == f"{prefix}-period" and preset in PRESETS:
        return state.search(preset=preset, first=None, last=None)
    if trigger in (f"{prefix}-period", f"{prefix}-dates"):
        custom = ViewState.from_query({**state.query(), "period": None, "from": start, "to": end})
        return custom.search() if custom.preset is None else no_update
    return no_update
