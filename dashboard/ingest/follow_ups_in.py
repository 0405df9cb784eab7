"""Incoming follow-ups of warnings: dissuasion attempts (outcomes) and stop-payments.

Both are known by ``(source, external_id)`` and inserted with
``ON CONFLICT DO NOTHING``.  A follow-up names its warning by
``(warning_source or source, warning_external_id)``; the sender may name
warnings of its own source and of the sources it was granted, no others
(refused on ``warning_source`` before the warning is looked up, so the answer
says nothing of another source's warnings).  Its times keep the bounds of
``dashboard.ingest.times``: none before the warning's ``received_at``.  An attempt never changes once stored; it moves
its warning on (first contact, in progress) and, with ``outcome``, closes
it.  A stop-payment may be sent again as its stages happen (stopped, frozen,
returned): filling a stage is a legal update, changing anything else is not.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from dashboard.aggregates import apply_inserted, maintained, snapshot
from dashboard.aggregates.maintain import apply_changed
from dashboard.db import dialect_insert
from dashboard.domain import Case, Dissuasion, StopPayment, Warning
from dashboard.ingest.context import Context, RecordResult
from dashboard.ingest.keys import attempts_by_key, insert_keyed, warnings_by_key
from dashboard.ingest.reasons import refusal
from dashboard.ingest.schemas import OutcomeIn, StopPaymentIn
from dashboard.ingest.upsert import same

STAGES = ("stopped", "frozen", "returned")


def _warning(ctx: Context, source: str, external_id: str) -> Warning | None:
    """The warning, or None when there is none the batch may follow (outside its unit: as none)."""
    lock = ctx.session.get_bind().dialect.name == "postgresql"
    warning = warnings_by_key(ctx.session, [(source, external_id)], lock).get((source, external_id))
    return warning if warning is not None and ctx.in_reach(warning.station_id) else None


def _by_keys(ctx: Context, model, keys: list[tuple[str, str]]) -> dict:
    if not keys:
        return {}
    clauses = [and_(model.source == s, model.external_id == e) for s, e in keys]
    return {(r.source, r.external_id): r for r in ctx.session.scalars(select(model).where(or_(*clauses)))}


def _reject(index: int, field: str, code: str, **params) -> RecordResult:
    return RecordResult(index, "rejected", errors=[refusal(field, code, **params)])


def _source_refused(ctx: Context, warning_source: str) -> dict | None:
    """The error when the sender may not write follow-ups of ``warning_source``'s warnings."""
    if ctx.may_follow(warning_source):
        return None
    granted = ", ".join(repr(s) for s in sorted(ctx.sender.warning_sources))
    # the claimed source is not repeated (an input value)
    return refusal("warning_source", "follow_refused", source=ctx.sender.source, granted=granted)


def ingest_outcomes(ctx: Context, items: list[tuple[int, OutcomeIn]]) -> list[RecordResult]:
    results = []
    stored = attempts_by_key(ctx.session, [(r.source, r.external_id) for _, r in items])
    for index, rec in items:
        errors: list = []
        ctx.check_code(errors, "method", rec.method, "dissuasion_methods")
        ctx.check_code(errors, "result", rec.result, "dissuasion_results")
        ctx.check_code(errors, "outcome", rec.outcome, "outcomes")
        if errors:
            results.append(RecordResult(index, "rejected", errors=errors))
            continue
        refused = _source_refused(ctx, rec.warning_source or rec.source)
        if refused is not None:
            results.append(RecordResult(index, "rejected", errors=[refused]))
            continue
        warning = _warning(ctx, rec.warning_source or rec.source, rec.warning_external_id)
        if warning is None:
            results.append(_reject(index, "warning_external_id", "warning_unknown"))
            continue
        errors = ctx.time_errors(rec, warning)
        if errors:
            results.append(RecordResult(index, "rejected", errors=errors))
            continue
        values = {"source": rec.source, "external_id": rec.external_id, "warning_id": warning.id,
                  "method": rec.method, "result": rec.result, "officer": rec.officer,
                  "started_at": rec.started_at, "ended_at": rec.ended_at, "note": rec.note}
        key = (rec.source, rec.external_id)
        if key in stored:
            results.append(_compare_attempt(index, stored[key], values, warning, rec))
            continue
        if rec.outcome and warning.status == "closed":
            results.append(_reject(index, "outcome", "warning_closed", outcome=warning.outcome))
            continue
        before = snapshot(ctx.session, warning)
        row = next(iter(insert_keyed(ctx.session, Dissuasion, [values], returning=("id",))), None)
        if row is None:  # another process stored it a moment ago: compare with theirs
            theirs = attempts_by_key(ctx.session, [key])[key]
            results.append(_compare_attempt(index, theirs, values, warning, rec))
            continue
        _advance(warning, rec)
        ctx.session.flush()
        apply_changed(ctx.session, before, warning)
        stored[key] = ctx.session.get(Dissuasion, row[0])
        results.append(RecordResult(index, "inserted", id=row[0]))
    return results


