"""The precinct map: a choropleth of unit polygons with no tile server.

``map_style="white-bg"`` draws on a plain background: no tiles, fonts or
sprites are fetched, so the map works on an isolated intranet.

The polygons travel apart from the figure: the figure names them by the
URL of ``web.precinct_shapes.shapes_url`` (served by that module from this
server, within the viewer's scope), which carries a digest of the shapes,
so the browser fetches a unit's shapes once and keeps them until they
change, and a view's answer does not repeat them on every drill or poll.

``precinct_map`` returns the figure as a plain dict of plotly's JSON, as
the builders in ``charts`` do.

Labels: text drawn by the map itself would need font glyphs from the
internet, so each unit's name and value travel in ``layout.meta.labels``
and ``assets/map_labels.js`` writes them as HTML over the map, where the
map places them on every move.  ``map_block`` holds the map; its class
shows or hides the labels, and the "labels" switch (``labels_switch``,
the page's clientside callback ``LABELS_SWITCH_JS``) changes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from shapely.geometry import shape

from dashboard.components.charts import json_values
from dashboard.components.figure_template import layout_template
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_value, value_axis

COLOR_SCALE = [[0.0, "#fff5eb"], [0.35, "#fdae6b"], [0.7, "#e6550d"], [1.0, "#7f2704"]]
# labels (name and value) show at first on maps of up to this many units; the page's switch shows
# them on a crowded map too (the city's 48 stations) or hides them
LABELS_MAX = 30


def _coordinates(geometry: dict) -> Iterable[list[list[float]]]:
    """Every ring of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def bounds(features: list[dict]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for feature in features:
        for ring in _coordinates(feature["geometry"]):
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
    return min(xs), min(ys), max(xs), max(ys)


def fit_view(box: tuple[float, float, float, float], width: int = 900, height: int = 620) -> dict:
    """Centre and zoom that show ``box`` in a map of about ``width`` x ``height`` pixels."""
    minx, miny, maxx, maxy = box
    lon_span = max(maxx - minx, 1e-4) * 1.1
    lat_span = max(maxy - miny, 1e-4) * 1.1
    zoom_x = math.log2(width * 360 / (512 * lon_span))
    zoom_y = math.log2(height * 360 / (512 * lat_span * 1.1))
    return {"center": {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2},
            "zoom": round(min(zoom_x, zoom_y), 2)}


def outline_trace(geojson: dict, color: str = "#1f2d3d", width: float = 2.0) -> dict:
    """The borders of ``geojson``'s polygons as one line trace (e.g. districts over stations), a dict."""
    lon: list[float | None] = []
    lat: list[float | None] = []
    for feature in geojson["features"]:
        for ring in _coordinates(feature["geometry"]):
            lon.extend(p[0] for p in ring)
            lat.extend(p[1] for p in ring)
            lon.append(None)
            lat.append(None)
    return {"type": "scattermap", "lon": lon, "lat": lat, "mode": "lines",
            "line": {"color": color, "width": width}, "hoverinfo": "skip", "showlegend": False}


# A MapLibre style with nothing but a background: no tiles, glyphs or sprites to fetch.  Its one
# source is empty and inline: plotly.js drops an empty ``sources`` when it updates a map in place (the
# wall's rotation), and MapLibre refuses a style without one ("missing required property").
DARK_STYLE = {"version": 8, "sources": {"none": {"type": "geojson", "data": {"type": "FeatureCollection",
                                                                             "features": []}}},
              "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#0b1320"}}]}


def value_scale(numbers: list) -> tuple[float, float] | None:
    """The colour scale's ends when the values would make it degenerate, else None (their own range).

    One value, or all alike (a station alone on its map), would give plotly
    a scale like 545.6-546.4: the scale then runs from 0 to that value
    (0 to 1 when it is 0), so its one colour reads as "this much", not "mid".
    """
    present = [float(v) for v in numbers if v is not None and math.isfinite(float(v))]
    if not present or min(present) != max(present):
        return None
    value = present[0]
    return (min(0.0, value), max(0.0, value)) if value != 0 else (0.0, 1.0)


def label_points(geojson: dict, names: list[str], texts: list[str], unit_ids: list) -> list[dict]:
    """One label per drawn unit: a point inside its shape, its name and its value as shown."""
    geometry = {feature["id"]: feature["geometry"] for feature in geojson["features"]}
    labels = []
    for unit_id, name, text in zip(unit_ids, names, texts, strict=True):
        if unit_id not in geometry:
            continue
        point = shape(geometry[unit_id]).representative_point()
        labels.append({"lon": round(point.x, 6), "lat": round(point.y, 6), "name": name, "value": text})
    return labels


