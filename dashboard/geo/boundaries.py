"""Import a bureau's own precinct boundaries: read the file, check it, then apply it.

- ``read_boundaries(path, code_field=..., crs=...)`` reads GeoJSON, Shapefile
  or GeoPackage through geopandas/pyogrio, reprojects to WGS84 and repairs
  invalid polygons with ``shapely.make_valid`` (a feature that stays empty or
  is not a polygon is rejected, named by its number, code and name).
- ``check_boundaries(session, boundary_file, level)`` matches features to the
  ``OrgUnit`` rows of ``level`` by code and reports units without a polygon,
  polygons without a unit, codes given twice, overlaps between polygons and
  gaps against (or spills out of) the parent units' shapes.  Areas are in
  square metres in the UTM zone of the file; ``tolerance_m2`` hides slivers.
  Each finding carries its area's shape (WGS84) for the map of the report.
- ``apply_boundaries(session, report, actor=...)`` writes geometry and
  centroids of the matched units and one audit entry, in the caller's
  transaction (the caller commits).  Nothing here prints or commits.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import OrgUnit
from dashboard.geo import DEFAULT_TOLERANCE_M2, LEVELS
from dashboard.geo.precincts import to_geojson

BOUNDARIES_IMPORTED = audit.BOUNDARIES_IMPORTED
NAME_FIELDS = ("name_zh", "name", "NAME", "名称", "mc", "MC")
WGS84 = "EPSG:4326"
NEIGHBOUR_M = 1.0  # a unit this close to a gap borders it


class BoundaryFileError(ValueError):
    """The file cannot be used at all (unreadable, no code field, no CRS); one line for the user."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Feature:
    """One polygon of the file, in WGS84, with the number it has in the file (from 1)."""

    number: int
    code: str | None
    name: str | None
    geometry: BaseGeometry | None
    repaired: bool = False

    def label(self) -> str:
        parts = [f"#{self.number}"] + [p for p in (self.code, self.name) if p]
        return " ".join(parts)


@dataclass(frozen=True)
class Rejection:
    """A feature that cannot be used; ``reason`` is a message id suffix, ``detail`` free text."""

    feature: Feature
    reason: str
    detail: str = ""


@dataclass
class BoundaryFile:
    path: Path
    sha256: str
    source_crs: str
    features: list[Feature]
    rejected: list[Rejection]

    @property
    def repaired(self) -> list[Feature]:
        return [f for f in self.features if f.repaired]


@dataclass(frozen=True)
class AreaFinding:
    """An overlap of two units, or a gap in / spill out of a parent: area and where it is.

    ``codes``: the two overlapping units; the parent of a gap, then the units around it; the
    spilling unit, then its parent.  ``geometry``: the area itself (WGS84), for the map.
    """

    codes: tuple[str, ...]
    area_m2: float
    lon: float
    lat: float
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)  # WGS84


@dataclass
class BoundaryReport:
    """What importing the file would do; ``clean`` when nothing needs a human decision."""

    level: str
    file: BoundaryFile
    tolerance_m2: float
    matched: dict[str, BaseGeometry] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code: (name_zh, name_en)
    unknown: list[Feature] = field(default_factory=list)
    duplicates: dict[str, list[Feature]] = field(default_factory=dict)
    missing_units: list[str] = field(default_factory=list)
    overlaps: list[AreaFinding] = field(default_factory=list)
    gaps: list[AreaFinding] = field(default_factory=list)
    spills: list[AreaFinding] = field(default_factory=list)

    def unit_label(self, code: str, lang: str) -> str:
        """``code name`` of a unit in ``lang`` (zh-CN or en)."""
        zh, en = self.names.get(code, ("", ""))
        return f"{code} {zh if lang.startswith('zh') else en}".strip()

    @property
    def clean(self) -> bool:
        return not (self.file.rejected or self.unknown or self.duplicates or self.missing_units
                    or self.overlaps or self.gaps or self.spills)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = [path] + ([path.with_suffix(s) for s in (".shx", ".dbf", ".prj")]
                      if path.suffix.lower() == ".shp" else [])
    for part in files:
        if part.exists():
            with part.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    hexdigest = digest.hexdigest()  # grouped: the audit log refuses long runs of digits
    return "-".join(hexdigest[i:i + 8] for i in range(0, len(hexdigest), 8))


