"""Record ids from the browser: found only inside the user's scope, else "not found".

A record id that names a warning of another county must not even confirm
that the warning exists, so it gets the same answer as an id that does not
exist: ``NotFound``.  Both are written to the audit log as ``access_denied``
(the caller commits, even though the request is refused)::

    warning = warning_in_scope(session, scope, warning_id, user=user, source_address=addr)

What the audit row names is the id that was tried (``warning:1234``), so
that the auditor sees which record someone asked for; text that is not an
id is recorded as the marker ``warning:invalid``, never as typed (it may be
a phone number, or anything at all).  Units are named alike
(``unit_object``): ``unit:<id>`` for a unit that exists, however it was
asked for, and ``unit-code:<code>`` for a code that names no unit (the
marker ``unit-code:invalid`` for text that is not a unit code, or that holds
a run of 11 or more digits).

``warning_visible`` and ``case_visible`` are the same scope checks without
the audit row, for places that show a linked record to someone who did not
ask for it by id (a task's page, a task's receiving unit): whoever may not
open the record on its own may not see it there either.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.scope import Scope
from dashboard.domain import Case, OrgUnit, Warning
from dashboard.domain.org import UNIT_CODE

MAX_ID = 2**31 - 1
INVALID = "invalid"  # the marker recorded instead of text that is not an id or a code
_LONG_DIGITS = re.compile(r"\d{11,}")  # what the audit log refuses as personal data


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
    return f"{kind}:{number}" if number is not None else f"{kind}:{INVALID}"


def code_name(kind: str, code) -> str:
    """``unit-code:350299`` for the audit log; ``unit-code:invalid`` for text that is not a code
    (``UNIT_CODE``) or holds a run of 11 or more digits (it may be a phone number)."""
    text = code.strip() if isinstance(code, str) else None
    if text and UNIT_CODE.fullmatch(text) and not _LONG_DIGITS.search(text):
        return f"{kind}:{text}"
    return f"{kind}:{INVALID}"


def unit_object(unit: OrgUnit | None, tried) -> str:
    """The audit log's name of a unit the browser asked for: ``unit:<id>`` when ``unit`` was
    found, else the id (``unit:<id>``) or the code (``unit-code:<code>``) that was ``tried``."""
    if unit is not None:
        return f"unit:{unit.id}"
    if isinstance(tried, int) and not isinstance(tried, bool):
        return object_name("unit", tried)
    return code_name("unit-code", tried)


def _visible(session: Session, model, record_id, condition):
    number = parse_id(record_id)
    if number is None:
        return None
    return session.scalar(select(model).where(model.id == number, condition))


def warning_visible(session: Session, scope: Scope, warning_id) -> Warning | None:
    """The warning ``warning_id`` if it lies in ``scope``, else None (nothing audited)."""
    return _visible(session, Warning, warning_id, scope.rows_condition(Warning.county_id, Warning.station_id))


def case_visible(session: Session, scope: Scope, case_id) -> Case | None:
    """The case ``case_id`` if it lies in ``scope``, else None (nothing audited)."""
    return _visible(session, Case, case_id, scope.rows_condition(Case.county_id, Case.station_id))


def record_in_scope(session: Session, kind: str, model, record_id, condition, *, user,
                    source_address: str | None = None):
    """The ``model`` row ``record_id`` if ``condition`` (the scope's SQL) lets it through; else
    audit the refused id as ``kind`` and raise ``NotFound``: the one way a record id from the
    browser is looked up."""
    row = _visible(session, model, record_id, condition)
    if row is None:
        audit.record(session, user=user, action=audit.ACCESS_DENIED,
                     object=object_name(kind, record_id), outcome=audit.DENIED,
                     source_address=source_address, detail={"reason": "not_in_scope"})
        raise NotFound(kind, parse_id(record_id))
    return row


def warning_in_scope(session: Session, scope: Scope, warning_id, *, user,
                     source_address: str | None = None) -> Warning:
    """The warning ``warning_id`` if it lies in ``scope``; else audit and raise ``NotFound``."""
    return record_in_scope(session, "warning", Warning, warning_id,
                           scope.rows_condition(Warning.county_id, Warning.station_id),
                           user=user, source_address=source_address)


def case_in_scope(session: Session, scope: Scope, case_id, *, user,
                  source_address: str | None = None) -> Case:
    """The case ``case_id`` if it lies in ``scope``; else audit and raise ``NotFound``."""
    return record_in_scope(session, "case", Case, case_id,
                           scope.rows_condition(Case.county_id, Case.station_id),
                           user=user, source_address=source_address)
