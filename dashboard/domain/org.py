"""The command chain: city bureau, county sub-bureaus, police stations."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from dashboard.domain.base import Base

PATH_SEPARATOR = "/"
UNIT_CODE = re.compile(r"[0-9A-Za-z_-]{1,32}")  # a whole code (fullmatch): no "/" (the path's
# separator) nor LIKE's "%"


class OrgUnit(Base):
    """One unit of the chain.

    ``path`` is the chain of codes from the city down, joined by ``/``
    (``350200/350203/35020301``): a unit's subtree is every unit whose path
    starts with its own, which is how scope is computed.

    A retired unit (``retired_on`` set: stations split and merge) keeps its
    row and its history; from that day it takes no new warnings or tasks.
    ``successor_id`` names the unit a merged station went into; it is no
    database foreign key (migration 0023 says why), hence the explicit join.
    """

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(ForeignKey("org_levels.code"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True)
    population: Mapped[int | None] = mapped_column(BigInteger)
    geometry: Mapped[str | None] = mapped_column(Text, doc="Precinct polygon as GeoJSON (WGS84)")
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    retired_on: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent")
    successor: Mapped[OrgUnit | None] = relationship(
        primaryjoin=lambda: foreign(OrgUnit.successor_id) == OrgUnit.id, remote_side=lambda: [OrgUnit.id],
        viewonly=True)

    @staticmethod
    def path_of(code: str, parent: OrgUnit | None) -> str:
        """The ``path`` of a unit with ``code`` under ``parent`` (its own code at the top)."""
        return f"{parent.path}{PATH_SEPARATOR}{code}" if parent is not None else code

    @property
    def retired(self) -> bool:
        return self.retired_on is not None

    def retired_by(self, day: date) -> bool:
        """True when the unit is retired on ``day`` (it retires from the start of ``retired_on``)."""
        return self.retired_on is not None and self.retired_on <= day

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en
