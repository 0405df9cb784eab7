"""A boundary check's report as lines of text, for the console and the units page alike.

``report_map`` gives the same report as shapes for the units page's map: the
matched units' polygons and each gap, overlap, spill and unknown feature as
its own area, named by its stations in the same words as the text.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import shapely

from dashboard.i18n import t

if TYPE_CHECKING:
    from dashboard.geo.boundaries import BoundaryReport


def _area(value: float) -> str:
    return f"{value:,.0f}"


def report_lines(report: BoundaryReport, lang: str) -> list[str]:
    """The report as lines of text in ``lang``; problems first by kind."""
    bf = report.file
    lines = [t("boundaries.summary", lang, file=bf.path.name, features=len(bf.features) + len(bf.rejected),
               crs=bf.source_crs, matched=len(report.matched),
               level=t(f"boundaries.level.{report.level}", lang))]
    for feature in bf.repaired:
        lines.append(t("boundaries.repaired", lang, feature=feature.label()))
    for rejection in bf.rejected:
        reason = t(f"boundaries.reason.{rejection.reason}", lang, detail=rejection.detail)
        lines.append(t("boundaries.rejected", lang, feature=rejection.feature.label(), reason=reason))
    for feature in report.unknown:
        lines.append(t("boundaries.unknown", lang, feature=feature.label(),
                       level=t(f"boundaries.level.{report.level}", lang)))
    for code, features in sorted(report.duplicates.items()):
        lines.append(t("boundaries.duplicate", lang, code=code,
                       features=", ".join(f"#{f.number}" for f in features)))
    for code in report.missing_units:
        lines.append(t("boundaries.missing_unit", lang, unit=report.unit_label(code, lang)))
    lines.extend(text for _kind, _finding, text in _findings(report, lang))
    return lines


def _findings(report: BoundaryReport, lang: str):
    """(kind, finding, line of text) of every overlap, gap and spill, in the report's order."""
    for finding in report.overlaps:
        yield "overlap", finding, t(
            "boundaries.overlap", lang, first=report.unit_label(finding.codes[0], lang),
            second=report.unit_label(finding.codes[1], lang), area=_area(finding.area_m2),
            lon=finding.lon, lat=finding.lat)
    for finding in report.gaps:
        yield "gap", finding, t(
            "boundaries.gap", lang, parent=report.unit_label(finding.codes[0], lang),
            units=", ".join(report.unit_label(c, lang) for c in finding.codes[1:]) or "—",
            area=_area(finding.area_m2), lon=finding.lon, lat=finding.lat)
    for finding in report.spills:
        yield "spill", finding, t(
            "boundaries.spill", lang, unit=report.unit_label(finding.codes[0], lang),
            parent=report.unit_label(finding.codes[1], lang), area=_area(finding.area_m2),
            lon=finding.lon, lat=finding.lat)


def _geojson(geom) -> dict:
    """GeoJSON of a shape to draw, coordinates rounded to 6 digits (about 0.1 m).

    Rounded point by point, not snapped as stored shapes are: a sliver of a gap may not
    survive snapping, and a drawing need not be valid.
    """
    return json.loads(shapely.to_geojson(shapely.transform(geom, lambda xy: np.round(xy, 6))))


def report_map(report: BoundaryReport, lang: str) -> dict:
    """The report as plain GeoJSON for a map, in ``lang``.

    ``shapes``: a FeatureCollection of the matched units (``id`` the code,
    ``properties.label`` "code name"); ``problems``: one dict per gap, overlap,
    spill (and feature of an unknown code) with ``kind``, ``geometry``
    (GeoJSON), ``label`` (its line of the text report), ``codes`` (the units
    it names) and ``lon``/``lat`` (a point inside it).
    """
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {"label": report.unit_label(code, lang)},
         "geometry": _geojson(geom)} for code, geom in sorted(report.matched.items())]}
    problems = [{"kind": kind, "geometry": _geojson(finding.geometry), "label": text,
                 "codes": list(finding.codes), "lon": finding.lon, "lat": finding.lat}
                for kind, finding, text in _findings(report, lang) if finding.geometry is not None]
    for feature in report.unknown:
        inside = feature.geometry.representative_point()
        problems.append({"kind": "unknown", "geometry": _geojson(feature.geometry),
                         "label": t("boundaries.unknown", lang, feature=feature.label(),
                                    level=t(f"boundaries.level.{report.level}", lang)),
                         "codes": [feature.code or ""], "lon": round(inside.x, 6),
                         "lat": round(inside.y, 6)})
    return {"shapes": shapes, "problems": problems}