def _compare_attempt(index, attempt: Dissuasion, values: dict, warning: Warning, rec) -> RecordResult:
    differing = [k for k, v in values.items() if not same(getattr(attempt, k), v)]
    if rec.outcome and warning.outcome != rec.outcome:
        differing.append("outcome")
    if differing:
        return RecordResult(index, "rejected", errors=[refusal(k, "differs_attempt") for k in differing])
    return RecordResult(index, "duplicate", id=attempt.id)


def _advance(warning: Warning, rec: OutcomeIn) -> None:
    """What one attempt does to its warning: first contact, in progress, or closed."""
    if rec.method != "sms" and (warning.first_contact_at is None or rec.started_at < warning.first_contact_at):
        warning.first_contact_at = rec.started_at
    if rec.outcome:
        warning.outcome = rec.outcome
        warning.closed_at = rec.closed_at or rec.ended_at or rec.started_at
        warning.loss = rec.loss
        warning.loss_avoided = rec.loss_avoided
        warning.status = "closed"
    elif warning.status != "closed":
        warning.status = "in_progress"
    warning.version += 1


def _stop_values(ctx: Context, rec: StopPaymentIn, errors: list) -> dict | None:
    warning = case = station = None
    if rec.warning_external_id:
        refused = _source_refused(ctx, rec.warning_source or rec.source)
        if refused is not None:
            errors.append(refused)
            return None
        warning = _warning(ctx, rec.warning_source or rec.source, rec.warning_external_id)
        if warning is None:
            errors.append(refusal("warning_external_id", "warning_unknown"))
    if rec.case_number:
        case = ctx.session.scalar(select(Case).where(Case.number == rec.case_number))
        if case is None:
            errors.append(refusal("case_number", "case_unknown"))
    if rec.station_code:
        station = ctx.unit(rec.station_code)
        if station is None or station.level != "station":
            errors.append(refusal("station_code", "station_unknown"))
        elif not ctx.in_reach(station.id):
            errors.append(refusal("station_code", "station_outside"))
    if errors:
        return None
    errors.extend(ctx.time_errors(rec, warning))
    if errors:
        return None
    station_id = station.id if station else warning.station_id
    county_id = station.parent_id if station else warning.county_id
    values = {"source": rec.source, "external_id": rec.external_id,
              "warning_id": warning.id if warning else None, "case_id": case.id if case else None,
              "county_id": county_id, "station_id": station_id, "account": rec.account,
              "bank": rec.bank, "reported_at": rec.reported_at, "requested_at": rec.requested_at,
              "requested_amount": rec.requested_amount}
    for stage in STAGES:
        values[f"{stage}_at"] = getattr(rec, f"{stage}_at")
        values[f"{stage}_amount"] = getattr(rec, f"{stage}_amount")
    return values


def _compare_stop(stop: StopPayment, values: dict) -> tuple[str, list]:
    differing = [k for k, v in values.items() if not same(getattr(stop, k), v)]
    if not differing:
        return "duplicate", []
    stage_fields = {f"{s}_{p}" for s in STAGES for p in ("at", "amount")}
    illegal = [k for k in differing if k not in stage_fields
               or (k.endswith("_at") and getattr(stop, k) is not None)
               or (k.endswith("_amount") and getattr(stop, k) > values[k])]
    if illegal:
        return "rejected", [refusal(k, "differs_stop_payment") for k in illegal]
    for k in differing:
        setattr(stop, k, values[k])
    return "updated", []


def ingest_stop_payments(ctx: Context, items: list[tuple[int, StopPaymentIn]]) -> list[RecordResult]:
    session = ctx.session
    results = []
    stored = _by_keys(ctx, StopPayment, [(r.source, r.external_id) for _, r in items])
    for index, rec in items:
        errors: list = []
        values = _stop_values(ctx, rec, errors)
        if values is None:
            results.append(RecordResult(index, "rejected", errors=errors))
            continue
        key = (rec.source, rec.external_id)
        if key in stored:
            with maintained(session, stored[key]):
                status, errors = _compare_stop(stored[key], values)
            results.append(RecordResult(index, status, id=stored[key].id if not errors else None,
                                        errors=errors))
            continue
        row = session.execute(
            dialect_insert(session, StopPayment.__table__).on_conflict_do_nothing(
                index_elements=["source", "external_id"]).returning(StopPayment.id), values).first()
        if row is None:  # another process stored it a moment ago: compare with theirs
            stored.update(_by_keys(ctx, StopPayment, [key]))
            with maintained(session, stored[key]):
                status, errors = _compare_stop(stored[key], values)
            results.append(RecordResult(index, status, id=stored[key].id if not errors else None,
                                        errors=errors))
            continue
        stored[key] = session.get(StopPayment, row.id)
        apply_inserted(session, stored[key])
        results.append(RecordResult(index, "inserted", id=row.id))
    return results