def labels_shown(count: int) -> bool:
    """Whether a map of ``count`` units shows its labels at first: up to ``LABELS_MAX`` it does."""
    return count <= LABELS_MAX


def neighbour_trace(neighbours: dict, theme: str = "light") -> dict:
    """Neighbouring precincts (bare shapes, ``metrics.geography.neighbour_shapes``) in flat grey.

    No values, names or customdata, and ``hoverinfo: skip``, so they neither
    hover nor click through.
    """
    dark = theme == "dark"
    grey = "#3a4656" if dark else "#d5d9de"
    return {"type": "choroplethmap", "geojson": neighbours, "featureidkey": "id",
            "locations": [f["id"] for f in neighbours["features"]], "z": [0] * len(neighbours["features"]),
            "colorscale": [[0.0, grey], [1.0, grey]], "showscale": False, "hoverinfo": "skip",
            "marker": {"line": {"color": "#0b1320" if dark else "#ffffff", "width": 0.8}, "opacity": 0.9},
            "name": "neighbours"}


def precinct_map(geojson: dict, values: pd.DataFrame, metric_label: str, lang: str,
                 outlines: dict | None = None, height: int = 620, *, texts: list[str] | None = None,
                 highlight: dict | None = None, theme: str = "light", shapes: str | None = None,
                 value_range: tuple[float, float] | None = None, kind: str = "count",
                 neighbours: dict | None = None) -> dict:
    """Choropleth of ``values`` (columns unit_id, name_zh, name_en, value) over ``geojson``, a dict figure.

    Only the rows whose unit has a shape in ``geojson`` are drawn.
    ``shapes``: the URL of ``geojson`` (``shapes_url``), which the figure
    then names instead of carrying the polygons; ``geojson`` still gives
    the map's bounds.  ``texts`` are the values as shown in the hover and the labels
    (default: the numbers); when ``values`` has a ``code`` column it is the third item of each
    point's customdata, for click-through.  ``highlight`` (GeoJSON) is drawn
    as a thick outline; ``neighbours`` (bare GeoJSON) grey, around the map's own shapes, and the
    view fits both; ``theme`` "dark" draws on a dark background.
    ``value_range`` (low, high) fixes the colour scale's ends (default: the values' own, or
    ``value_scale``'s when they are all alike).  ``layout.meta.labels`` carries each unit's
    label (``label_points``), which ``assets/map_labels.js`` draws over the map.
    ``kind`` (a ``format_value`` kind) writes the hover's default texts and the colour bar's ticks.
    """
    drawn = {feature["id"] for feature in geojson["features"]}
    keep = values["unit_id"].isin(drawn).to_numpy()
    if texts is not None:
        texts = [text for text, kept in zip(texts, keep, strict=True) if kept]
    values = values[keep]
    names = [name_of(row, lang) for row in values[["name_zh", "name_en"]].to_dict("records")]
    numbers = json_values(values["value"])
    shown = texts if texts is not None else [format_value(kind, v, lang) for v in values["value"].tolist()]
    codes = json_values(values["code"]) if "code" in values else [""] * len(values)
    unit_ids = json_values(values["unit_id"])
    dark = theme == "dark"
    traces = [{
        "type": "choroplethmap", "geojson": shapes or geojson, "featureidkey": "id", "locations": unit_ids,
        "z": numbers, "colorscale": COLOR_SCALE,
        "marker": {"line": {"color": "#0b1320" if dark else "#ffffff", "width": 0.8}, "opacity": 0.85},
        "customdata": [list(item) for item in zip(names, shown, codes, strict=True)],
        "hovertemplate": "<b>%{customdata[0]}</b><br>" + metric_label + ": %{customdata[1]}<extra></extra>",
        "colorbar": {"title": {"text": metric_label}, "thickness": 12,
                     "tickfont": {"color": "#e8edf3" if dark else "#1f2d3d"},
                     **value_axis(list(value_range) if value_range is not None else numbers, kind, lang,
                                  ticks=4, from_zero=False)},
    }]
    value_range = value_range or value_scale(numbers)
    if value_range is not None:
        traces[0].update(zmin=value_range[0], zmax=value_range[1])
    features = list(geojson["features"])
    if neighbours is not None and neighbours["features"]:
        traces.append(neighbour_trace(neighbours, theme))
        features += neighbours["features"]
    if outlines is not None:
        traces.append(outline_trace(outlines, color="#e8edf3" if dark else "#1f2d3d"))
    if highlight is not None:
        traces.append(outline_trace(highlight, color="#00a8ff", width=4.0))
    box = bounds(features) if features else None
    view = fit_view(box, height=height) if box else {}
    return {"data": traces, "layout": {
        "map": {"style": DARK_STYLE if dark else "white-bg", **view}, "height": height,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "paper_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif",
                 "color": "#e8edf3" if dark else "#1f2d3d"},
        # assets/map_fit.js fits the map to its size; assets/map_labels.js draws the labels
        "meta": {"fit": list(box) if box else None,
                 "labels": label_points(geojson, names, shown, unit_ids)},
        "uirevision": ",".join(str(u) for u in unit_ids), "template": layout_template()}}


