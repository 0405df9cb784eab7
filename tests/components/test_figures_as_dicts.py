"""The figure builders return plain dicts of plotly's JSON that plotly itself accepts."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dashboard.components.charts import (
    bar_figure,
    hourly_figure,
    json_values,
    outcome_figure,
    ranking_figure,
    trend_figure,
)
from dashboard.components.drill import band_figure, series_figure
from dashboard.components.figure_template import NAME, layout_template
from dashboard.components.maps import outline_trace, precinct_map
from dashboard.components.prevention import heatmap_figure

NAMES = {"name_zh": ["思明", "湖里", "集美", "海沧"], "name_en": ["Siming", "Huli", "Jimei", "Haicang"]}
CODES = ["350203", "350206", "350211", "350205"]
SHAPES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": 1, "geometry": {"type": "Polygon", "coordinates": [
        [[118.0, 24.4], [118.1, 24.4], [118.1, 24.5], [118.0, 24.4]]]}},
    {"type": "Feature", "id": 2, "geometry": {"type": "MultiPolygon", "coordinates": [
        [[[118.1, 24.5], [118.2, 24.5], [118.2, 24.6], [118.1, 24.5]]]]}},
]}


def _trend():
    days = [date(2028, 2, 27), date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)]
    return trend_figure(pd.DataFrame({"day": days, "value": [3, 4, 5, 6], "last_year": [2, 1, None, 4]}),
                        "预警", "count", "zh-CN")


def _bar():
    frame = pd.DataFrame({"code": CODES, **NAMES, "received": [5, 9, 1, 0], "share": [1 / 3, 0.6, 1 / 15, 0]})
    return bar_figure(frame, "received", "count", "en", top=3)


def _outcome():
    frame = pd.DataFrame({"code": ["a", "b"], "name_zh": ["劝阻成功", "未劝阻"], "name_en": ["Dissuaded", "Not"],
                          "closed": np.array([10, 3], dtype="int64"), "dissuaded": [True, False]})
    return outcome_figure(frame, "zh-CN", theme="dark")


def _ranking():
    frame = pd.DataFrame({"code": CODES, **NAMES, "rate": [0.5, np.nan, 0.25, 0.9]})
    return ranking_figure(frame, "rate", "劝阻率", "rate", "up", "zh-CN", highlight="350211")


def _hourly():
    return hourly_figure(pd.DataFrame({
        "hour": list(range(24)), "today": pd.array([h if h < 10 else None for h in range(24)], dtype="Int64"),
        "yesterday": list(range(24)), "last_year": [1] * 24}), "en", theme="dark")


def _series(bars: bool):
    frame = pd.DataFrame({"start": [date(2026, 9, 1), date(2026, 10, 1)], "stopped": [1200, 3400],
                          "rate": [0.5, np.nan]})
    return series_figure(frame, [("stopped", "止付"), ("rate", "比率")], "yuan", "zh-CN", "month", bars=bars)


def _band():
    return band_figure(["0–7天", "8–30天"], [np.int64(3), np.int64(4)], "count", "zh-CN",
                       customdata=[np.int64(0), np.int64(8)])


def _heatmap():
    frame = pd.DataFrame({"unit_id": [1, 1, 2], "code": ["s1", "s1", "s2"], "name_zh": ["甲", "甲", "乙"],
                          "name_en": ["A", "A", "B"],
                          "month": [date(2026, 9, 1), date(2026, 10, 1), date(2026, 9, 1)],
                          "publicity_events": [1, 2, 5], "publicity_reach": [10, 20, 50]})
    return heatmap_figure(frame, "zh-CN", "s2")  # no row for unit 2 in October: a gap


def _empty_heatmap():
    return heatmap_figure(pd.DataFrame(columns=["unit_id", "code", "name_zh", "name_en", "month",
                                                "publicity_events", "publicity_reach"]), "en", None)


def _map():
    values = pd.DataFrame({"unit_id": np.array([1, 2]), "code": ["s1", "s2"], "name_zh": ["甲", "乙"],
                           "name_en": ["A", "B"], "value": [3.0, 4.5]})
    return precinct_map(SHAPES, values, "Warnings", "en", outlines=SHAPES, highlight=SHAPES, theme="dark", kind="average",
                        shapes="/geo/1/station.geojson?v=0123456789abcdef")


BUILDERS = {"trend": _trend, "bar": _bar, "outcome": _outcome, "ranking": _ranking, "hourly": _hourly,
            "series_bars": lambda: _series(True), "series_lines": lambda: _series(False), "band": _band,
            "heatmap": _heatmap, "empty_heatmap": _empty_heatmap, "precinct_map": _map}


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_builders_return_json_native_dicts_that_plotly_accepts(build):
    figure = build()
    assert isinstance(figure, dict) and set(figure) == {"data", "layout"}
    assert all(isinstance(trace, dict) and trace["type"] for trace in figure["data"])
    text = json.dumps(figure, allow_nan=False, ensure_ascii=False)  # JSON-native: no numpy, NaN or dates
    assert json.loads(text) == figure
    go.Figure(figure)  # plotly's own validation: a misspelt property or a bad value raises
    assert figure["layout"]["template"] is layout_template()
    # the shared template is plotly's, and plotly's validation left it as it was
    assert figure["layout"]["template"] == pio.templates[NAME].to_plotly_json()


def test_missing_values_become_null_and_dates_iso_strings():
    last_year, this_period = _trend()["data"]
    assert last_year["x"] == ["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"]
    assert last_year["y"] == [2, 1, None, 4] and this_period["y"] == [3, 4, 5, 6]
    assert _series(True)["data"][1]["y"] == [0.5, None]
    assert _heatmap()["data"][0]["z"] == [[1, 2], [5, None]]
    assert _hourly()["data"][0]["y"][9:11] == [9, None]


def test_json_values():
    assert json_values(pd.Series([1, 2], dtype="int64")) == [1, 2]
    assert json_values(pd.Series([1.5, np.nan])) == [1.5, None]
    assert json_values(pd.array([1, None], dtype="Int64")) == [1, None]
    assert json_values([np.int64(3), None, pd.NaT, date(2026, 11, 2), pd.Timestamp("2026-11-02")]) == [
        3, None, None, "2026-11-02", "2026-11-02T00:00:00"]
    assert all(type(v) is int for v in json_values(np.array([1, 2])))


def test_the_map_names_its_shapes_and_outlines_them():
    choropleth, outlines, highlight = _map()["data"]
    assert choropleth["geojson"] == "/geo/1/station.geojson?v=0123456789abcdef"
    assert choropleth["locations"] == [1, 2] and choropleth["customdata"][1] == ["B", "4.5", "s2"]
    assert outlines["type"] == highlight["type"] == "scattermap"
    assert highlight["line"] == {"color": "#00a8ff", "width": 4.0}
    trace = outline_trace(SHAPES)
    go.Scattermap(trace)
    assert trace["lon"] == [118.0, 118.1, 118.1, 118.0, None, 118.1, 118.2, 118.2, 118.1, None]
