"""The time bounds of incoming records that need the clock or the warning they follow.

``dashboard.ingest.schemas`` already refused what cannot be a time here
(naive, not convertible, before 2000).  What is left, per record, with
``dashboard.domain.times.TimeBounds``:

- every time of a record: not more than ``MAX_FUTURE_MINUTES`` ahead of the
  batch's clock;
- every time of a follow-up (an attempt or outcome, a stop-payment's reported,
  requested, stopped, frozen and returned times): not before the
  ``received_at`` of the warning it names.

The order inside one record (ended and closed not before started; requested
not before reported; each stage not before the one before it) is checked by
the schemas' model validators.
"""

from __future__ import annotations

from dashboard.domain import Warning
from dashboard.domain.times import TimeBounds, TimeRefused
from dashboard.ingest.reasons import refusal
from dashboard.ingest.schemas import OutcomeIn, StopPaymentIn, Strict, WarningIn

TIME_FIELDS: dict[type[Strict], tuple[str, ...]] = {
    WarningIn: ("received_at",),
    OutcomeIn: ("started_at", "ended_at", "closed_at"),
    StopPaymentIn: ("reported_at", "requested_at", "stopped_at", "frozen_at", "returned_at"),
}
WARNING_RECEIVED = "the warning's received_at"


def time_errors(record: Strict, bounds: TimeBounds, warning: Warning | None = None) -> list[dict]:
    """The error (``dashboard.ingest.reasons``) of each time of ``record`` out of bounds (none: [])."""
    after = warning.received_at if warning is not None else None
    errors = []
    for name in TIME_FIELDS[type(record)]:
        try:
            bounds.check(name, getattr(record, name), after=after, after_name=WARNING_RECEIVED)
        except TimeRefused as refused:
            errors.append(refusal(refused.field, f"time_{refused.code}", **refused.params))
    return errors
