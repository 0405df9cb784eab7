"""A boundary check's report as lines of text, for the console and the units page alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
