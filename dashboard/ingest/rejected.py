"""Keeping the records an ingest refused: the payload sealed, the rest safe to show.

A rejected record is kept whole (its payload encrypted) so that it can be
fixed and replayed.  What is stored beside it in clear holds no input that
could be personal data: the source and external id only when they have the
form the API accepts and carry no phone, ID or account number, the errors
with any such number masked (``dashboard.ingest.schemas`` already never
repeats a value), and the unit the payload is for: its station or county
code, the station of its coordinates, or the station of the warning a
follow-up belongs to.  That unit decides who sees the record
(``dashboard.commands.rejected``); a record that names none is the city's.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from dashboard.domain import Warning, WarningKey
from dashboard.domain.ingest import RejectedRecord
from dashboard.domain.text import (
    has_control_characters,
    has_personal_number,
    redact_personal_numbers,
)

SOURCE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")


def identifier(value, pattern: re.Pattern) -> str | None:
    """``value`` stripped when it has the form of ``pattern`` and no personal number; else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not pattern.match(value) or has_personal_number(value):
        return None
    return value


def _clean(value):
    return value if isinstance(value, int | float) else redact_personal_numbers(str(value))


def clean_errors(errors: list[dict]) -> list[dict]:
    """The errors with any personal number in a field, reason or parameter masked; the code kept."""
    out = []
    for e in errors:
        error = {"field": _clean(e.get("field", "")), "reason": _clean(e.get("reason", ""))}
        if e.get("code"):
            error["code"] = str(e["code"])
            error["params"] = {str(k): _clean(v) for k, v in (e.get("params") or {}).items()}
        out.append(error)
    return out


def _code(value, longest: int) -> str | None:
    if isinstance(value, str) and 0 < len(value.strip()) <= longest and not has_control_characters(value):
        return value.strip()
    return None


def _coordinate(value, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def _warning_station(session: Session, raw: dict) -> int | None:
    external_id = _code(raw.get("warning_external_id"), 64)
    source = _code(raw.get("warning_source"), 40) or _code(raw.get("source"), 40)
    if external_id is None or source is None:
        return None
    return session.scalar(select(Warning.station_id).join(WarningKey, WarningKey.warning_id == Warning.id).where(
        WarningKey.source == source, WarningKey.external_id == external_id))


def record_unit(ctx, kind: str, raw) -> int | None:
    """The id of the unit a (raw) record is for, or None when it names none that exists.

    ``ctx`` is the batch's ``dashboard.ingest.batch.Context`` (units and precincts).
    """
    if not isinstance(raw, dict):
        return None
    station = ctx.unit(_code(raw.get("station_code"), 32) or "")
    if station is not None and station.level == "station":
        return station.id
    if kind == "warnings":
        county = ctx.unit(_code(raw.get("county_code"), 32) or "")
        if county is not None and county.level == "county":
            return county.id
        lon, lat = _coordinate(raw.get("lon"), 73, 136), _coordinate(raw.get("lat"), 3, 54)
        point = ctx.station_of_point(lon, lat) if lon is not None and lat is not None else None
        return point.id if point is not None else None
    return _warning_station(ctx.session, raw)


def _kept_already(session: Session, kind: str, rows: list[dict]) -> set[tuple]:
    """(source, external id or position, payload) of the open rejected records like ``rows``.

    A record with an external id is matched by it; one without, by its
    position (row number) in its file.  The payloads are compared whole.
    """
    ids = {r["external_id"] for r in rows if r["external_id"] is not None}
    positions = {r["position"] for r in rows if r["external_id"] is None}
    clauses = []
    if ids:
        clauses.append(RejectedRecord.external_id.in_(ids))
    if positions:
        clauses.append(RejectedRecord.external_id.is_(None) & RejectedRecord.position.in_(positions))
    if not clauses:
        return set()
    kept = session.execute(select(
        RejectedRecord.source, RejectedRecord.external_id, RejectedRecord.position,
        RejectedRecord.payload).where(
        RejectedRecord.kind == kind, RejectedRecord.status == "open", or_(*clauses)))
    return {(s, e if e is not None else p, payload) for s, e, p, payload in kept}


def keep_rejected(session: Session, ctx, kind: str, batch: str, records: list, results,
                  first_position: int, once: bool = False) -> None:
    """Store every rejected result's record, with its errors, its sender and its unit.

    The source is the sending token's (``ctx.sender``), whatever the record
    claims; with no sender, the record's own when it has the API's form.
    Inserted in bulk: a batch may reject 5,000 records at once.  ``once``:
    skip a record kept already (``_kept_already``), so a file imported again
    queues no row twice.
    """
    rows = []
    sender = ctx.sender
    for r in results:
        if r.status != "rejected":
            continue
        raw = records[r.index]
        fields = raw if isinstance(raw, dict) else {}
        source = sender.source if sender is not None else identifier(fields.get("source"), SOURCE)
        rows.append({
            "kind": kind, "source": source,
            "token_id": sender.token_id if sender is not None else None,
            "external_id": identifier(fields.get("external_id"), EXTERNAL_ID),
            "batch": batch, "position": first_position + r.index, "received_at": ctx.now,
            "payload": json.dumps(raw, ensure_ascii=False, default=str),
            "errors": json.dumps(clean_errors(r.errors), ensure_ascii=False), "status": "open",
            "unit_id": record_unit(ctx, kind, raw),
        })
    if rows and once:
        kept = _kept_already(session, kind, rows)
        rows = [r for r in rows if (r["source"], r["external_id"] if r["external_id"] is not None
                                    else r["position"], r["payload"]) not in kept]
    if rows:
        session.execute(insert(RejectedRecord), rows)
