"""Keep the aggregate tables current as raw rows are written, in the caller's transaction.

A write is a change from a *before* to an *after* state of some raw rows; the
aggregates move by ``rows(after) - rows(before)``.  Callers either wrap the
write::

    with maintained(session, warning):          # snapshot now, apply on exit
        warning.first_contact_at = now
        session.add(Dissuasion(warning=warning, method="phone", ...))

(new warnings, stop-payments, cases and publicity events added inside the
block are picked up too), or call the functions directly::

    before = snapshot(session, warning); ...change...; apply_changed(session, before, warning)
    apply_inserted(session, *new_rows)          # e.g. an ingest batch, in one go

A warning's snapshot includes its dissuasion attempts, so an attempt is added
as a change of its warning (``maintained(session, warning)``).  Nothing here
commits; the write and its aggregates commit or roll back together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, delete, event, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from dashboard.aggregates.contributions import (
    Attempt,
    Row,
    case_rows,
    merge,
    new_warning_sums,
    publicity_rows,
    stop_payment_rows,
    warning_rows,
)
from dashboard.db import dialect_insert
from dashboard.domain import Case, Dissuasion, PublicityEvent, StopPayment, Warning
from dashboard.domain.reference import DissuasionResult

TRACKED = (Warning, StopPayment, Case, PublicityEvent)


@dataclass(frozen=True)
class Snapshot:
    """What one raw row contributed to the aggregates at one moment."""

    rows: tuple[Row, ...]


EMPTY = Snapshot(())


def _results(session: Session) -> dict[str, tuple[bool, bool]]:
    rows = session.execute(select(DissuasionResult.code, DissuasionResult.reached,
                                  DissuasionResult.dissuaded)).all()
    return {code: (bool(reached), bool(dissuaded)) for code, reached, dissuaded in rows}


def _attempts(session: Session, warning_ids: list[int]) -> dict[int, list[Attempt]]:
    out: dict[int, list[Attempt]] = defaultdict(list)
    for start in range(0, len(warning_ids), 500):
        chunk = warning_ids[start:start + 500]
        for wid, method, started_at, result in session.execute(
                select(Dissuasion.warning_id, Dissuasion.method, Dissuasion.started_at,
                       Dissuasion.result).where(Dissuasion.warning_id.in_(chunk))):
            out[wid].append(Attempt(method, started_at, result))
    return out


def snapshots(session: Session, objects: Sequence) -> list[Snapshot]:
    """The current contribution of each object (empty for one not yet, or no longer, stored)."""
    session.flush()
    is_stored = [_is_stored(o) for o in objects]
    warnings = [o for o, kept in zip(objects, is_stored, strict=True) if kept and isinstance(o, Warning)]
    attempts = _attempts(session, [w.id for w in warnings]) if warnings else {}
    results = _results(session) if warnings else {}
    out = []
    for obj, kept in zip(objects, is_stored, strict=True):
        if not kept:
            out.append(EMPTY)
        elif isinstance(obj, Warning):
            out.append(Snapshot(tuple(warning_rows(obj, attempts.get(obj.id, []), results))))
        elif isinstance(obj, StopPayment):
            out.append(Snapshot(tuple(stop_payment_rows(obj))))
        elif isinstance(obj, Case):
            out.append(Snapshot(tuple(case_rows(obj))))
        elif isinstance(obj, PublicityEvent):
            out.append(Snapshot(tuple(publicity_rows(obj))))
        else:
            raise TypeError(f"aggregates: {type(obj).__name__} is not tracked")
    return out


def snapshot(session: Session, obj) -> Snapshot:
    """``obj``'s contribution now: take it before changing ``obj``."""
    return snapshots(session, [obj])[0]


def _is_stored(obj) -> bool:
    return instance_state(obj).persistent