def _text(value) -> str | None:
    """A code or name as text: numbers read from a Shapefile lose their ``.0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygon parts of a geometry (make_valid may add stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else shapely.Polygon()
    return shapely.Polygon()


def _clean_geometry(number: int, code, name, geom) -> Feature | Rejection:
    feature = Feature(number, code, name, None)
    if geom is None or geom.is_empty:
        return Rejection(feature, "empty")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return Rejection(feature, "not_polygon", geom.geom_type)
    repaired = False
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom.is_empty or geom.area == 0:
            return Rejection(feature, "unrepairable", why)
        repaired = True
    return Feature(number, code, name, geom, repaired)


def read_boundaries(path: str | Path, code_field: str = "code", crs: str | None = None) -> BoundaryFile:
    """Read, reproject to WGS84 and repair the polygons of a boundary file."""
    path = Path(path)
    if not path.exists():
        raise BoundaryFileError("not_found", path=str(path))
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own DataSourceError and friends
        raise BoundaryFileError("unreadable", path=str(path),
                                detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                                ) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name not in frame.columns:
        raise BoundaryFileError("unreadable", path=str(path),
                                detail="no shapes (a table, not GeoJSON, a shapefile or a GeoPackage)")
    if code_field not in frame.columns:
        fields = ", ".join(c for c in frame.columns if c != frame.geometry.name)
        raise BoundaryFileError("no_code_field", field=code_field, fields=fields or "-")
    if crs:
        frame = frame.set_crs(crs, allow_override=True)
    if (frame.crs is None or frame.crs.is_geographic) and _beyond_degrees(frame):
        # metres read as degrees (a GeoJSON is WGS84 unless it says otherwise)
        raise BoundaryFileError("metres_no_crs", path=str(path),
                                bounds=", ".join(f"{v:,.0f}" for v in frame.total_bounds))
    if frame.crs is None:
        raise BoundaryFileError("no_crs", path=str(path))
    source_crs = frame.crs.to_string()
    if not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    name_field = next((n for n in NAME_FIELDS if n in frame.columns and n != code_field), None)
    features: list[Feature] = []
    rejected: list[Rejection] = []
    for number, (code, name, geom) in enumerate(zip(
            frame[code_field], frame[name_field] if name_field else [None] * len(frame),
            frame.geometry, strict=True), start=1):
        code, name = _text(code), _text(name)
        if code is None:
            rejected.append(Rejection(Feature(number, None, name, None), "no_code"))
            continue
        result = _clean_geometry(number, code, name, geom)
        (rejected if isinstance(result, Rejection) else features).append(result)
    return BoundaryFile(path, _file_sha256(path), source_crs, features, rejected)


def _beyond_degrees(frame: gpd.GeoDataFrame) -> bool:
    """True when the coordinates cannot be longitudes and latitudes (metres, most likely)."""
    if frame.geometry.is_empty.all() or frame.geometry.isna().all():
        return False
    minx, miny, maxx, maxy = frame.total_bounds
    return not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)


def _neighbours(gap: BaseGeometry, codes: list[str], shapes: dict[str, BaseGeometry],
                tolerance: float) -> tuple[str, ...]:
    """The units whose shapes touch (within a metre) a piece of the gap larger than the tolerance."""
    pieces = [p for p in getattr(gap, "geoms", [gap]) if p.area > tolerance] or [gap]
    return tuple(sorted(c for c in codes
                        if any(shapes[c].distance(p) <= NEIGHBOUR_M for p in pieces)))


class _Metric:
    """Projection to the UTM zone of a set of WGS84 shapes (metres), and back."""

    def __init__(self, geoms: dict[str, BaseGeometry]) -> None:
        self.crs = gpd.GeoSeries(list(geoms.values()), crs=WGS84).estimate_utm_crs()

    def project(self, geoms: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
        if not geoms:
            return {}
        series = gpd.GeoSeries(list(geoms.values()), index=list(geoms), crs=WGS84)
        return dict(series.to_crs(self.crs).items())

    def finding(self, codes: tuple[str, ...], piece: BaseGeometry) -> AreaFinding:
        """An area finding located at a point inside its largest piece."""
        largest = max(getattr(piece, "geoms", [piece]), key=lambda g: g.area)
        point, area = gpd.GeoSeries([largest.representative_point(), piece],
                                    crs=self.crs).to_crs(WGS84)
        return AreaFinding(codes, round(piece.area, 1), round(point.x, 6), round(point.y, 6), area)


def _overlaps(shapes: dict[str, BaseGeometry], tolerance: float, metric: _Metric) -> list[AreaFinding]:
    codes = list(shapes)
    geoms = [shapes[c] for c in codes]
    tree = shapely.STRtree(geoms)
    found = []
    for i, j in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if i >= j:
            continue
        piece = _polygonal(geoms[i].intersection(geoms[j]))
        if piece.area > tolerance:
            found.append(metric.finding((codes[i], codes[j]), piece))
    return sorted(found, key=lambda f: -f.area_m2)


def check_boundaries(session: Session, boundary_file: BoundaryFile, level: str,
                     tolerance_m2: float = DEFAULT_TOLERANCE_M2,
                     within: OrgUnit | None = None) -> BoundaryReport:
    """Match the file's features to the units of ``level`` and find what is wrong; writes nothing.

    ``within``: a unit (a district) whose units of ``level`` alone the file covers; the others'
    codes count as unknown and the others are not missed.  Retired units are neither missed
    nor matched (a file after a merge leaves the merged station out).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    query = select(OrgUnit).where(OrgUnit.level == level, OrgUnit.retired_on.is_(None))
    if within is not None:
        query = query.where(OrgUnit.path.startswith(within.path + "/"))
    units = {u.code: u for u in session.scalars(query)}
    report = BoundaryReport(level, boundary_file, tolerance_m2)
    by_code: dict[str, list[Feature]] = defaultdict(list)
    for feature in boundary_file.features:
        by_code[feature.code].append(feature)
    for code, features in by_code.items():
        if code not in units:
            report.unknown.extend(features)
            continue
        if len(features) > 1:
            report.duplicates[code] = features
        report.matched[code] = shapely.union_all([f.geometry for f in features])
    report.missing_units = sorted(set(units) - set(report.matched))
    report.names = {code: (u.name_zh, u.name_en) for code, u in units.items()}
    if not report.matched:
        return report

    metric = _Metric(report.matched)
    shapes = metric.project(report.matched)
    report.overlaps = _overlaps(shapes, tolerance_m2, metric)
    children: dict[int, list[str]] = defaultdict(list)
    for code in report.matched:
        if units[code].parent_id is not None:
            children[units[code].parent_id].append(code)
    parents = session.scalars(select(OrgUnit).where(OrgUnit.id.in_(list(children)))).all()
    report.names.update({p.code: (p.name_zh, p.name_en) for p in parents})
    parent_shapes = metric.project({p.code: shape(json.loads(p.geometry))
                                    for p in parents if p.geometry})
    for parent in sorted(parents, key=lambda p: p.code):
        if parent.code not in parent_shapes:
            continue
        outline = shapely.make_valid(parent_shapes[parent.code])
        mine = [shapes[c] for c in children[parent.id]]
        gap = _polygonal(outline.difference(shapely.union_all(mine)))
        if gap.area > tolerance_m2:
            around = _neighbours(gap, children[parent.id], shapes, tolerance_m2)
            report.gaps.append(metric.finding((parent.code, *around), gap))
        for code in sorted(children[parent.id]):
            spill = _polygonal(shapes[code].difference(outline))
            if spill.area > tolerance_m2:
                report.spills.append(metric.finding((code, parent.code), spill))
    return report


