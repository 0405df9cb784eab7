"""Writing the keyed, chained audit log.

``record(session, user=..., action=..., object=..., outcome=..., source_address=...)``
appends one ``AuditEntry`` in the caller's transaction (the caller commits;
commit even when the request itself is refused, or the refusal is not
logged).  The chain is serialized by first updating the single ``AuditHead``
row: on PostgreSQL that row lock makes concurrent writers queue; on SQLite the
update takes the database write lock before the last hash is read.  On SQLite
a session that has already *read* in a concurrent transaction may get
"database is locked" at that update; open such sessions with ``BEGIN
IMMEDIATE`` or retry the request.

Each entry's hash is an HMAC under the audit key (``dashboard.auth.audit_key``),
never stored in the database.  ``dashboard.auth.audit_verify`` checks the
chain, and the signed checkpoints written outside the database
(``dashboard.auth.audit_checkpoints``): ``antifraud audit verify``.

Personal data never goes into an audit row: ``record`` refuses any text with a
run of 11 or more digits (phone, ID, bank account).  Name the object by its
id (``warning:1234``) instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.auth.audit_key import audit_key
from dashboard.domain.audit import GENESIS_HASH, AuditEntry, AuditHead
from dashboard.domain.base import now_local

HEAD_ID = 1
REDACTED = "[redacted]"
_PERSONAL_DIGITS = re.compile(r"\d{11,}")

# Actions the application records; the auditor page filters on these.
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOCKOUT = "lockout"
RATE_LIMITED = "login_rate_limited"
TOTP_FAILED = "totp_failed"
TOTP_ENROLLED = "totp_enrolled"
LOGOUT = "logout"
SESSION_EXPIRED = "session_expired"
PASSWORD_CHANGED = "password_changed"
ROLE_CHANGED = "role_changed"  # before the three administrators: kept for old entries
ROLE_GRANTED = "role_granted"
ROLE_REVOKED = "role_revoked"
PASSWORD_RESET = "password_reset"
SECOND_FACTOR_RESET = "second_factor_reset"
POLICY_CHANGED = "policy_changed"
USER_CREATED = "user_created"
USER_DISABLED = "user_disabled"
USER_ENABLED = "user_enabled"
UNMASK = "unmask"
EXPORT = "export"
TASK_CHANGED = "task_changed"
INGEST_BATCH = "ingest_batch"
INGEST_REPLAY = "ingest_replay"
INGEST_DISCARD = "ingest_discard"
ACCESS_DENIED = "access_denied"
OUTCOME_RECORDED = "outcome_recorded"
PLAYBOOK_CHANGED = "playbook_changed"
UNITS_IMPORTED = "units_imported"
BOUNDARIES_IMPORTED = "boundaries_imported"
UNIT_CREATED = "unit_created"
UNIT_RENAMED = "unit_renamed"
UNIT_MOVED = "unit_moved"
UNIT_RETIRED = "unit_retired"
HEADER_MAP_SAVED = "header_map_saved"
TOKEN_CREATED = "token_created"
IMPORT_UPLOADED = "import_uploaded"
IMPORT_STARTED = "import_started"
IMPORT_FINISHED = "import_finished"
IMPORT_CANCELLED = "import_cancelled"
IMPORT_DOWNLOADED = "import_refused_download"

ACTIONS = (
    LOGIN, LOGIN_FAILED, LOCKOUT, RATE_LIMITED, TOTP_FAILED, TOTP_ENROLLED, LOGOUT,
    SESSION_EXPIRED, PASSWORD_CHANGED, ROLE_CHANGED, USER_CREATED, USER_DISABLED, USER_ENABLED,
    UNMASK, EXPORT, TASK_CHANGED, INGEST_BATCH, INGEST_REPLAY, INGEST_DISCARD, ACCESS_DENIED,
    OUTCOME_RECORDED, PLAYBOOK_CHANGED, UNITS_IMPORTED, BOUNDARIES_IMPORTED, TOKEN_CREATED,
    ROLE_GRANTED, ROLE_REVOKED, PASSWORD_RESET, SECOND_FACTOR_RESET, POLICY_CHANGED,
    UNIT_CREATED, UNIT_RENAMED, UNIT_MOVED, UNIT_RETIRED, HEADER_MAP_SAVED,
    IMPORT_UPLOADED, IMPORT_STARTED, IMPORT_FINISHED, IMPORT_CANCELLED, IMPORT_DOWNLOADED,
)

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"


class PersonalDataInAudit(ValueError):
    """An audit row would have carried what looks like a phone, ID or account number."""


def _clean(value: str | None, limit: int, name: str) -> str | None:
    if value is None:
        return None
    value = str(value)
    if _PERSONAL_DIGITS.search(value):
        raise PersonalDataInAudit(f"audit {name} must not carry personal data")
    return value[:limit]


def _who(user) -> tuple[str | None, str | None]:
    if user is None:
        return None, None
    if isinstance(user, str):  # as typed on the login form: maybe someone's phone number
        return (REDACTED if _PERSONAL_DIGITS.search(user) else user), None
    return getattr(user, "username", None), getattr(user, "role", None)


def _bump_head(session: Session) -> bool:
    """Take the chain lock by advancing the head's id; False if there is no head row."""
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(last_id=AuditHead.last_id + 1)
    )
    return bumped.rowcount == 1


def record(session: Session, *, user, action: str, object: str | None = None,  # noqa: A002
           outcome: str = SUCCESS, source_address: str | None = None,
           detail: Mapping | None = None, at: datetime | None = None) -> AuditEntry:
    """Append one chained audit entry; ``user`` is a User, a typed username, or None."""
    username, role = _who(user)
    detail_text = None
    if detail:
        detail_text = json.dumps(dict(detail), sort_keys=True, ensure_ascii=False,
                                 separators=(",", ":"), default=str)
    entry = AuditEntry(
        at=(at or now_local()).replace(microsecond=0),  # LocalDateTime keeps whole seconds
        username=_clean(username, 64, "username"),
        role=role,
        action=_clean(action, 40, "action"),
        object=_clean(object, 200, "object"),
        outcome=_clean(outcome, 20, "outcome"),
        source_address=(source_address or None) and source_address[:64],
        detail=_clean(detail_text, 100_000, "detail"),
    )
    if not _bump_head(session):  # the migration's head row is missing (emptied tables)
        try:
            with session.begin_nested():
                session.execute(insert(AuditHead).values(id=HEAD_ID, last_id=0, keyed_from=1,
                                                         last_hash=GENESIS_HASH))
        except IntegrityError:  # a concurrent writer created it first
            pass
        if not _bump_head(session):
            raise RuntimeError("the audit chain head cannot be created")
    head = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash, AuditHead.keyed_from)
        .where(AuditHead.id == HEAD_ID)
    ).one()
    entry.id = head.last_id
    entry.prev_hash = head.last_hash
    entry.hash = entry.compute_hash(audit_key())  # every new entry is keyed
    session.add(entry)
    values = {"last_hash": entry.hash}
    if head.keyed_from is None:  # a head from before the key: the key starts here
        values["keyed_from"] = entry.id
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(**values))
    session.flush()
    return entry