def _upsert_by_arrays(session: Session, table, keys: list[str], measures: list[str],
                      columns: dict[str, list]) -> None:
    """PostgreSQL: the rows as one array per column, unnested in one ``INSERT ... ON CONFLICT`` statement.

    As an executemany, an ingest batch's few thousand aggregate rows were a
    statement each in psycopg's pipeline (about a seventh of the batch).
    Each array goes through its column's own bind processing (local times).
    """
    dialect = session.get_bind().dialect
    names = list(columns)
    arrays = [bindparam(f"column{i}", columns[name], type_=postgresql.ARRAY(table.c[name].type))
              for i, name in enumerate(names)]
    casts = ", ".join(f"CAST(:column{i} AS {table.c[name].type.compile(dialect)}[])" for i, name in enumerate(names))
    updates = ", ".join(f"{m} = {table.name}.{m} + EXCLUDED.{m}" for m in measures)
    session.execute(text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({casts}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}").bindparams(*arrays))


def apply(session: Session, before: Sequence[Snapshot], after: Sequence[Snapshot]) -> None:
    """Move the aggregates from the ``before`` contributions to the ``after`` ones."""
    _apply_merged(session, merge((row for snap in before for row in snap.rows),
                                 (row for snap in after for row in snap.rows)))


def _apply_merged(session: Session, merged: dict) -> None:
    """Add ``merged`` (``contributions.merge``'s form) to the aggregate tables."""
    by_model: dict[type, list[tuple[tuple, dict]]] = defaultdict(list)
    for (model, key), entry in merged.items():
        if any(entry["measures"].values()):
            by_model[model].append((key, entry))
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    for model, entries in by_model.items():
        table = model.__table__
        keys = [c.name for c in table.primary_key.columns]
        measures = sorted({m for _, e in entries for m in e["measures"]})
        extras = sorted({x for _, e in entries for x in e["extra"]})
        # column by column (a dict a row was about a twentieth of an ingest batch)
        columns = {name: [key[i] for key, _ in entries] for i, name in enumerate(keys)}
        columns.update({x: [e["extra"].get(x) for _, e in entries] for x in extras})
        columns.update({m: [e["measures"].get(m, 0) for _, e in entries] for m in measures})
        others = [c.name for c in table.columns if c.name not in keys and c.name not in extras]
        zeros = [0] * len(entries)  # columns this change does not touch start at 0
        columns.update({name: zeros for name in others if name not in columns})
        if on_postgresql:
            _upsert_by_arrays(session, table, keys, measures, columns)
        else:
            stmt = dialect_insert(session, table)
            stmt = stmt.on_conflict_do_update(
                index_elements=keys, set_={m: table.c[m] + stmt.excluded[m] for m in measures})
            names = list(columns)
            rows = zip(*columns.values(), strict=True)
            session.execute(stmt, [dict(zip(names, row, strict=True)) for row in rows])
        shrunk = [dict(zip(keys, key, strict=True)) for key, e in entries
                  if any(v < 0 for v in e["measures"].values())]
        if shrunk:
            all_zero = and_(*(table.c[name] == 0 for name in others))
            match = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
            session.execute(delete(table).where(match, all_zero),
                            [{f"k_{k}": row[k] for k in keys} for row in shrunk])


def apply_inserted(session: Session, *objects) -> None:
    """Add newly stored ``objects`` (warnings with their attempts, stop-payments, cases, events)."""
    apply(session, [], snapshots(session, list(objects)))


def apply_new_warnings(session: Session, stored: Sequence[Mapping]) -> None:
    """Add warnings just inserted, given by the column values they were inserted with.

    For an ingest batch: a new warning has no attempts, first contact or
    outcome yet, so its contribution follows from what was written, without
    reading thousands of rows back (``contributions.new_warning_sums``).
    Each mapping holds at least ``station_id``, ``county_id``,
    ``received_at``, ``fraud_type`` and ``amount_at_risk``.
    """
    _apply_merged(session, new_warning_sums(stored))


def apply_changed(session: Session, before: Snapshot | Sequence[Snapshot], *objects) -> None:
    """Replace ``before`` (snapshots taken before the change) with the ``objects``' contributions now."""
    before = [before] if isinstance(before, Snapshot) else list(before)
    apply(session, before, snapshots(session, list(objects)))


def apply_warning_inserted(session: Session, warning: Warning) -> None:
    """A new warning (and any attempts already stored with it)."""
    apply_inserted(session, warning)


def apply_warning_changed(session: Session, before: Snapshot, warning: Warning) -> None:
    """A warning changed (outcome, first contact, routing, new attempts) since ``before``."""
    apply_changed(session, before, warning)


@contextmanager
def maintained(session: Session, *objects) -> Iterator[None]:
    """Apply to the aggregates whatever the block does to ``objects`` and to new tracked rows.

    A new ``Dissuasion`` must belong to one of ``objects`` or to a new
    warning: its warning's *before* state is needed.
    """
    before = snapshots(session, list(objects))
    watched = {id(o) for o in objects}
    added: list = []
    attempts: list[Dissuasion] = []

    def collect(sess, _context, _instances) -> None:
        for obj in sess.new:
            if isinstance(obj, TRACKED) and id(obj) not in watched:
                watched.add(id(obj))
                added.append(obj)
            elif isinstance(obj, Dissuasion):
                attempts.append(obj)

    event.listen(session, "before_flush", collect)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "before_flush", collect)
    for attempt in attempts:
        owner = attempt.warning if attempt.warning is not None else session.get(Warning, attempt.warning_id)
        if id(owner) not in watched:
            raise ValueError("aggregates: a new dissuasion's warning must be passed to maintained()")
    apply(session, before, snapshots(session, [*objects, *added]))
