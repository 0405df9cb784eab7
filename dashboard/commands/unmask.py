"""Show one personal-data field in clear: of a warning (``unmask``) or of a rejected record
(``unmask_rejected``).

Allowed only to roles with ``unmask_personal_data`` (and, for rejected
records, ``fix_rejected_records``) and only for records in the user's scope (elsewhere: ``NotFound``, as if the record did not exist).
Every unmasking, and every refused attempt, is audited with the record
(``warning:<id>``, ``rejected:<id>``) and the field's name; the value itself
never goes into the log.  The caller commits, also after a refusal.
"""

from __future__ import annotations

import json

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, allowed
from dashboard.auth.records import object_name, warning_in_scope
from dashboard.auth.scope import scope_of
from dashboard.commands.errors import Invalid
from dashboard.commands.rejected import PERMISSION, rejected_in_scope
from dashboard.domain.payload_masks import REVEALABLE, value_at

ACTION = "unmask_personal_data"
FIELDS = {"phone": "person_phone", "id_number": "person_id_number",
          "bank_account": "person_bank_account"}


def _permit(session, user, kind: str, record_id, field: str, source_address: str | None,
            wants: tuple[str, ...] = (ACTION,)) -> None:
    """Raise ``PermissionDenied`` (audited) unless the user's role may unmask (and see the record)."""
    for want in wants:
        if not allowed(user, want):
            audit.record(session, user=user, action=audit.ACCESS_DENIED,
                         object=object_name(kind, record_id), outcome=audit.DENIED,
                         source_address=source_address, detail={"field": field, "want": want})
            raise PermissionDenied(want)


def unmask(session, user, warning_id, field: str, *, source_address: str | None = None) -> str | None:
    """The clear value of ``field`` ("phone", "id_number", "bank_account") of a warning."""
    if field not in FIELDS:
        raise Invalid("field", "unmask.error.field")
    _permit(session, user, "warning", warning_id, field, source_address)
    warning = warning_in_scope(session, scope_of(session, user), warning_id, user=user,
                               source_address=source_address)
    audit.record(session, user=user, action=audit.UNMASK, object=f"warning:{warning.id}",
                 source_address=source_address, detail={"field": field})
    return getattr(warning, FIELDS[field])


def unmask_rejected(session, user, record_id, field: str, *,
                    source_address: str | None = None) -> str | None:
    """The clear value of ``field`` (a name of ``REVEALABLE``: "person.phone", "note", ...) of a
    rejected record; None when the payload has no such value."""
    if field not in REVEALABLE:
        raise Invalid("field", "rejected.error.unmask_field")
    _permit(session, user, "rejected", record_id, field, source_address, wants=(ACTION, PERMISSION))
    record = rejected_in_scope(session, scope_of(session, user), record_id, user=user,
                               source_address=source_address)
    audit.record(session, user=user, action=audit.UNMASK, object=f"rejected:{record.id}",
                 source_address=source_address, detail={"field": field})
    value = value_at(json.loads(record.payload), REVEALABLE[field])
    return None if value is None else str(value)