def apply_boundaries(session: Session, report: BoundaryReport, *, actor: str | None,
                     accepted_problems: bool = False) -> list[OrgUnit]:
    """Store the matched polygons and their centroids, and audit it; the caller commits."""
    units = {u.code: u for u in session.scalars(
        select(OrgUnit).where(OrgUnit.level == report.level, OrgUnit.code.in_(list(report.matched))))}
    changed = []
    for code, geom in sorted(report.matched.items()):
        unit = units[code]
        inside = geom.representative_point()
        unit.geometry = to_geojson(geom)
        unit.centroid_lon, unit.centroid_lat = round(inside.x, 6), round(inside.y, 6)
        changed.append(unit)
    session.flush()
    audit.record(
        session, user=actor, action=BOUNDARIES_IMPORTED, object=f"boundaries:{report.level}",
        detail={"file": report.file.path.name, "sha256": report.file.sha256,
                "source_crs": report.file.source_crs, "updated": len(changed),
                "rejected": len(report.file.rejected), "repaired": len(report.file.repaired),
                "unknown": len(report.unknown), "missing_units": len(report.missing_units),
                "overlaps": len(report.overlaps), "gaps": len(report.gaps),
                "spills": len(report.spills), "accepted_problems": accepted_problems},
    )
    return changed
