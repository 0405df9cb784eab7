"""What the writers of each kind of record share within one batch: its context and a record's result.

``Context`` caches the reference codes, the units and the precinct index for
a batch and holds its clock, time bounds and sender; ``RecordResult`` is one
record's answer (index, status, id, errors as ``{field, reason, code, params}``,
``dashboard.ingest.reasons``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from dashboard.domain import OrgUnit
from dashboard.domain.base import now_local
from dashboard.domain.reference import REFERENCE_MODELS, RiskLevel
from dashboard.domain.times import DEFAULT_MAX_FUTURE_MINUTES, TimeBounds
from dashboard.ingest.reasons import refusal
from dashboard.ingest.routing import precinct_index
from dashboard.ingest.schemas import Strict
from dashboard.ingest.times import time_errors
from dashboard.ingest.tokens import Sender


@dataclass
class RecordResult:
    index: int
    status: str
    id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = {"index": self.index, "status": self.status}
        if self.id is not None:
            out["id"] = self.id
        if self.errors:
            out["errors"] = self.errors
        return out



class Context:
    """What the per-kind writers look up: reference codes, units, precincts, the clock, the sender."""

    def __init__(self, session: Session, sender: Sender | None = None,
                 max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
                 within: str | None = None) -> None:
        self.session = session
        self.sender = sender
        self.within = within  # the path of the unit whose stations records may name (None: any)
        self.now = now_local()
        self.bounds = TimeBounds(self.now, max_future_minutes)
        self._codes: dict[str, set[str]] = {}
        self._units: dict[str, OrgUnit] | None = None

    def time_errors(self, record: Strict, warning=None) -> list[dict]:
        """The record's times out of bounds (``dashboard.ingest.times``)."""
        return time_errors(record, self.bounds, warning)

    def may_follow(self, warning_source: str) -> bool:
        """True when the sender may write follow-ups of warnings of ``warning_source``."""
        return self.sender is None or warning_source in self.sender.warning_sources

    def codes(self, table: str) -> set[str]:
        if table not in self._codes:
            model = next(m for m in REFERENCE_MODELS if m.__tablename__ == table)
            self._codes[table] = set(self.session.scalars(select(model.code)))
        return self._codes[table]

    def check_code(self, errors: list, field_name: str, value: str | None, table: str) -> None:
        if value is not None and value not in self.codes(table):
            errors.append(refusal(field_name, "code_unknown", table=table))

    def response_minutes(self, risk_level: str) -> int:
        """The response deadline of a risk level, in minutes (``data/reference/risk_levels.csv``)."""
        if not hasattr(self, "_response"):
            self._response = dict(self.session.execute(
                select(RiskLevel.code, RiskLevel.response_minutes)).all())
        return self._response[risk_level]

    def unit(self, code: str) -> OrgUnit | None:
        if self._units is None:  # every unit once a batch, without its polygon (a query a station was most of a batch)
            self._units = {u.code: u for u in self.session.scalars(
                select(OrgUnit).options(defer(OrgUnit.geometry)))}
        return self._units.get(code)

    def unit_by_id(self, unit_id: int) -> OrgUnit | None:
        self.unit("")
        return next((u for u in self._units.values() if u.id == unit_id), None)

    def in_reach(self, unit_id: int | None) -> bool:
        """True when the batch may write for the unit with ``unit_id`` (``within``'s subtree)."""
        if self.within is None:
            return True
        unit = self.unit_by_id(unit_id) if unit_id is not None else None
        return unit is not None and (unit.path == self.within
                                     or unit.path.startswith(self.within + "/"))

    def station_of_point(self, lon: float, lat: float) -> OrgUnit | None:
        station_id = precinct_index(self.session).locate(lon, lat)
        return self.session.get(OrgUnit, station_id) if station_id is not None else None
