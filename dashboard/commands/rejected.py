"""Fix and replay, or discard, a record the ingest refused (leaders and commanders).

Who sees a rejected record: ``fix_rejected_records`` (leaders, commanders)
whose scope holds the unit the record is for (``RejectedRecord.unit_id``,
``dashboard.ingest.rejected``); a record for no unit only users of the whole
city.  Any other id is "not found", audited as a warning's is.

What they see: the payload masked for everyone
(``dashboard.domain.payload_masks``); a role that may unmask reveals one
field at a time, audited (``dashboard.commands.unmask.unmask_rejected``).
A masked value sent back unchanged keeps the stored one.  Replaying runs
the record through ``ingest_batch`` exactly as the API would, with the rights
of whoever sent it (``sender_of``): the source of the token that sent it and
the sources that token is granted, never the replaying user's and never
none; and provided it is still for a unit of the user's scope.  If it is
refused again, the rejected record keeps the new payload, errors and unit
and stays open.  The caller commits, also after a refusal (its audit row).
"""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.permissions import require
from dashboard.auth.records import record_in_scope
from dashboard.auth.scope import Scope, scope_of
from dashboard.commands.errors import Invalid
from dashboard.domain.base import now_local
from dashboard.domain.ingest import ApiToken, RejectedRecord
from dashboard.domain.org import PATH_SEPARATOR
from dashboard.domain.payload_masks import masked_payload, restored
from dashboard.domain.times import DEFAULT_MAX_FUTURE_MINUTES
from dashboard.ingest.batch import ingest_batch
from dashboard.ingest.context import Context
from dashboard.ingest.rejected import clean_errors, record_unit
from dashboard.ingest.tokens import Sender

PERMISSION = "fix_rejected_records"
PAGE_SIZE = 200


class RejectedRecordError(Invalid):
    """The record cannot be replayed or discarded as asked; the message names the field."""


def is_whole_city(scope: Scope) -> bool:
    """True for a scope of the whole city (its root unit), which also holds records for no unit."""
    return not scope.is_empty and PATH_SEPARATOR not in scope.unit_path


def visible(scope: Scope) -> ColumnElement[bool]:
    """SQL: the rejected records ``scope`` may see."""
    if scope.is_empty:
        return false()
    in_scope = scope.unit_condition(RejectedRecord.unit_id)
    return or_(in_scope, RejectedRecord.unit_id.is_(None)) if is_whole_city(scope) else in_scope


def open_records(session: Session, scope: Scope, limit: int = PAGE_SIZE) -> list[RejectedRecord]:
    """The newest open rejected records ``scope`` may see."""
    return session.scalars(select(RejectedRecord).where(RejectedRecord.status == "open", visible(scope))
                           .order_by(RejectedRecord.id.desc()).limit(limit)).all()


def reason_groups(session: Session, scope: Scope, limit: int = 10) -> list[tuple[str, list[dict], int]]:
    """The open records ``scope`` may see grouped by identical reasons, the largest groups first:
    (kind, errors as anyone may see them, how many)."""
    rows = session.execute(
        select(RejectedRecord.kind, RejectedRecord.errors, func.count())
        .where(RejectedRecord.status == "open", visible(scope))
        .group_by(RejectedRecord.kind, RejectedRecord.errors)
        .order_by(func.count().desc(), RejectedRecord.kind).limit(limit)).all()
    return [(kind, clean_errors(json.loads(errors)), count) for kind, errors, count in rows]


def rejected_in_scope(session: Session, scope: Scope, record_id, *, user,
                      source_address: str | None = None) -> RejectedRecord:
    """The rejected record ``record_id`` if ``scope`` may see it; else audit and raise ``NotFound``."""
    return record_in_scope(session, "rejected", RejectedRecord, record_id, visible(scope), user=user,
                           source_address=source_address)


def sender_of(session: Session, record: RejectedRecord) -> Sender | None:
    """Who the record was sent by, as ``ingest_batch`` checks it.

    The token that sent it, with the sources it is granted now; a record kept
    before tokens were noted (or from a file import under ``--source``) is
    held to the source it was sent under alone; only a record that came with
    no source at all, from a file import without ``--source``, has no sender.
    """
    token = session.get(ApiToken, record.token_id) if record.token_id is not None else None
    if token is not None:
        return Sender.of_token(token)
    if record.source is not None:
        return Sender(record.source)
    return None


def shown_payload(record: RejectedRecord) -> dict:
    """The payload as anyone may see it."""
    return masked_payload(json.loads(record.payload))


def shown_errors(record: RejectedRecord) -> list[dict[str, str]]:
    """The errors as anyone may see them (stored clean; masked again for older rows)."""
    return clean_errors(json.loads(record.errors))


def _open(session: Session, user, record_id, source_address: str | None) -> RejectedRecord:
    require(user, PERMISSION)
    record = rejected_in_scope(session, scope_of(session, user), record_id, user=user,
                               source_address=source_address)
    if record.status != "open":
        raise RejectedRecordError("record", "rejected.error.not_open")
    return record


def _check_unit(session: Session, user, kind: str, edited: dict) -> int | None:
    """The unit the edited record is for, which must lie in the user's scope."""
    scope = scope_of(session, user)
    unit_id = record_unit(Context(session), kind, edited)
    allowed = is_whole_city(scope) if unit_id is None else scope.contains_unit(session, unit_id)
    if not allowed:
        raise RejectedRecordError("station_code", "rejected.error.outside_scope")
    return unit_id


def replay(session: Session, user, record_id, edited, *, source_address: str | None = None,
           max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES) -> tuple[str, list[dict]]:
    """Replay the record with the user's ``edited`` (masked) payload; return status and errors."""
    record = _open(session, user, record_id, source_address)
    if not isinstance(edited, dict):
        raise RejectedRecordError("payload", "rejected.error.not_object")
    original = json.loads(record.payload)
    edited = restored(edited, original)
    unit_id = _check_unit(session, user, record.kind, edited)
    result = ingest_batch(session, record.kind, [edited], sender=sender_of(session, record),
                          actor=user, keep_rejected=False, source_address=source_address,
                          max_future_minutes=max_future_minutes, arrivals=False).results[0]
    errors = clean_errors(result.errors)
    if result.status == "rejected":
        record.payload = json.dumps(edited, ensure_ascii=False)
        record.errors = json.dumps(errors, ensure_ascii=False)
        record.unit_id = unit_id
    else:
        record.status, record.resolved_at = "replayed", now_local()
    audit.record(session, user=user, action=audit.INGEST_REPLAY, object=f"rejected:{record.id}",
                 outcome=audit.SUCCESS if result.status != "rejected" else audit.FAILURE,
                 source_address=source_address)
    return result.status, errors


def discard(session: Session, user, record_id, *, source_address: str | None = None) -> None:
    record = _open(session, user, record_id, source_address)
    record.status, record.resolved_at = "discarded", now_local()
    audit.record(session, user=user, action=audit.INGEST_DISCARD, object=f"rejected:{record.id}",
                 source_address=source_address)