# the boundary check's problems, each kind its own colour (gaps: no unit covers them)
PROBLEM_COLORS = {"gap": "#d62728", "overlap": "#9467bd", "spill": "#ff7f0e", "unknown": "#7f7f7f"}


def _flat(color: str) -> list:
    return [[0.0, color], [1.0, color]]


def boundary_check_map(shapes: dict, problems: list[dict], kind_names: dict[str, str],
                       height: int = 520) -> dict:
    """The uploaded shapes with the checker's problems drawn over them, a dict figure.

    ``shapes`` and ``problems`` as ``dashboard.geo.report.report_map`` gives them;
    ``kind_names``: the legend's name of each problem kind.  Each problem is filled in its
    kind's colour, its hover is its line of the report, and a marker at a point inside it
    names it, with the codes of its stations in ``layout.meta.labels`` (drawn over the map by
    ``assets/map_labels.js``: text on the map itself would fetch fonts from the internet).
    """
    traces: list[dict] = []
    if shapes["features"]:
        labels = [f["properties"]["label"] for f in shapes["features"]]
        traces.append({
            "type": "choroplethmap", "geojson": shapes, "featureidkey": "id",
            "locations": [f["id"] for f in shapes["features"]], "z": [0] * len(labels),
            "colorscale": _flat("#dbe7f3"), "showscale": False, "customdata": labels,
            "marker": {"line": {"color": "#4a6785", "width": 1}, "opacity": 0.8},
            "hovertemplate": "<b>%{customdata}</b><extra></extra>"})
    for kind, color in PROBLEM_COLORS.items():
        found = [p for p in problems if p["kind"] == kind]
        if not found:
            continue
        areas = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": str(i), "properties": {}, "geometry": p["geometry"]}
            for i, p in enumerate(found)]}
        traces.append({
            "type": "choroplethmap", "geojson": areas, "featureidkey": "id",
            "locations": [str(i) for i in range(len(found))], "z": [1] * len(found),
            "colorscale": _flat(color), "showscale": False, "customdata": [p["label"] for p in found],
            "marker": {"line": {"color": color, "width": 2}, "opacity": 0.75},
            "hovertemplate": "%{customdata}<extra></extra>"})
        traces.append({
            # markers only: text on a map makes plotly fetch fonts from the internet
            "type": "scattermap", "mode": "markers", "name": kind_names.get(kind, kind),
            "lon": [p["lon"] for p in found], "lat": [p["lat"] for p in found],
            "customdata": [p["label"] for p in found],
            "marker": {"size": 10, "color": color}, "hovertemplate": "%{customdata}<extra></extra>"})
    everything = shapes["features"] + [{"geometry": p["geometry"]} for p in problems]
    view = fit_view(bounds(everything), height=height) if everything else {}
    labels = [{"lon": p["lon"], "lat": p["lat"], "name": kind_names.get(p["kind"], p["kind"]),
               "value": "/".join(c for c in p["codes"] if c)} for p in problems]
    return {"data": traces, "layout": {
        "meta": {"labels": labels},  # each problem named by its stations (assets/map_labels.js)
        "map": {"style": "white-bg", **view}, "height": height,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "paper_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": 0, "x": 0, "bgcolor": "rgba(255,255,255,0.8)"},
        "font": {"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif", "color": "#1f2d3d"},
        "template": layout_template()}}


# the page's clientside callback: the switch's value -> the map block's class
LABELS_SWITCH_JS = "function(on) { return on ? 'precinct-map' : 'precinct-map map-labels-off'; }"


def map_block_class(shown: bool) -> str:
    """The class of a map's block: its labels shown, or hidden (``map-labels-off``)."""
    return "precinct-map" if shown else "precinct-map map-labels-off"


def map_block(graph, block_id: str, shown: bool) -> html.Div:
    """``graph`` (the map) in a block whose class shows its labels, or hides them."""
    return html.Div(graph, id=block_id, className=map_block_class(shown))


def labels_switch(switch_id: str, shown: bool, lang: str) -> dbc.Switch:
    """The "labels" switch of a map, on when ``shown``."""
    return dbc.Switch(id=switch_id, label=t("map.labels", lang), value=shown,
                      className="small mb-0 ms-3 map-labels-switch")
