"""Every figure builder, in Chinese: no k / M (SI) on any axis or colour bar, 万 / 亿 with units, no raw
big integers in hovers or labels beside formatted ones, percentages as %."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.components.charts import bar_figure, hourly_figure, ranking_figure, trend_figure
from dashboard.components.drill import band_figure, series_figure
from dashboard.components.maps import precinct_map
from dashboard.components.prevention import heatmap_figure
from dashboard.metrics.period import Period
from dashboard.statistics import charts as statistics_charts
from dashboard.statistics.publication import Publication
from dashboard.statistics.report import report_figure
from dashboard.statistics.request import StatisticsRequest
from dashboard.statistics.tables import PUBLISHED, Column, Row, Table, Value, text

ZH = "zh-CN"
BIG = [5_340_657_491, 1_250_000_000, 880_000_000, 46_000_000]  # yuan: 亿
NAMES = {"name_zh": ["思明", "湖里", "集美", "海沧"], "name_en": ["Siming", "Huli", "Jimei", "Haicang"]}
CODES = ["350203", "350206", "350211", "350205"]
SHAPES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": i + 1, "geometry": {"type": "Polygon", "coordinates": [
        [[118.0 + i / 10, 24.4], [118.1 + i / 10, 24.4], [118.1 + i / 10, 24.5], [118.0 + i / 10, 24.4]]]}}
    for i in range(4)]}
SI_TICK = re.compile(r"\d\s*[kKMGBT]$|e[+-]?\d")
RAW_BIG = re.compile(r"(?<![\d.])\d{1,3}(,\d{3}){2,}(?![\d])|(?<![\d.,])\d{7,}(?![\d.])")  # 5,340,657,491


def _units(values):
    return pd.DataFrame({"code": CODES, **NAMES, "value": values, "share": [0.4, 0.3, 0.2, 0.1]})


def _publication() -> Publication:
    request = StatisticsRequest(units=("350203",), first=date(2026, 10, 1), last=date(2026, 10, 3),
                                figures=("amount_at_risk", "success_rate"))
    money = [Value.of(v, PUBLISHED, "yuan") for v in (5_340_657_491, 4_100_000_000)]
    rates = [Value.of(v, PUBLISHED, "rate") for v in (0.62, 0.6)]
    figures = Table("figures", text("statistics.table.figures"), text("statistics.col.unit"),
                    [Column(f"c{i}", text("statistics.col.current"), "count") for i in range(6)],
                    [Row("350203", {"zh-CN": "思明", "en": "Siming"},
                         [*money, Value.of(0.3026, PUBLISHED, "pct"), *rates, Value.of(-0.0004, PUBLISHED,
                                                                                      "points")])])
    trend = Table("trend", text("statistics.table.figures"), text("statistics.col.day"),
                  [Column(c, text("statistics.col.current"), "yuan") for c in ("current", "day", "before")],
                  [Row(f"2026-10-0{d}", {"zh-CN": f"2026-10-0{d}", "en": f"2026-10-0{d}"},
                       [Value.of(d * 1_700_000_000, PUBLISHED, "yuan"),
                        Value(f"2025-10-0{d}", PUBLISHED, "date"),
                        Value.of(d * 1_500_000_000, PUBLISHED, "yuan")]) for d in (1, 2, 3)])
    items = [Table(code, text("statistics.table.figures"), text("statistics.col.unit"),
                   [Column("350203", text("statistics.col.current"), "count")],
                   [Row(f"t{i}", {"zh-CN": f"类{i}", "en": f"T{i}"}, [Value.of(v, PUBLISHED, "count")])
                    for i, v in enumerate((123_456, 45_678, 9_000))])
             for code in ("fraud_types", "outcomes")]
    period = Period.of_days(date(2026, 10, 1), date(2026, 10, 3))
    return Publication(request, [{"code": "350203", "name_zh": "思明", "name_en": "Siming"}], period,
                       period.last_year(), 5, datetime(2026, 10, 4, 9, 0), [figures, trend, *items],
                       {"primary": 0, "secondary": 0})


def _statistics(name):
    return lambda: statistics_charts.BUILDERS[name](_publication(), ZH).to_plotly_json()


BUILDERS = {
    "trend": lambda: trend_figure(pd.DataFrame({"day": [date(2026, 10, d) for d in (1, 2, 3)],
                                                "value": BIG[:3], "last_year": BIG[1:]}), "涉及金额", "yuan", ZH),
    "bar": lambda: bar_figure(_units(BIG).rename(columns={"value": "amount"}), "amount", "yuan", ZH),
    "ranking": lambda: ranking_figure(_units(BIG), "value", "涉及金额", "yuan", "down", ZH),
    "ranking_rate": lambda: ranking_figure(_units([0.5, 0.62, 0.71, 0.93]), "value", "劝阻率", "rate", "up", ZH),
    "hourly": lambda: hourly_figure(pd.DataFrame({"hour": range(24), "today": [12_345 * (h % 5) for h in range(24)],
                                                  "yesterday": [20_000] * 24, "last_year": [15_000] * 24}), ZH),
    "series": lambda: series_figure(pd.DataFrame({"start": [date(2026, 9, 1), date(2026, 10, 1)],
                                                  "stopped": BIG[:2], "frozen": BIG[2:]}),
                                    [("stopped", "止付"), ("frozen", "冻结")], "yuan", ZH, "month"),
    "band": lambda: band_figure(["0–7天", "8–30天"], [123_456, 2_000_000], "count", ZH),
    "heatmap": lambda: heatmap_figure(pd.DataFrame({
        "unit_id": [1, 1, 2], "code": ["s1", "s1", "s2"], "name_zh": ["甲", "甲", "乙"], "name_en": ["A", "A", "B"],
        "month": [date(2026, 9, 1), date(2026, 10, 1), date(2026, 9, 1)],
        "publicity_events": [12_000, 40_000, 95_000], "publicity_reach": [1_000_000, 2_000_000, 3_500_000]}), ZH, None),
    "map": lambda: precinct_map(SHAPES, _units(BIG).assign(unit_id=[1, 2, 3, 4]), "涉及金额", ZH, kind="yuan"),
    **{f"statistics_{name}": _statistics(name) for name in statistics_charts.BUILDERS},
    "statistics_report": lambda: report_figure(_publication(), ZH, "一句话。").to_plotly_json(),
}


def _axes(figure: dict):
    """(name, settings) of every axis and colour bar of a figure."""
    layout = figure["layout"]
    for key, axis in layout.items():
        if re.fullmatch(r"[xy]axis\d*", key):
            yield key, axis
    for i, trace in enumerate(figure["data"]):
        if "colorbar" in trace:
            yield f"trace{i}.colorbar", trace["colorbar"]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_no_axis_uses_si_labels_in_chinese(build, monkeypatch):
    figure = json.loads(json.dumps(build(), default=str))
    go.Figure(figure)  # plotly accepts every setting
    numeric = 0
    for name, axis in _axes(figure):
        if axis.get("type") in ("category", "date") or "tickformatstops" in axis \
                or str(axis.get("tickformat", "")).startswith("%"):
            continue  # dates and names: plotly writes no exponent there
        if not axis.get("ticktext") and not any(t["type"] in ("bar", "scatter", "heatmap", "choroplethmap")
                                               for t in figure["data"]):
            continue
        assert axis.get("exponentformat") == "none", (name, axis)
        assert "s" not in str(axis.get("tickformat", "")), (name, axis)  # d3's SI format
        texts = axis.get("ticktext") or []
        assert not [t for t in texts if SI_TICK.search(t)], (name, texts)
        numeric += bool(texts)
    assert numeric, "no value axis with its own ticks"


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_amounts_read_in_wan_and_yi_and_never_as_raw_integers(build):
    figure = json.loads(json.dumps(build(), default=str))
    ticks = [t for _, axis in _axes(figure) for t in axis.get("ticktext") or []]
    assert any(re.search(r"[万亿]|%", t) for t in ticks), ticks
    shown = [s for trace in figure["data"] for key in ("text", "customdata", "hovertemplate", "ticktext")
             for s in _strings(trace.get(key))] + ticks
    assert not [s for s in shown if RAW_BIG.search(s)], [s for s in shown if RAW_BIG.search(s)][:5]


def test_rate_axes_show_percent():
    figure = BUILDERS["ranking_rate"]()
    assert all(t.endswith("%") for t in figure["layout"]["xaxis"]["ticktext"])
    chart = statistics_charts.units_chart(_publication(), ZH)
    assert chart.layout.yaxis.ticktext and chart.layout.yaxis.ticktext[0].endswith("元")


def test_hover_of_the_hourly_chart_uses_the_formatter():
    today = BUILDERS["hourly"]()["data"][0]
    assert "%{customdata}" in today["hovertemplate"] and "%{y}" not in today["hovertemplate"]
    assert today["customdata"][1] == "1.23万"


def test_every_figure_builder_is_covered():
    assert {f"statistics_{n}" for n in statistics_charts.BUILDERS} <= set(BUILDERS)
