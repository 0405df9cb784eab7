"""Show one personal-data field of one warning in clear: ``unmask(session, user, id, field)``.

Allowed only to roles with ``unmask_personal_data`` and only for warnings in
the user's scope (elsewhere: ``NotFound``, as if the warning did not exist).
Every unmasking, and every refused attempt, is audited with ``warning:<id>``
and the field's name; the value itself never goes into the log.  The caller
commits, also after a refusal.
"""

from __future__ import annotations

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, allowed
from dashboard.auth.records import object_name, warning_in_scope
from dashboard.auth.scope import scope_of
from dashboard.commands.errors import Invalid

ACTION = "unmask_personal_data"
FIELDS = {"phone": "person_phone", "id_number": "person_id_number",
          "bank_account": "person_bank_account"}


def unmask(session, user, warning_id, field: str, *, source_address: str | None = None) -> str | None:
    """The clear value of ``field`` ("phone", "id_number", "bank_account") of a warning."""
    if field not in FIELDS:
        raise Invalid("field", "unmask.error.field")
    if not allowed(user, ACTION):
        audit.record(session, user=user, action=audit.ACCESS_DENIED,
                     object=object_name("warning", warning_id), outcome=audit.DENIED,
                     source_address=source_address, detail={"field": field, "want": ACTION})
        raise PermissionDenied(ACTION)
    warning = warning_in_scope(session, scope_of(session, user), warning_id, user=user,
                               source_address=source_address)
    audit.record(session, user=user, action=audit.UNMASK, object=f"warning:{warning.id}",
                 source_address=source_address, detail={"field": field})
    return getattr(warning, FIELDS[field])
