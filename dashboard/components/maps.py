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
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from dashboard.components.charts import json_values
from dashboard.components.figure_template import layout_template
from dashboard.i18n import name_of

COLOR_SCALE = [[0.0, "#fff5eb"], [0.35, "#fdae6b"], [0.7, "#e6550d"], [1.0, "#7f2704"]]


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


# A MapLibre style with nothing but a background: no tiles, glyphs or sprites to fetch.
DARK_STYLE = {"version": 8, "sources": {}, "layers": [
    {"id": "background", "type": "background", "paint": {"background-color": "#0b1320"}}]}


def precinct_map(geojson: dict, values: pd.DataFrame, metric_label: str, lang: str,
                 outlines: dict | None = None, height: int = 620, *, texts: list[str] | None = None,
                 highlight: dict | None = None, theme: str = "light", shapes: str | None = None,
                 value_range: tuple[float, float] | None = None) -> dict:
    """Choropleth of ``values`` (columns unit_id, name_zh, name_en, value) over ``geojson``, a dict figure.

    ``shapes``: the URL of ``geojson`` (``shapes_url``), which the figure
    then names instead of carrying the polygons; ``geojson`` still gives
    the map's bounds.  ``texts`` are the values as shown in the hover (default: the numbers);
    when ``values`` has a ``code`` column it is the third item of each
    point's customdata, for click-through.  ``highlight`` (GeoJSON) is drawn
    as a thick outline; ``theme`` "dark" draws on a dark background.
    ``value_range`` (low, high) fixes the colour scale's ends (default: the values' own).
    """
    names = [name_of(row, lang) for row in values[["name_zh", "name_en"]].to_dict("records")]
    numbers = json_values(values["value"])
    shown = texts if texts is not None else [f"{v:,}" for v in values["value"].tolist()]
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
                     "tickfont": {"color": "#e8edf3" if dark else "#1f2d3d"}},
    }]
    if value_range is not None:
        traces[0].update(zmin=value_range[0], zmax=value_range[1])
    if outlines is not None:
        traces.append(outline_trace(outlines, color="#e8edf3" if dark else "#1f2d3d"))
    if highlight is not None:
        traces.append(outline_trace(highlight, color="#00a8ff", width=4.0))
    box = bounds(geojson["features"]) if geojson["features"] else None
    view = fit_view(box, height=height) if box else {}
    return {"data": traces, "layout": {
        "meta": {"fit": list(box) if box else None},  # assets/map_fit.js fits it to the map's size
        "map": {"style": DARK_STYLE if dark else "white-bg", **view}, "height": height,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "paper_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif",
                 "color": "#e8edf3" if dark else "#1f2d3d"},
        "uirevision": ",".join(str(u) for u in unit_ids), "template": layout_template()}}
