"""Charts of a publication: built from its published tables only, the same on screen and in files.

A withheld value draws no bar or point and is labelled "<5" or "x"; every
chart carries its title and, at the bottom, the footer of the publication
(de-identified statistics, generation time, units).  Fonts put Noto Sans
CJK SC first so that exported images embed a font with the Chinese glyphs.
"""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.i18n import translate
from dashboard.i18n.numbers import value_axis
from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.statistics.files import footer_line
from dashboard.statistics.publication import Publication
from dashboard.statistics.tables import PUBLISHED, display

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
MAIN, OTHER, BAR = "#c0392b", "#8395a7", "#e67e22"
WIDTH, HEIGHT = 900, 520
CHARTS = ("units", "trend", "fraud_types", "outcomes")


def _layout(fig: go.Figure, publication: Publication, lang: str, title: str, **extra) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 17}},
        font={"family": FONT, "size": 12, "color": "#1f2d3d"},
        paper_bgcolor="white", plot_bgcolor="white", height=HEIGHT,
        margin={"l": 70, "r": 30, "t": 70, "b": 90},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        annotations=[{"text": footer_line(publication, lang), "xref": "paper", "yref": "paper",
                      "x": 0, "y": -0.2, "xanchor": "left", "yanchor": "top", "showarrow": False,
                      "font": {"size": 10, "color": "#555"}}],
        **extra,
    )
    # never plotly's k / M (SI) labels: the value axis gets its ticks from ``value_axis``
    fig.update_xaxes(gridcolor="#e5e8ec", exponentformat="none")
    fig.update_yaxes(gridcolor="#e5e8ec", rangemode="tozero", exponentformat="none")
    return fig


def _kind(values) -> str:
    """The kind of a column of published values (count, yuan, rate, ...)."""
    return values[0].kind if values else "count"


def _bars(values, lang, threshold):
    ys = [v.value if v.status == PUBLISHED else None for v in values]
    texts = [display(v, lang, threshold) for v in values]
    return ys, texts


def units_chart(publication: Publication, lang: str) -> go.Figure:
    """The first selected figure of every selected unit, this period beside the comparison period."""
    table = publication.table("figures")
    figure = publication.request.figures[0]
    names = [r.label[lang] for r in table.rows]
    traces = []
    for offset, tag, color in ((0, "current", MAIN), (1, "comparison", OTHER)):
        ys, texts = _bars([r.values[offset] for r in table.rows], lang, publication.threshold)
        traces.append(go.Bar(x=names, y=ys, text=texts, textposition="outside", marker_color=color,
                             name=translate(f"statistics.col.{tag}", lang), cliponaxis=False))
    title = translate("statistics.chart.units", lang, figure=translate(f"kpi.{figure}", lang))
    fig = _layout(go.Figure(traces), publication, lang, title, barmode="group")
    shown = [y for trace in traces for y in trace.y]
    fig.update_yaxes(**value_axis(shown, KPI_BY_KEY[figure].kind, lang))
    return fig


def trend_chart(publication: Publication, lang: str) -> go.Figure:
    """The main figure of the first unit day by day; the comparison period dotted."""
    table = publication.table("trend")
    days = [r.code for r in table.rows]
    traces, kind = [], _kind(table.rows[0].values) if table.rows else "count"
    for column, tag, style in ((0, "current", {"color": MAIN, "width": 3}),
                               (2, "comparison", {"color": OTHER, "width": 2, "dash": "dot"})):
        values = [r.values[column] for r in table.rows]
        ys, texts = _bars(values, lang, publication.threshold)
        traces.append(go.Scatter(x=days, y=ys, mode="lines+markers", line=style, connectgaps=False,
                                 marker={"size": 4}, text=texts, hovertemplate="%{x}: %{text}<extra></extra>",
                                 name=translate(f"statistics.col.{tag}", lang)))
    fig = _layout(go.Figure(traces), publication, lang, table.title[lang] + " · "
                  + publication.main_unit["name_zh" if lang == "zh-CN" else "name_en"])
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_yaxes(**value_axis([y for trace in traces for y in trace.y], kind, lang))
    return fig


def _items_chart(publication: Publication, lang: str, code: str) -> go.Figure:
    table = publication.table(code)
    rows = [r for r in table.rows if not r.total][::-1]
    ys, texts = _bars([r.values[0] for r in rows], lang, publication.threshold)
    fig = go.Figure(go.Bar(y=[r.label[lang] for r in rows], x=ys, orientation="h", text=texts,
                           textposition="outside", marker_color=BAR, cliponaxis=False))
    title = table.title[lang] + " · " + publication.main_unit["name_zh" if lang == "zh-CN" else "name_en"]
    fig = _layout(fig, publication, lang, title, showlegend=False)
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(**value_axis(ys, _kind([r.values[0] for r in rows]), lang, ticks=4))
    return fig


def fraud_types_chart(publication: Publication, lang: str) -> go.Figure:
    return _items_chart(publication, lang, "fraud_types")


def outcomes_chart(publication: Publication, lang: str) -> go.Figure:
    return _items_chart(publication, lang, "outcomes")


BUILDERS = {"units": units_chart, "trend": trend_chart, "fraud_types": fraud_types_chart,
            "outcomes": outcomes_chart}


def charts(publication: Publication, lang: str) -> dict[str, go.Figure]:
    """Every chart of the publication, by name (``CHARTS``)."""
    return {name: BUILDERS[name](publication, lang) for name in CHARTS}
