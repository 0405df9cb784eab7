"""Fix and replay, or discard, a record the ingest refused.

Admins see no citizen data: the payload they edit has its personal fields
masked (``PERSONAL_FIELDS``); a masked value sent back unchanged keeps the
stored one, and a new value replaces it.  Replaying runs the record through
``ingest_batch`` exactly as the API would, with the rights of whoever sent it
(``sender_of``): the source of the token that sent it and the sources that
token is granted, never the admin's and never none; if it is refused again,
the rejected record keeps the new payload and errors and stays open.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.crypto import mask_bank_account, mask_id_number, mask_name, mask_phone
from dashboard.auth.permissions import require
from dashboard.domain.base import now_local
from dashboard.domain.ingest import ApiToken, RejectedRecord
from dashboard.domain.times import DEFAULT_MAX_FUTURE_MINUTES
from dashboard.ingest.batch import ingest_batch
from dashboard.ingest.tokens import Sender

PERSONAL_FIELDS = {
    ("person", "name"): mask_name, ("person", "phone"): mask_phone,
    ("person", "id_number"): mask_id_number, ("person", "bank_account"): mask_bank_account,
    ("account",): mask_bank_account,
}


class RejectedRecordError(ValueError):
    """The record cannot be replayed or discarded as asked; the message names the field."""


def _get(payload: dict, path: tuple[str, ...]):
    node = payload
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _set(payload: dict, path: tuple[str, ...], value) -> None:
    node = payload
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def masked_payload(record: RejectedRecord) -> dict:
    """The payload as an admin may see it: personal fields masked."""
    payload = json.loads(record.payload)
    if not isinstance(payload, dict):
        return {"record": payload}
    for path, mask in PERSONAL_FIELDS.items():
        value = _get(payload, path)
        if isinstance(value, str):
            _set(payload, path, mask(value))
    return payload


def _open(session: Session, record_id: int) -> RejectedRecord:
    record = session.get(RejectedRecord, record_id)
    if record is None or record.status != "open":
        raise RejectedRecordError(f"record: no open rejected record {record_id}")
    return record


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


def replay(session: Session, user, record_id: int, edited: dict, *,
           max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES) -> tuple[str, list[dict]]:
    """Replay the record with the admin's ``edited`` (masked) payload; return status and errors."""
    require(user, "fix_rejected_records")
    record = _open(session, record_id)
    if not isinstance(edited, dict):
        raise RejectedRecordError("payload: must be a JSON object")
    original = json.loads(record.payload)
    masked = masked_payload(record)
    for path in PERSONAL_FIELDS:  # an unchanged mask keeps the stored value
        if _get(edited, path) is not None and _get(edited, path) == _get(masked, path):
            _set(edited, path, _get(original, path))
    result = ingest_batch(session, record.kind, [edited], sender=sender_of(session, record),
                          actor=user, keep_rejected=False,
                          max_future_minutes=max_future_minutes).results[0]
    if result.status == "rejected":
        record.payload = json.dumps(edited, ensure_ascii=False)
        record.errors = json.dumps(result.errors, ensure_ascii=False)
    else:
        record.status, record.resolved_at = "replayed", now_local()
    audit.record(session, user=user, action=audit.INGEST_REPLAY, object=f"rejected:{record.id}",
                 outcome=audit.SUCCESS if result.status != "rejected" else audit.FAILURE)
    return result.status, result.errors


def discard(session: Session, user, record_id: int) -> None:
    require(user, "fix_rejected_records")
    record = _open(session, record_id)
    record.status, record.resolved_at = "discarded", now_local()
    audit.record(session, user=user, action=audit.INGEST_DISCARD, object=f"rejected:{record.id}")
