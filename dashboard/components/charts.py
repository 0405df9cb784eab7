"""Figure builders for the overview and the wall: trend, breakdowns, ranking, today by hour.

Every builder takes a metrics DataFrame, the language and a theme ("light"
or "dark" for the wall) and returns a figure as a plain dict of plotly's JSON
(``{"data": [...], "layout": {...}}``), which ``dcc.Graph`` takes as it is:
a ``plotly.graph_objects`` figure (validation, deep copies,
``to_plotly_json``) cost milliseconds more than the data it draws.  Every
value in it is JSON-native (``json_values``) and its layout carries the cut
template (``figure_template.layout_template``), as plotly would have put it.
Every label and hover text goes through ``t()`` and numbers through the
i18n formatters.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from dashboard.components.figure_template import layout_template
from dashboard.domain.reference_files import read_outcome_colors
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_percent, format_value, value_axis

FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"
THEMES = {
    "light": {"text": "#1f2d3d", "grid": "#e5e8ec", "main": "#c0392b", "other": "#8395a7",
              "bar": "#e67e22", "good": "#27ae60", "bad": "#c0392b", "size": 13},
    "dark": {"text": "#e8edf3", "grid": "#2c3a4d", "main": "#ff6b5b", "other": "#7f93ab",
             "bar": "#f39c12", "good": "#2ecc71", "bad": "#ff6b5b", "size": 20},
}

# Okabe & Ito's palette, safe for colour-blind readers (black left out: it vanishes on the wall)
OKABE_ITO = ("#009E73", "#56B4E9", "#E69F00", "#CC79A7", "#D55E00", "#0072B2", "#F0E442")
OTHER_OUTCOME = "#999999"

# Dates in numbers, as everywhere on the pages: plotly's own labels ("Nov 2", "Jan 2026") are English
DATE_AXIS = {"hoverformat": "%Y-%m-%d", "tickformatstops": [
    {"dtickrange": [None, "M1"], "value": "%m-%d"},
    {"dtickrange": ["M1", None], "value": "%Y-%m"},
]}


def _json_value(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, date):  # as plotly writes them: "2026-11-02", "2026-11-02T00:00:00"
        return value.isoformat()
    return value


def json_values(values) -> list:
    """``values`` (a Series, an array or a list) as a JSON-native list.

    Numpy numbers become Python's, NaN and NA ``None``, dates ISO strings.
    """
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return items
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [None if v != v else v for v in items]
    return [_json_value(v) for v in items]


def _layout(traces: list[dict], theme: str, height: int, **extra) -> dict:
    """A figure of ``traces`` in the theme's layout, with the cut template.

    ``extra`` adds to the layout (``xaxis`` / ``yaxis`` to the grid colours).
    """
    colors = THEMES[theme]
    # never plotly's k / M (SI) labels: value axes carry their own ticks (``value_axis``)
    grid = {"gridcolor": colors["grid"], "zerolinecolor": colors["grid"], "exponentformat": "none"}
    layout = {"height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
              "font": {"family": FONT, "color": colors["text"], "size": colors["size"]},
              "uirevision": "keep", "legend": {"orientation": "h", "y": 1.08, "x": 0}, **extra,
              "xaxis": {**grid, **extra.get("xaxis", {})}, "yaxis": {**grid, **extra.get("yaxis", {})},
              "template": layout_template()}
    return {"data": traces, "layout": layout}


def trend_figure(trend: pd.DataFrame, label: str, kind: str, lang: str, theme: str = "light",
                 height: int = 300) -> dict:
    """Daily values (columns day, value, last_year) with last year's line dashed."""
    colors = THEMES[theme]
    texts = lambda col: [format_value(kind, v, lang) for v in trend[col]]  # noqa: E731
    days = json_values(trend["day"])
    traces = [
        {"type": "scatter", "x": days, "y": json_values(trend["last_year"]),
         "name": t("chart.last_year", lang), "mode": "lines",
         "line": {"color": colors["other"], "dash": "dot", "width": 2}, "customdata": texts("last_year"),
         "hovertemplate": "%{x|%Y-%m-%d}<br>" + t("chart.last_year", lang)
         + ": %{customdata}<extra></extra>"},
        {"type": "scatter", "x": days, "y": json_values(trend["value"]), "name": t("chart.this_period", lang),
         "mode": "lines", "line": {"color": colors["main"], "width": 3}, "customdata": texts("value"),
         "hovertemplate": "%{x|%Y-%m-%d}<br>" + label + ": %{customdata}<extra></extra>"},
    ]
    values = [*trend["value"], *trend["last_year"]]
    return _layout(traces, theme, height, hovermode="x unified", xaxis=DATE_AXIS,
                   yaxis={"rangemode": "tozero", "title": {"text": label}, **value_axis(values, kind, lang)})


def bar_figure(frame: pd.DataFrame, value: str, kind: str, lang: str, theme: str = "light",
               height: int = 320, top: int | None = None) -> dict:
    """Horizontal bars of ``frame[value]`` by reference item (code, name_zh, name_en, share), largest on top."""
    colors = THEMES[theme]
    data = frame.sort_values(value, ascending=False)
    if top:
        data = data.head(top)
    data = data.iloc[::-1]
    names = [name_of(r, lang) for r in data[["name_zh", "name_en"]].to_dict("records")]
    shares = [f"{s * 100:.1f}%" for s in data["share"]]
    trace = {
        "type": "bar", "x": json_values(data[value]), "y": names, "orientation": "h",
        "marker": {"color": colors["bar"]}, "text": shares, "textposition": "auto",
        "customdata": [[format_value(kind, v, lang), s] for v, s in zip(data[value], shares, strict=True)],
        "hovertemplate": "<b>%{y}</b><br>%{customdata[0]} (%{customdata[1]})<extra></extra>",
    }
    return _layout([trace], theme, height, showlegend=False, yaxis={"automargin": True},
                   xaxis=value_axis(data[value], kind, lang, ticks=4))


