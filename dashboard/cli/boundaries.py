"""``antifraud import-boundaries FILE --level station|county``: a bureau's own precinct shapes.

Reads the file, prints the report (features, repairs, rejections, units
without a polygon, polygons without a unit, overlaps, gaps), and changes the
database only when the report is clean or ``--accept`` is given.  Exit codes:
0 stored, 1 problems found and nothing changed, 2 a mistake to fix (file,
field, level).
"""

from __future__ import annotations

from dashboard.cli.common import UsageError, cli_actor, open_database
from dashboard.geo import DEFAULT_TOLERANCE_M2, LEVELS
from dashboard.i18n import t


def cmd_import_boundaries(args, settings) -> int:
    # geopandas and shapely load here, not for every command (``antifraud --help``)
    from dashboard.geo.boundaries import (
        BoundaryFileError,
        apply_boundaries,
        check_boundaries,
        read_boundaries,
    )
    from dashboard.geo.report import report_lines

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
