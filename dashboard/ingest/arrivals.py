"""Counting what each source's feed delivered, in the transaction of the batch that delivered it.

``record_batch(ctx, kind, records, parsed, results)`` adds one batch of
warnings to ``feed_arrivals`` (``dashboard.domain.feeds``): per source and
local hour of arrival (the batch's clock), the records stored (inserted,
updated, sent again), the records refused, the time of the last stored one,
and the lag from each new warning's event time (``received_at``) to its
arrival (never below 0: upstream clocks may run a few minutes fast).  The
source is the sender's (a token's, or an import's ``--source``); without
one (a file import without ``--source``), each record's own, and a refused
record whose source cannot be read is not counted.  Follow-ups (outcomes,
stop-payments) are not counted: the watch is about the warnings, whose
figures go calm when a feed stops.

The rows are upserted with additive increments (``INSERT ... ON CONFLICT DO
UPDATE``, the largest lag and latest arrival kept), so batches that run at
once on PostgreSQL each add their own, in the order of their sources.

``rebuild_from_warnings(conn)`` fills the table from stored warnings (by the
hour of their event time, with no measured lag): the demo seed calls it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, func, text
from sqlalchemy.orm import Session

from dashboard.aggregates.sql import hour_of
from dashboard.db import dialect_insert
from dashboard.domain import Warning
from dashboard.domain.base import to_local_naive
from dashboard.domain.feeds import FeedArrival
from dashboard.ingest.rejected import SOURCE, identifier

STORED = frozenset({"inserted", "updated", "duplicate"})


@dataclass
class SourceCount:
    arrived: int = 0
    rejected: int = 0
    lag_count: int = 0
    lag_seconds_sum: int = 0
    lag_seconds_max: int = 0


def _source(ctx, raw, record) -> str | None:
    if ctx.sender is not None:
        return ctx.sender.source
    if record is not None:
        return record.source
    return identifier(raw.get("source") if isinstance(raw, dict) else None, SOURCE)


def batch_counts(ctx, records: list, parsed: dict, results) -> dict[str, SourceCount]:
    """Per source, what a batch of warnings delivered (``parsed``: index -> validated record)."""
    counts: dict[str, SourceCount] = defaultdict(SourceCount)
    arrival = to_local_naive(ctx.now).replace(microsecond=0)
    for result in results:
        record = parsed.get(result.index)
        source = _source(ctx, records[result.index], record)
        if source is None:
            continue
        count = counts[source]
        if result.status == "rejected":
            count.rejected += 1
            continue
        count.arrived += 1
        if result.status == "inserted" and record is not None:
            event = to_local_naive(record.received_at).replace(microsecond=0)  # both as stored
            lag = int((arrival - event).total_seconds())
            lag = max(lag, 0)
            count.lag_count += 1
            count.lag_seconds_sum += lag
            count.lag_seconds_max = max(count.lag_seconds_max, lag)
    return counts


def _greatest(session: Session, a, b):
    """The larger of two values, the other when one is NULL (both databases)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.greatest(a, b)
    return func.max(func.coalesce(a, b), func.coalesce(b, a))  # SQLite's max() of two is NULL with a NULL


def add_arrivals(session: Session, now, counts: dict[str, SourceCount]) -> None:
    """Add ``counts`` to the rows of their sources for the hour of ``now``."""
    if not counts:
        return
    at = to_local_naive(now).replace(microsecond=0)
    hour = at.replace(minute=0, second=0)
    table = FeedArrival.__table__
    rows = [{"source": source, "hour": hour, "arrived": c.arrived, "rejected": c.rejected,
             "last_arrival_at": at if c.arrived else None, "lag_count": c.lag_count,
             "lag_seconds_sum": c.lag_seconds_sum, "lag_seconds_max": c.lag_seconds_max}
            for source, c in sorted(counts.items())]  # one order of row locks for every batch
    stmt = dialect_insert(session, table)
    additive = {name: table.c[name] + stmt.excluded[name]
                for name in ("arrived", "rejected", "lag_count", "lag_seconds_sum")}
    stmt = stmt.on_conflict_do_update(index_elements=["source", "hour"], set_={
        **additive,
        "lag_seconds_max": _greatest(session, table.c.lag_seconds_max, stmt.excluded.lag_seconds_max),
        "last_arrival_at": _greatest(session, table.c.last_arrival_at, stmt.excluded.last_arrival_at),
    })
    for row in rows:  # a few sources a batch at most; one statement each keeps the lock order
        session.execute(stmt, row)


def record_batch(ctx, kind: str, records: list, parsed: dict, results) -> None:
    """Count a batch of ``kind`` in ``feed_arrivals`` (warnings only; see the module doc)."""
    if kind != "warnings":
        return
    add_arrivals(ctx.session, ctx.now, batch_counts(ctx, records, parsed, results))


def rebuild_from_warnings(conn: Connection) -> int:
    """Replace ``feed_arrivals`` with the stored warnings counted by source and hour of event time."""

    hour = hour_of(Warning.received_at)
    compiled = str(hour.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    conn.execute(text("DELETE FROM feed_arrivals"))
    result = conn.execute(text(
        "INSERT INTO feed_arrivals (source, hour, arrived, rejected, last_arrival_at, lag_count, "
        "lag_seconds_sum, lag_seconds_max) "
        f"SELECT source, {compiled}, COUNT(*), 0, MAX(received_at), 0, 0, 0 "
        f"FROM warnings GROUP BY source, {compiled}"))
    return int(result.rowcount or 0)