@cache
def _outcome_colors() -> dict[str, str]:
    return read_outcome_colors()


def outcome_colors(codes) -> list[str]:
    """Each outcome's own colour (``data/reference/outcome_colors.csv``, Okabe-Ito).

    An outcome the file does not know yet gets a colour of ``OKABE_ITO`` that
    no other outcome in ``codes`` has, so two slices never share one.
    """
    known = _outcome_colors()
    spare = iter([c for c in OKABE_ITO if c not in {known.get(code) for code in codes}])
    return [known.get(code) or next(spare, OTHER_OUTCOME) for code in codes]


def outcome_figure(frame: pd.DataFrame, lang: str, theme: str = "light", height: int = 320) -> dict:
    """The outcome mix as a donut (columns code, name_zh, name_en, closed), each outcome its own colour."""
    names = [name_of(r, lang) for r in frame[["name_zh", "name_en"]].to_dict("records")]
    line = "#0b1320" if theme == "dark" else "#ffffff"  # slices parted by a line of the background
    total = float(frame["closed"].sum())
    # shares written like every percentage (one decimal), not plotly's three significant digits
    shares = [format_percent(float(v) / total if total else None, lang) for v in frame["closed"]]
    trace = {
        "type": "pie", "labels": names, "values": json_values(frame["closed"]), "hole": 0.55, "sort": False,
        "marker": {"colors": outcome_colors(list(frame["code"])), "line": {"color": line, "width": 1}},
        "customdata": [format_value("count", v, lang) for v in frame["closed"]], "text": shares,
        "hovertemplate": "<b>%{label}</b><br>%{customdata} (%{text})<extra></extra>",
        "textinfo": "text",
    }
    return _layout([trace], theme, height, legend={"orientation": "v", "x": 1.0, "y": 0.5})


def ranking_figure(units: pd.DataFrame, metric: str, label: str, kind: str, better: str, lang: str,
                   theme: str = "light", height: int = 320, highlight: str | None = None) -> dict:
    """Child units ranked on ``metric`` (columns code, name_zh, name_en and the metric), laggards on top.

    The bottom quarter on the metric (by its good direction) is red; the
    unit ``highlight`` (a code) is outlined.  customdata carries the unit
    code, for clicking through.
    """
    colors = THEMES[theme]
    data = units.dropna(subset=[metric])
    worst_first = better != "down"
    data = data.sort_values(metric, ascending=worst_first)
    lag = max(1, len(data) // 4) if better in ("up", "down") and len(data) > 3 else 0
    bar_colors = [colors["bad"] if i < lag else colors["bar"] for i in range(len(data))]
    data, bar_colors = data.iloc[::-1], bar_colors[::-1]
    names = [name_of(r, lang) for r in data[["name_zh", "name_en"]].to_dict("records")]
    trace = {
        "type": "bar", "x": json_values(data[metric]), "y": names, "orientation": "h",
        "marker": {"color": bar_colors, "line": {
            "color": [colors["text"] if c == highlight else "rgba(0,0,0,0)" for c in data["code"]],
            "width": 2}},
        "text": [format_value(kind, v, lang) for v in data[metric]], "textposition": "auto",
        "customdata": json_values(data["code"]),
        "hovertemplate": "<b>%{y}</b><br>" + label + ": %{text}<extra></extra>",
    }
    return _layout([trace], theme, max(height, 26 * len(data) + 40), showlegend=False,
                   yaxis={"automargin": True},
                   xaxis={"title": {"text": label}, **value_axis(data[metric], kind, lang, ticks=4)})


def hourly_figure(hourly: pd.DataFrame, lang: str, theme: str = "light", height: int = 260) -> dict:
    """Today's warnings by hour as bars, yesterday and the same day last year as lines."""
    colors = THEMES[theme]
    hours = [f"{h:02d}:00" for h in hourly["hour"]]
    today = [None if pd.isna(v) else int(v) for v in hourly["today"]]
    texts = lambda col: [format_value("count", v, lang) for v in hourly[col]]  # noqa: E731
    traces = [
        {"type": "bar", "x": hours, "y": today, "name": t("chart.today", lang),
         "marker": {"color": colors["main"]}, "customdata": texts("today"),
         "hovertemplate": "%{x} %{customdata}<extra>" + t("chart.today", lang) + "</extra>"},
        {"type": "scatter", "x": hours, "y": json_values(hourly["yesterday"]),
         "name": t("chart.yesterday", lang), "mode": "lines", "line": {"color": colors["other"], "width": 2},
         "customdata": texts("yesterday"),
         "hovertemplate": "%{x} %{customdata}<extra>" + t("chart.yesterday", lang) + "</extra>"},
        {"type": "scatter", "x": hours, "y": json_values(hourly["last_year"]),
         "name": t("chart.last_year_day", lang), "mode": "lines",
         "line": {"color": colors["other"], "dash": "dot", "width": 2}, "customdata": texts("last_year"),
         "hovertemplate": "%{x} %{customdata}<extra>" + t("chart.last_year_day", lang) + "</extra>"},
    ]
    values = [*hourly["today"], *hourly["yesterday"], *hourly["last_year"]]
    return _layout(traces, theme, height, bargap=0.15,
                   yaxis={"rangemode": "tozero", **value_axis(values, "count", lang)})
