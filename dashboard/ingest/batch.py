"""One batch of incoming records: validate, store the good ones, keep the bad ones.

``ingest_batch(session, kind, records, sender=..., actor=...)`` is the one
entry point of the HTTP API, of file imports and of replays, so all three
validate and de-duplicate identically.  In the caller's transaction it

1. validates each record (``dashboard.ingest.schemas``, then reference and
   unit codes, routing, the sender's sources, the time bounds of
   ``dashboard.ingest.times``),
2. writes new records, reports identical re-sends as duplicates, applies
   legal updates, and refuses other changes under a known id,
3. maintains the dashboards' aggregate tables for what it wrote,
4. stores every refused record, with its errors, in ``rejected_records``
   (``dashboard.ingest.rejected``),
5. counts what each source delivered in ``feed_arrivals`` (warnings only;
   ``dashboard.ingest.arrivals``; not for a replay, which no feed sent),
6. writes one audit row for the batch.

The sender (``dashboard.ingest.tokens.Sender``: a token, or an import's
``--source``) fixes the source every record must carry and the sources whose
warnings its follow-ups may name; ``None`` (a file import without
``--source``) fixes neither.  The caller commits: all accepted records of a
batch land together or not at all.  Each result names its index, status (inserted, duplicate, updated,
rejected) and errors as ``{field, reason}``.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session, defer

from dashboard.auth import audit
from dashboard.domain import OrgUnit
from dashboard.domain.base import now_local
from dashboard.domain.reference import REFERENCE_MODELS, RiskLevel
from dashboard.domain.times import DEFAULT_MAX_FUTURE_MINUTES, TimeBounds
from dashboard.ingest import KINDS, MAX_BATCH
from dashboard.ingest.arrivals import record_batch as count_arrivals
from dashboard.ingest.rejected import keep_rejected as store_rejected
from dashboard.ingest.routing import precinct_index
from dashboard.ingest.schemas import Strict, parse
from dashboard.ingest.times import time_errors
from dashboard.ingest.tokens import Sender


class BatchError(ValueError):
    """The batch as a whole is unusable (not a list, too many records, unknown kind)."""


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


@dataclass
class BatchResult:
    batch: str
    kind: str
    results: list[RecordResult]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("inserted", "duplicate", "updated", "rejected"), 0)
        for r in self.results:
            counts[r.status] += 1
        return counts

    def as_dict(self) -> dict:
        return {"batch": self.batch, "kind": self.kind, **self.counts,
                "results": [r.as_dict() for r in self.results]}


class Context:
    """What the per-kind writers look up: reference codes, units, precincts, the clock, the sender."""

    def __init__(self, session: Session, sender: Sender | None = None,
                 max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES) -> None:
        self.session = session
        self.sender = sender
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
            errors.append({"field": field_name, "reason": f"unknown code (see data/reference/{table}.csv)"})

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

    def station_of_point(self, lon: float, lat: float) -> OrgUnit | None:
        station_id = precinct_index(self.session).locate(lon, lat)
        return self.session.get(OrgUnit, station_id) if station_id is not None else None


def new_batch_id() -> str:
    """16 random letters: no run of digits, which the audit log would take for personal data."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(16))


def _hold_write_lock(session: Session) -> None:
    """On SQLite, take the write lock now, so every read of the batch sees the latest rows."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM rejected_records WHERE 0 = 1"))


def ingest_batch(session: Session, kind: str, records, *, sender: Sender | None,
                 actor: str | None = None, batch: str | None = None, first_position: int = 0,
                 source_address: str | None = None, keep_rejected: bool = True,
                 max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
                 arrivals: bool = True) -> BatchResult:
    """Ingest ``records`` of ``kind``; the ``sender``'s source must be every record's.

    ``arrivals``: count the batch in ``feed_arrivals`` (False for a replay).
    """
    from dashboard.ingest.follow_ups_in import ingest_outcomes, ingest_stop_payments
    from dashboard.ingest.warnings_in import ingest_warnings

    if kind not in KINDS:
        raise BatchError(f"kind: must be one of {', '.join(KINDS)}")
    if not isinstance(records, list):
        raise BatchError("body: must be a JSON array of records")
    if not 1 <= len(records) <= MAX_BATCH:
        raise BatchError(f"body: a batch holds 1 to {MAX_BATCH} records, got {len(records)}")
    batch = batch or new_batch_id()
    _hold_write_lock(session)
    ctx = Context(session, sender, max_future_minutes)
    results: dict[int, RecordResult] = {}
    valid = []
    for index, raw in enumerate(records):
        record, errors = parse(kind, raw)
        if record is not None and sender is not None and record.source != sender.source:
            errors = [{"field": "source", "reason": f"this token is for source {sender.source!r}"}]
        if errors:
            results[index] = RecordResult(index, "rejected", errors=errors)
        else:
            valid.append((index, record))
    writer = {"warnings": ingest_warnings, "outcomes": ingest_outcomes,
              "stop-payments": ingest_stop_payments}[kind]
    for result in writer(ctx, valid):
        results[result.index] = result
    ordered = [results[i] for i in range(len(records))]
    if keep_rejected:
        store_rejected(session, ctx, kind, batch, records, ordered, first_position)
    if arrivals:
        count_arrivals(ctx, kind, records, dict(valid), ordered)
    result = BatchResult(batch, kind, ordered)
    audit.record(session, user=actor, action=audit.INGEST_BATCH, object=f"batch:{batch}",
                 outcome=audit.SUCCESS, source_address=source_address,
                 detail={"kind": kind, **result.counts})
    return result
