"""The one-page report: title, period, the headline figures, the sentences, the trend, the footer.

An A4 page (794 x 1123 CSS pixels) drawn as one plotly figure, so that the
same kaleido call makes its PNG and its PDF.  The figures table holds the
first unit's published values only; the sentences are the officer's text.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.i18n import translate
from dashboard.statistics.charts import FONT, MAIN, OTHER, trend_chart
from dashboard.statistics.files import footer_lines, unit_names
from dashboard.statistics.headlines import comparison_text, period_text
from dashboard.statistics.publication import Publication
from dashboard.statistics.tables import display

A4_WIDTH, A4_HEIGHT = 794, 1123
WRAP = {"zh-CN": 54, "en": 100}
MAX_SENTENCE_LINES = 14
LINE = 0.0185  # one line of 12 px text, as a share of the plotting height


def _wrap(text: str, lang: str) -> list[str]:
    lines = []
    for paragraph in text.splitlines():
        if paragraph.strip():
            lines += textwrap.wrap(paragraph.strip(), WRAP[lang]) or [""]
    return lines[:MAX_SENTENCE_LINES]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def report_figure(publication: Publication, lang: str, headlines: str) -> go.Figure:
    table = publication.table("figures")
    row = table.rows[0]
    threshold = publication.threshold
    figures = publication.request.figures
    cells = [[translate(f"kpi.{f}", lang) for f in figures]]
    for offset in range(3):
        cells.append([display(row.values[3 * i + offset], lang, threshold) for i in range(len(figures))])
    header = [translate("statistics.file.figure", lang)] + [
        translate(f"statistics.col.{c}", lang) for c in ("current", "comparison", "change")]
    fig = make_subplots(rows=2, cols=1, specs=[[{"type": "table"}], [{"type": "xy"}]],
                        row_heights=[0.45, 0.55], vertical_spacing=0.2)
    fig.add_trace(go.Table(
        header={"values": header, "fill_color": "#dde3ea", "align": "left",
                "font": {"family": FONT, "size": 13}},
        cells={"values": cells, "align": ["left", "right", "right", "right"], "height": 22,
               "font": {"family": FONT, "size": 12}},
        columnwidth=[2.2, 1, 1, 1]), row=1, col=1)
    trend = trend_chart(publication, lang)
    for trace in trend.data:
        fig.add_trace(trace, row=2, col=1)
    fig.data[1].line.color, fig.data[2].line.color = MAIN, OTHER
    period, comparison = publication.period, publication.comparison
    subtitle = translate("statistics.report.subtitle", lang, units=unit_names(publication, lang),
                         period=period_text(period.first_day, period.last_day, period.kind, lang),
                         versus=comparison_text(publication, lang),
                         comparison=period_text(comparison.first_day, comparison.last_day,
                                                comparison.kind, lang))
    sentence_lines = _wrap(headlines, lang)
    subtitle_lines = _wrap(subtitle, lang)[:2]
    sentences = "<br>".join(_escape(line) for line in sentence_lines)
    sentences_top = 0.93 - LINE * (len(subtitle_lines) - 1)
    footer = "<br>".join(_escape(line) for line in footer_lines(publication, lang))
    trend_title = publication.table("trend").title[lang]
    notes = [
        (translate("statistics.file.title", lang), 0.995, 22, "#1f2d3d"),
        ("<br>".join(_escape(line) for line in subtitle_lines), 0.962, 12, "#555"),
        (sentences, sentences_top, 12, "#1f2d3d"),
        (_escape(trend_title), 0.405, 13, "#1f2d3d"),
    ]
    annotations = [{"text": text, "x": 0, "y": y, "xref": "paper", "yref": "paper", "xanchor": "left",
                    "yanchor": "top", "align": "left", "showarrow": False,
                    "font": {"size": size, "color": color}} for text, y, size, color in notes]
    annotations.append({"text": footer, "x": 0, "y": -0.035, "xref": "paper", "yref": "paper",
                        "xanchor": "left", "yanchor": "top", "align": "left", "showarrow": False,
                        "font": {"size": 9, "color": "#555"}})
    fig.update_layout(width=A4_WIDTH, height=A4_HEIGHT, font={"family": FONT, "color": "#1f2d3d"},
                      paper_bgcolor="white", plot_bgcolor="white", showlegend=True,
                      legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 0.405,
                              "yanchor": "top"},
                      margin={"l": 50, "r": 40, "t": 50, "b": 110}, annotations=annotations)
    ticks = {key: trend.layout.yaxis[key] for key in ("tickmode", "tickvals", "ticktext")}
    fig.update_yaxes(rangemode="tozero", gridcolor="#e5e8ec", domain=[0, 0.35], exponentformat="none",
                     row=2, col=1, **ticks)
    fig.update_xaxes(gridcolor="#e5e8ec", tickformat="%m-%d", row=2, col=1)
    # the sentences sit above the table: push the table down below them
    fig.data[0].domain = {"x": [0, 1], "y": [0.47, sentences_top - LINE * len(sentence_lines) - 0.02]}
    return fig
