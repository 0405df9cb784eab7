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
rejected) and errors as ``{field, reason, code, params}`` (``dashboard.ingest.reasons``: the
English reason for machines, the code for people's languages).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain.times import DEFAULT_MAX_FUTURE_MINUTES
from dashboard.ingest import KINDS, MAX_BATCH
from dashboard.ingest.arrivals import record_batch as count_arrivals
from dashboard.ingest.context import Context, RecordResult
from dashboard.ingest.follow_ups_in import ingest_outcomes, ingest_stop_payments
from dashboard.ingest.reasons import refusal
from dashboard.ingest.rejected import keep_rejected as store_rejected
from dashboard.ingest.schemas import parse
from dashboard.ingest.tokens import Sender
from dashboard.ingest.warnings_in import ingest_warnings


class BatchError(ValueError):
    """The batch as a whole is unusable (not a list, too many records, unknown kind)."""


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
                 arrivals: bool = True, refused: dict[int, list[dict]] | None = None,
                 once: bool = False, within: str | None = None) -> BatchResult:
    """Ingest ``records`` of ``kind``; the ``sender``'s source must be every record's.

    ``arrivals``: count the batch in ``feed_arrivals`` (False for a replay).
    ``refused``: records already refused by the caller (a file's cells that
    cannot be read), by index, with their errors.  ``once``: a rejected
    record already kept open, same source, external id and content, is not
    kept again (a file imported twice).  ``within``: the path of the unit whose
    stations the records may name (a commander's import); others are refused.
    """

    if kind not in KINDS:
        raise BatchError(f"kind: must be one of {', '.join(KINDS)}")
    if not isinstance(records, list):
        raise BatchError("body: must be a JSON array of records")
    if not 1 <= len(records) <= MAX_BATCH:
        raise BatchError(f"body: a batch holds 1 to {MAX_BATCH} records, got {len(records)}")
    batch = batch or new_batch_id()
    _hold_write_lock(session)
    ctx = Context(session, sender, max_future_minutes, within)
    results: dict[int, RecordResult] = {}
    valid = []
    for index, raw in enumerate(records):
        if refused and refused.get(index):
            results[index] = RecordResult(index, "rejected", errors=refused[index])
            continue
        record, errors = parse(kind, raw)
        if record is not None and sender is not None and record.source != sender.source:
            errors = [refusal("source", "source_mismatch", source=sender.source)]
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
        store_rejected(session, ctx, kind, batch, records, ordered, first_position, once=once)
    if arrivals:
        count_arrivals(ctx, kind, records, dict(valid), ordered)
    result = BatchResult(batch, kind, ordered)
    audit.record(session, user=actor, action=audit.INGEST_BATCH, object=f"batch:{batch}",
                 outcome=audit.SUCCESS, source_address=source_address,
                 detail={"kind": kind, **result.counts})
    return result
