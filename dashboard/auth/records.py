"""Record ids from the browser: found only inside the user's scope, else "not found".

A record id that names a warning of another county must not even confirm
that the warning exists, so it gets the same answer as an id that does not
exist: ``NotFound``.  Both are written to the audit log as ``access_denied``
(the caller commits, even though the request is refused)::

    warning = warning_in_scope(session, scope, warning_id, user=user, source_address=addr)

``warning_visible`` and ``case_visible`` are the same scope checks without
the audit row, for places that show a linked record to someone who did not
ask for it by id (a task's page, a task's receiving unit): whoever may not
open the record on its own may not see it there either.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.scope import Scope
from dashboard.domain import Case, Warning

MAX_ID = 2**31 - 1


class NotFound(LookupError):
    """No record of this id in the user's scope (it may exist elsewhere: never say so)."""

    def __init__(self, kind: str, record_id) -> None:
        super().__init__(f"{kind} not found")
        self.kind = kind
        self.record_id = record_id


def parse_id(value) -> int | None:
    """A positive database id from browser input, or None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def object_name(kind: str, record_id) -> str:
    """``warning:1234`` for the audit log; ``warning:invalid`` for ids that are not ids
    (a typed phone number must not reach the log)."""
    number = parse_id(record_id)
    return f"{kind}:{number}" if number is not None else f"{kind}:invalid"


def warning_visible(session: Session, scope: Scope, warning_id) -> Warning | None:
    """The warning ``warning_id`` if it lies in ``scope``, else None (nothing audited)."""
    number = parse_id(warning_id)
    if number is None:
        return None
    return session.scalar(scope.filter_units(
        select(Warning).where(Warning.id == number), Warning.county_id, Warning.station_id))


def case_visible(session: Session, scope: Scope, case_id) -> Case | None:
    """The case ``case_id`` if it lies in ``scope``, else None (nothing audited)."""
    number = parse_id(case_id)
    if number is None:
        return None
    return session.scalar(scope.filter_units(
        select(Case).where(Case.id == number), Case.county_id, Case.station_id))


def _denied(session: Session, kind: str, record_id, user, source_address: str | None) -> NotFound:
    audit.record(session, user=user, action=audit.ACCESS_DENIED,
                 object=object_name(kind, record_id), outcome=audit.DENIED,
                 source_address=source_address, detail={"reason": "not_in_scope"})
    return NotFound(kind, parse_id(record_id))


def warning_in_scope(session: Session, scope: Scope, warning_id, *, user,
                     source_address: str | None = None) -> Warning:
    """The warning ``warning_id`` if it lies in ``scope``; else audit and raise ``NotFound``."""
    warning = warning_visible(session, scope, warning_id)
    if warning is None:
        raise _denied(session, "warning", warning_id, user, source_address)
    return warning


def case_in_scope(session: Session, scope: Scope, case_id, *, user,
                  source_address: str | None = None) -> Case:
    """The case ``case_id`` if it lies in ``scope``; else audit and raise ``NotFound``."""
    case = case_visible(session, scope, case_id)
    if case is None:
        raise _denied(session, "case", case_id, user, source_address)
    return case
