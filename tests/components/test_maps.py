"""The precinct map's builder: labels with names and values, a station's grey neighbours, a colour
scale that one value cannot make degenerate, and the labels' switch (components/maps.py)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest
from shapely.geometry import Point, shape

from dashboard.components.maps import (
    LABELS_MAX,
    labels_shown,
    labels_switch,
    map_block,
    precinct_map,
    value_scale,
)


def _square(x: float, y: float, size: float = 0.1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size],
                                                [x, y]]]}


SHAPES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": 1, "geometry": _square(118.0, 24.4)},
    {"type": "Feature", "id": 2, "geometry": {"type": "MultiPolygon", "coordinates": [
        _square(118.1, 24.4)["coordinates"]]}},
]}
NEIGHBOURS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "n0", "properties": {}, "geometry": _square(118.2, 24.4)},
    {"type": "Feature", "id": "n1", "properties": {}, "geometry": _square(118.0, 24.5)},
]}


def _units(values, ids=(1, 2)) -> pd.DataFrame:
    names = {1: ("中华派出所", "Zhonghua"), 2: ("鹭江派出所", "Lujiang"), 3: ("无边界", "No shape")}
    return pd.DataFrame({"unit_id": list(ids), "code": [f"3502030{i}" for i in ids],
                         "name_zh": [names[i][0] for i in ids], "name_en": [names[i][1] for i in ids],
                         "value": values})


def test_every_drawn_unit_has_a_label_with_its_name_and_value_inside_its_shape():
    figure = precinct_map(SHAPES, _units([1234.0, 5.0]), "Warnings", "en", texts=["1,234", "5"])
    labels = figure["layout"]["meta"]["labels"]
    assert [(label["name"], label["value"]) for label in labels] == [("Zhonghua", "1,234"), ("Lujiang", "5")]
    for label, feature in zip(labels, SHAPES["features"], strict=True):
        assert shape(feature["geometry"]).contains(Point(label["lon"], label["lat"]))
    chinese = precinct_map(SHAPES, _units([1234.0, 5.0]), "预警", "zh-CN", texts=["1,234", "5"])
    assert [label["name"] for label in chinese["layout"]["meta"]["labels"]] == ["中华派出所", "鹭江派出所"]
    go.Figure(figure)  # plotly accepts the figure, labels and all


def test_a_unit_without_a_shape_gets_no_label_and_no_place_on_the_map():
    figure = precinct_map(SHAPES, _units([3.0, 4.0, 900.0], ids=(1, 2, 3)), "Warnings", "en",
                          texts=["3", "4", "900"])
    assert figure["data"][0]["locations"] == [1, 2]
    assert [label["value"] for label in figure["layout"]["meta"]["labels"]] == ["3", "4"]
    assert "zmax" not in figure["data"][0]  # 900, not drawn, does not stretch the scale


def test_neighbours_are_grey_without_values_names_or_click():
    own = {"type": "FeatureCollection", "features": SHAPES["features"][:1]}
    figure = precinct_map(own, _units([546.0], ids=(1,)), "Warnings", "en", neighbours=NEIGHBOURS,
                          highlight=own)
    main, grey, outline = figure["data"]
    assert main["locations"] == [1] and main["customdata"][0][2] == "35020301"  # the station: clickable
    assert grey["type"] == "choroplethmap" and grey["locations"] == ["n0", "n1"]
    assert "customdata" not in grey and "text" not in grey and grey["hoverinfo"] == "skip"
    assert grey["showscale"] is False and {c for _, c in grey["colorscale"]} == {"#d5d9de"}
    assert set(grey["z"]) == {0}
    assert outline["type"] == "scattermap"
    assert [label["name"] for label in figure["layout"]["meta"]["labels"]] == ["Zhonghua"]  # neighbours: none
    # the view takes in the neighbours: its centre lies between the station and them
    assert 118.05 < figure["layout"]["map"]["center"]["lon"] < 118.25
    dark = precinct_map(own, _units([546.0], ids=(1,)), "Warnings", "en", neighbours=NEIGHBOURS, theme="dark")
    assert {c for _, c in dark["data"][1]["colorscale"]} == {"#3a4656"}
    go.Figure(figure)


@pytest.mark.parametrize(("values", "scale"), [
    ([546.0], (0.0, 546.0)), ([0.0], (0.0, 1.0)), ([7.0, 7.0, 7.0], (0.0, 7.0)), ([-2.5], (-2.5, 0.0)),
    ([3.0, 9.0], None), ([None, 4.0], (0.0, 4.0)), ([], None),
])
def test_the_colour_scale_never_collapses_onto_one_value(values, scale):
    assert value_scale(values) == scale


def test_a_station_alone_on_its_map_gets_a_scale_from_zero():
    figure = precinct_map({"type": "FeatureCollection", "features": SHAPES["features"][:1]},
                          _units([546.0], ids=(1,)), "Warnings", "en")
    assert (figure["data"][0]["zmin"], figure["data"][0]["zmax"]) == (0.0, 546.0)
    several = precinct_map(SHAPES, _units([545.6, 546.4]), "Warnings", "en")
    assert "zmin" not in several["data"][0]  # two values: their own range
    fixed = precinct_map(SHAPES, _units([5.0, 5.0]), "Warnings", "en", value_range=(0, 100))
    assert (fixed["data"][0]["zmin"], fixed["data"][0]["zmax"]) == (0, 100)


def test_labels_show_at_first_on_small_maps_only_and_the_block_says_so():
    assert labels_shown(6) and labels_shown(LABELS_MAX) and not labels_shown(LABELS_MAX + 1)
    assert not labels_shown(48)  # the city's stations: off at first, the switch turns them on
    assert map_block("graph", "m", True).className == "precinct-map"
    assert map_block("graph", "m", False).className == "precinct-map map-labels-off"
    switch = labels_switch("m-labels", False, "zh-CN")
    assert switch.value is False and switch.label == "显示名称"
    assert labels_switch("m-labels", True, "en").label == "Labels"
