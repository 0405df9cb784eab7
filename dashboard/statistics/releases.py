"""Releases: one publication given to one reader, kept so that the next is protected against it.

``protect_release`` decides a publication's statuses for a reader: the same
request over the same exact values that reader had before is answered with
the statuses given then (nothing new is learnt; the preview and its export
agree); otherwise the publication's own protection goes on against every
cell the reader received before (``statistics.ledger``).  ``record_release``
writes the release and the spans it showed (in the caller's transaction).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.db import dialect_insert
from dashboard.disclosure import Cells, Protection, protect
from dashboard.disclosure.suppression import PUBLISHED
from dashboard.domain import OrgUnit, ReleasedCell, StatisticsRelease
from dashboard.statistics.ledger import bind_released, cell_span
from dashboard.statistics.request import StatisticsRequest


@dataclass
class Release:
    recipient: str
    request_key: str
    values_key: str
    statuses: dict = field(default_factory=dict)   # shown cell key -> status
    spans: list = field(default_factory=list)      # (unit, measure, first, last, value, withheld)
    repeated: bool = False                          # the same as one the reader had


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _key(raw):
    return tuple(_key(part) for part in raw) if isinstance(raw, list) else raw


def _earlier(session: Session, recipient: str, request_key: str, values_key: str) -> dict | None:
    stored = session.scalar(select(StatisticsRelease.statuses).where(
        StatisticsRelease.recipient == recipient, StatisticsRelease.request_key == request_key,
        StatisticsRelease.values_key == values_key))
    return None if stored is None else {_key(k): s for k, s in json.loads(stored)}


def protect_release(session: Session, scope: Scope, cells: Cells, request: StatisticsRequest,
                    now: datetime, threshold: int, recipient: str | None,
                    units: dict[str, OrgUnit]) -> tuple[Protection, Release | None]:
    """The protection of ``cells`` for ``recipient`` (None: this publication alone, unrecorded)."""
    own = protect(cells, threshold)
    if recipient is None:
        return own, None
    request_key = _digest([request.query(), threshold])
    values_key = _digest(sorted([repr(k), c.value] for k, c in cells.cells.items()))
    release = Release(recipient, request_key, values_key)
    earlier = _earlier(session, recipient, request_key, values_key)
    if earlier is not None:
        protection = Protection({**own.status, **earlier}, threshold)
        release.repeated = True
    elif bind_released(session, scope, cells, request, now, threshold, recipient, units):
        protection = protect(cells, threshold, start=own.status)
    else:
        protection = own
    for key, cell in cells.cells.items():
        span = cell_span(key, request) if cell.shown else None
        if span is None:
            continue
        release.statuses[key] = protection.of(key)
        release.spans.append((*span, cell.value, protection.of(key) != PUBLISHED))
    return protection, release


def record_release(session: Session, release: Release | None, now: datetime) -> None:
    """Write ``release`` and the spans it published (the caller commits); once a release."""
    if release is None or release.repeated:
        return
    statuses = json.dumps(sorted(([list(k), s] for k, s in release.statuses.items()),
                                 key=lambda pair: repr(pair[0])), default=str)
    session.execute(dialect_insert(session, StatisticsRelease).values(
        recipient=release.recipient, request_key=release.request_key,
        values_key=release.values_key, statuses=statuses, released_at=now,
    ).on_conflict_do_nothing(index_elements=["recipient", "request_key", "values_key"]))
    release_id = session.scalar(select(StatisticsRelease.id).where(
        StatisticsRelease.recipient == release.recipient,
        StatisticsRelease.request_key == release.request_key,
        StatisticsRelease.values_key == release.values_key))
    rows = [{"release_id": release_id, "recipient": release.recipient, "unit_code": unit,
             "measure": measure, "first_day": first, "last_day": last, "value": value,
             "withheld": withheld}
            for unit, measure, first, last, value, withheld in release.spans]
    for start in range(0, len(rows), 500):
        session.execute(dialect_insert(session, ReleasedCell).values(rows[start:start + 500])
                        .on_conflict_do_nothing(index_elements=["recipient", "unit_code", "measure",
                                                                "first_day", "last_day"]))
    release.repeated = True
