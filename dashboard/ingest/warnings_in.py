"""Incoming warnings: route, de-duplicate, insert, or apply a legal update.

A warning is known by ``(source, external_id)``.  Sent again unchanged it is
a duplicate.  While it is open, upstream may re-grade it (risk level, amount
at risk) and fill what was missing (person fields, location); any other
difference is refused, naming the fields.  New warnings are inserted with
their key claimed in ``warning_keys`` with ``ON CONFLICT DO NOTHING``
(``dashboard.ingest.keys``), so two processes posting overlapping batches
store each warning once.
"""

from __future__ import annotations

from datetime import timedelta

from dashboard.aggregates import apply_new_warnings, maintained
from dashboard.domain import Warning
from dashboard.domain.base import to_local_naive
from dashboard.ingest.context import Context, RecordResult
from dashboard.ingest.keys import insert_keyed, warnings_by_key
from dashboard.ingest.reasons import refusal
from dashboard.ingest.schemas import WarningIn
from dashboard.ingest.upsert import same

UPDATABLE = {"risk_level", "amount_at_risk", "deadline_at"}
FILLABLE = {"person_name", "person_phone", "person_id_number", "person_bank_account", "lon", "lat"}


def retired_reason(ctx: Context, station, field: str) -> dict:
    """Why a retired station takes no warning received on or after the day it retired."""
    successor = ctx.unit_by_id(station.successor_id) if station.successor_id is not None else None
    params = {"station": station.code, "name": station.name_zh, "day": station.retired_on.isoformat()}
    if successor is not None:
        return refusal(field, "station_retired", successor=successor.code,
                       successor_name=successor.name_zh, **params)
    return refusal(field, "station_retired_alone", **params)


def _values(ctx: Context, rec: WarningIn, errors: list) -> dict | None:
    ctx.check_code(errors, "fraud_type", rec.fraud_type, "fraud_types")
    ctx.check_code(errors, "risk_level", rec.risk_level, "risk_levels")
    ctx.check_code(errors, "channel", rec.channel, "channels")
    station = None
    if rec.station_code is not None:
        station = ctx.unit(rec.station_code)
        if station is None or station.level != "station":
            errors.append(refusal("station_code", "station_unknown"))
            station = None
    elif rec.lon is not None:
        station = ctx.station_of_point(rec.lon, rec.lat)
        if station is None:
            errors.append(refusal("lon", "point_outside"))
    if station is not None and station.retired_by(to_local_naive(rec.received_at).date()):
        errors.append(retired_reason(ctx, station, "station_code" if rec.station_code is not None
                                     else "lon"))
        station = None
    if station is not None and not ctx.in_reach(station.id):
        errors.append(refusal("station_code" if rec.station_code is not None else "lon",
                              "station_outside"))
        station = None
    if station is not None and rec.county_code is not None:
        county = ctx.unit(rec.county_code)
        if county is None or county.id != station.parent_id:
            errors.append(refusal("county_code", "county_mismatch"))
    errors.extend(ctx.time_errors(rec))
    if errors:
        return None
    minutes = ctx.response_minutes(rec.risk_level)
    p = rec.person
    return {
        "source": rec.source, "external_id": rec.external_id, "received_at": rec.received_at,
        "fraud_type": rec.fraud_type, "risk_level": rec.risk_level, "channel": rec.channel,
        "person_name": p.name, "person_phone": p.phone, "person_id_number": p.id_number,
        "person_bank_account": p.bank_account, "lon": rec.lon, "lat": rec.lat,
        "county_id": station.parent_id, "station_id": station.id, "status": "dispatched",
        "dispatched_county_at": ctx.now, "dispatched_station_at": ctx.now,
        "deadline_at": rec.received_at + timedelta(minutes=minutes),
        "amount_at_risk": rec.amount_at_risk, "loss": 0, "loss_avoided": 0, "version": 1,
    }


COMPARED = ("received_at", "fraud_type", "risk_level", "channel", "person_name", "person_phone",
            "person_id_number", "person_bank_account", "lon", "lat", "station_id", "amount_at_risk")


def _compare(stored: Warning, values: dict) -> tuple[str, list[dict]]:
    """"duplicate", "updated" (after applying a legal update) or "rejected" with the reasons."""
    differing = [k for k in COMPARED if not same(getattr(stored, k), values[k])]
    if not differing:
        return "duplicate", []
    illegal = [k for k in differing
               if not (k in UPDATABLE or (k in FILLABLE and getattr(stored, k) is None))]
    if stored.status == "closed":
        illegal = differing
    if illegal:
        code = "differs_closed_warning" if stored.status == "closed" else "differs_warning"
        return "rejected", [refusal(k.replace("person_", "person.", 1) if k.startswith("person_") else k,
                                    code) for k in illegal]
    for k in differing + ["deadline_at"]:
        setattr(stored, k, values[k])
    stored.version += 1
    return "updated", []


def ingest_warnings(ctx: Context, items: list[tuple[int, WarningIn]]) -> list[RecordResult]:
    session = ctx.session
    results: list[RecordResult] = []
    pending: dict[tuple[str, str], tuple[int, dict]] = {}
    for index, rec in items:
        errors: list = []
        values = _values(ctx, rec, errors)
        if values is None:
            results.append(RecordResult(index, "rejected", errors=errors))
            continue
        key = (rec.source, rec.external_id)
        if key in pending:  # the same id twice in one batch
            first = pending[key][1]
            same_record = all(same(first[k], values[k]) for k in COMPARED)
            results.append(RecordResult(index, "duplicate") if same_record else RecordResult(
                index, "rejected", errors=[refusal("external_id", "twice_in_batch")]))
            continue
        pending[key] = (index, values)

    lock = session.get_bind().dialect.name == "postgresql"
    existing = warnings_by_key(session, list(pending), lock)
    new = {k: v for k, v in pending.items() if k not in existing}
    inserted: dict[tuple[str, str], int] = {}
    if new:
        for wid, source, external_id in insert_keyed(
                session, Warning, [v for _, v in new.values()], returning=("id", "source", "external_id")):
            inserted[(source, external_id)] = wid
        raced = [k for k in new if k not in inserted]  # another process stored them first
        existing.update(warnings_by_key(session, raced, lock))
    # their contributions from what was written: a new warning has no attempts or outcome yet
    apply_new_warnings(session, [values for key, (_, values) in new.items() if key in inserted])
    for key, (index, values) in pending.items():
        if key in inserted:
            results.append(RecordResult(index, "inserted", id=inserted[key]))
            continue
        stored = existing.get(key)
        if stored is None:  # its key is kept, its month archived (``antifraud archive``)
            results.append(RecordResult(index, "rejected", errors=[refusal("external_id", "warning_archived")]))
            continue
        if all(same(getattr(stored, k), values[k]) for k in COMPARED):
            # sent again unchanged: nothing to write, so no aggregate snapshots (a replayed batch)
            results.append(RecordResult(index, "duplicate", id=stored.id))
            continue
        with maintained(session, stored):
            status, errors = _compare(stored, values)
        results.append(RecordResult(index, status, id=stored.id if status != "rejected" else None,
                                    errors=errors))
    return results
