"""``antifraud import-boundaries FILE --level station|county``: a bureau's own precinct shapes.

Reads the file, prints the report (features, repairs, rejections, units
without a polygon, polygons without a unit, overlaps, gaps), and changes the
database only when the report is clean or ``--accept`` is given.  Exit codes:
0 stored, 1 problems found and nothing changed, 2 a mistake to fix (file,
field, level).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.cli.common import UsageError, cli_actor, open_database
from dashboard.geo import DEFAULT_TOLERANCE_M2, LEVELS
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
    for finding in report.overlaps:
        lines.append(t("boundaries.overlap", lang, first=report.unit_label(finding.codes[0], lang),
                       second=report.unit_label(finding.codes[1], lang),
                       area=_area(finding.area_m2), lon=finding.lon, lat=finding.lat))
    for finding in report.gaps:
        lines.append(t("boundaries.gap", lang, parent=report.unit_label(finding.codes[0], lang),
                       units=", ".join(report.unit_label(c, lang) for c in finding.codes[1:]) or "—",
                       area=_area(finding.area_m2), lon=finding.lon, lat=finding.lat))
    for finding in report.spills:
        lines.append(t("boundaries.spill", lang, unit=report.unit_label(finding.codes[0], lang),
                       parent=report.unit_label(finding.codes[1], lang),
                       area=_area(finding.area_m2), lon=finding.lon, lat=finding.lat))
    return lines


def cmd_import_boundaries(args, settings) -> int:
    # geopandas and shapely load here, not for every command (``antifraud --help``)
    from dashboard.geo.boundaries import (
        BoundaryFileError,
        apply_boundaries,
        check_boundaries,
        read_boundaries,
    )

    lang = settings["DEFAULT_LANGUAGE"]
    if args.tolerance < 0:
        raise UsageError(t("boundaries.error.tolerance", lang))
    try:
        boundary_file = read_boundaries(args.file, code_field=args.code_field, crs=args.crs)
    except BoundaryFileError as exc:
        raise UsageError(t(f"boundaries.error.{exc.reason}", lang, **exc.params)) from None
    db = open_database(settings)
    with db.session() as session:
        report = check_boundaries(session, boundary_file, args.level, tolerance_m2=args.tolerance)
        for line in report_lines(report, lang):
            print(line)
        if not report.matched:
            raise UsageError(t("boundaries.error.nothing_matched", lang, field=args.code_field,
                               level=t(f"boundaries.level.{args.level}", lang)))
        if not report.clean and not args.accept:
            print(t("boundaries.not_applied", lang))
            return 1
        changed = apply_boundaries(session, report, actor=cli_actor(),
                                   accepted_problems=not report.clean)
    print(t("boundaries.applied", lang, count=len(changed),
            level=t(f"boundaries.level.{args.level}", lang)))
    return 0


def register(sub) -> None:
    p = sub.add_parser("import-boundaries",
                       help="import precinct polygons (GeoJSON, Shapefile, GeoPackage) for existing units")
    p.add_argument("file", help="GeoJSON, Shapefile (.shp) or GeoPackage (.gpkg)")
    p.add_argument("--level", required=True, choices=LEVELS, help="which units the polygons belong to")
    p.add_argument("--code-field", default="code",
                   help="attribute holding the unit code (default: code)")
    p.add_argument("--crs", default=None,
                   help="the file's coordinate system (e.g. EPSG:4490) when it declares none or a wrong one")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_M2,
                   help=f"overlaps and gaps smaller than this many m² are ignored "
                        f"(default {DEFAULT_TOLERANCE_M2:,.0f})")
    p.add_argument("--accept", action="store_true",
                   help="store the matched polygons even though the report lists problems")
    p.set_defaults(handler=cmd_import_boundaries)
