"""Precinct shapes uploaded by the sysadmin (``manage_units``), for the city or one district.

``ImportBoundaries(actor, path, level, district=..., accept=...).run(session)``
reads and checks the file (``dashboard.geo.boundaries``); with ``district``
(a county code) the file covers that district's stations alone, and the
other districts are neither matched nor missed.  The shapes are stored (and
audited) only when the report is clean or ``accept`` is given; the report is
returned either way.  Refusals are ``Invalid`` naming ``file``, ``level`` or
``district``.  The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.edit_units import PERMISSION, UnitInvalid, check_actor
from dashboard.domain import OrgUnit
from dashboard.geo import DEFAULT_TOLERANCE_M2, LEVELS
from dashboard.geo.boundaries import (
    BoundaryFileError,
    BoundaryReport,
    apply_boundaries,
    check_boundaries,
    read_boundaries,
)

__all__ = ["PERMISSION", "BoundaryUpload", "ImportBoundaries"]


@dataclass
class BoundaryUpload:
    report: BoundaryReport
    stored: int  # units whose shape was stored; 0 when the report held problems


@dataclass
class ImportBoundaries:
    actor: object
    path: Path
    level: object
    district: object = None
    accept: bool = False
    tolerance_m2: float = DEFAULT_TOLERANCE_M2
    file_name: str | None = None  # as the user knows it (an upload is read from a temporary file)
    source_address: str | None = None

    def run(self, session: Session) -> BoundaryUpload:
        check_actor(session, self.actor, "boundaries:upload", self.source_address)
        if self.level not in LEVELS:
            raise UnitInvalid("level", "units.error.level", value=str(self.level or "")[:20],
                              levels=", ".join(LEVELS))
        within = None
        if self.district:
            within = session.scalar(select(OrgUnit).where(OrgUnit.code == str(self.district),
                                                          OrgUnit.level == "county"))
            if within is None or self.level != "station":
                raise UnitInvalid("district", "units.admin.error.district",
                                  code=str(self.district)[:32])
        try:
            boundary_file = read_boundaries(self.path)
        except BoundaryFileError as exc:
            params = {**exc.params, **({"path": self.file_name[:120]} if self.file_name else {})}
            raise UnitInvalid("file", f"boundaries.error.{exc.reason}", **params) from None
        report = check_boundaries(session, boundary_file, self.level, self.tolerance_m2, within=within)
        if not report.matched:
            raise UnitInvalid("file", "units.admin.error.nothing_matched")
        if not report.clean and not self.accept:
            return BoundaryUpload(report, 0)
        changed = apply_boundaries(session, report, actor=self.actor,
                                   accepted_problems=not report.clean)
        return BoundaryUpload(report, len(changed))
