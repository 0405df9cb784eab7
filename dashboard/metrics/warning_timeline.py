"""The clock of one warning: each step from its receipt to its case, and the time between them.

``warning_timeline(session, warning, now)`` lists the steps of the chain:
received, dispatched to the county, to the station, first contact, every
dissuasion attempt, the outcome, each stop-payment stage, the case, in the
order they happened (a warning SMS sent before the dispatch comes before it;
at the same second, the chain's order).  A step's time is only what the
model stores; a step known to have happened without a stored time (a
warning past triage whose dispatch time was not sent) has ``at`` None and
``recorded`` False and keeps its place after the step before it in the
chain; a step that has not happened yet is left out.  ``minutes_since_previous`` counts from the last
earlier step that has a time; ``minutes_since_received`` from the receipt.

The caller has found ``warning`` inside the user's scope
(``dashboard.auth.records.warning_in_scope``); stop-payment accounts, and
any number in an attempt's note, leave this module masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import Case, Dissuasion, StopPayment, Warning
from dashboard.domain.base import to_local_naive
from dashboard.domain.deadlines import is_past, minutes_to_deadline
from dashboard.domain.personal_data import mask_bank_account
from dashboard.domain.text import redact_personal_numbers

COLUMNS = ["step", "at", "recorded", "method", "officer", "result", "note", "outcome", "amount",
           "loss", "account", "bank", "case_number", "minutes_since_previous", "minutes_since_received"]
NOT_DISPATCHED = frozenset({"new"})  # statuses before triage sent the warning down
STOP_STAGES = ("stopped", "frozen", "returned")


def masked_note(note: str | None) -> str | None:
    """Free text with any phone, ID or account number in it masked (text stored before it was refused)."""
    return redact_personal_numbers(note)


@dataclass(frozen=True)
class Deadline:
    """The response deadline and how it went: ``met``, ``missed`` or ``running`` (not yet due)."""

    at: datetime
    state: str
    minutes: int  # met/missed: minutes from the deadline to first contact (or now); running: left


@dataclass(frozen=True)
class Timeline:
    steps: pd.DataFrame
    deadline: Deadline
    now: datetime
    is_open: bool  # not closed yet: the clock is still running
    elapsed: int   # minutes from receipt to now


def _minutes(later: datetime, earlier: datetime) -> int:
    return int((to_local_naive(later) - to_local_naive(earlier)).total_seconds() // 60)


def deadline_state(warning: Warning, now: datetime) -> Deadline:
    """Whether first contact came by ``deadline_at`` (the response deadline set at triage)."""
    if warning.first_contact_at is not None:
        late = -minutes_to_deadline(warning.deadline_at, warning.first_contact_at)
        return Deadline(warning.deadline_at, "missed" if is_past(warning.deadline_at, warning.first_contact_at)
                        else "met", late)
    if is_past(warning.deadline_at, now):
        return Deadline(warning.deadline_at, "missed", -minutes_to_deadline(warning.deadline_at, now))
    return Deadline(warning.deadline_at, "running", minutes_to_deadline(warning.deadline_at, now))


def _step(step: str, at: datetime | None, recorded: bool = True, **fields) -> dict:
    return {"step": step, "at": at, "recorded": recorded and at is not None, **fields}


def _routing(warning: Warning) -> list[dict]:
    steps = [_step("received", warning.received_at)]
    dispatched = warning.status not in NOT_DISPATCHED
    for step, at in (("dispatched_county", warning.dispatched_county_at),
                     ("dispatched_station", warning.dispatched_station_at)):
        if at is not None or dispatched:
            steps.append(_step(step, at))
    return steps


def _contact(session: Session, warning: Warning) -> list[dict]:
    attempts = session.scalars(select(Dissuasion).where(Dissuasion.warning_id == warning.id)
                               .order_by(Dissuasion.started_at, Dissuasion.id)).all()
    steps = []
    if warning.first_contact_at is not None:
        steps.append(_step("first_contact", warning.first_contact_at))
    steps += [_step("attempt", a.started_at, method=a.method, officer=masked_note(a.officer),
                    result=a.result, note=masked_note(a.note)) for a in attempts]
    if warning.outcome is not None:
        steps.append(_step("outcome", warning.closed_at, outcome=warning.outcome,
                           amount=warning.loss_avoided, loss=warning.loss))
    return steps


def _funds(session: Session, warning: Warning) -> list[dict]:
    steps = []
    for stop in session.scalars(select(StopPayment).where(StopPayment.warning_id == warning.id)
                                .order_by(StopPayment.requested_at, StopPayment.id)):
        account = {"account": mask_bank_account(stop.account), "bank": masked_note(stop.bank)}
        steps.append(_step("stop_requested", stop.requested_at, amount=stop.requested_amount,
                           **account))
        for stage in STOP_STAGES:
            amount = getattr(stop, f"{stage}_amount") or 0
            at = getattr(stop, f"{stage}_at")
            if at is not None or amount:
                steps.append(_step(f"stop_{stage}", at, amount=amount, **account))
    return steps


def _cases(session: Session, warning: Warning) -> list[dict]:
    steps = []
    for case in session.scalars(select(Case).where(Case.warning_id == warning.id)
                                .order_by(Case.reported_at, Case.id)):
        steps.append(_step("case_reported", case.reported_at, case_number=case.number,
                           amount=case.loss))
        if case.solved_at is not None:
            steps.append(_step("case_solved", case.solved_at, case_number=case.number))
    return steps


def warning_timeline(session: Session, warning: Warning, now: datetime) -> Timeline:
    """The steps of ``warning`` so far (columns: ``COLUMNS``) and its response deadline."""
    chain = [*_routing(warning), *_contact(session, warning), *_funds(session, warning),
             *_cases(session, warning)]
    known = warning.received_at
    keyed = []
    for rank, step in enumerate(chain):  # an untimed step sorts at the time of the step before it
        known = step["at"] or known
        keyed.append(((to_local_naive(known), rank), step))
    steps = [step for _, step in sorted(keyed, key=lambda pair: pair[0])]
    previous = None
    for step in steps:
        at = step["at"]
        step["minutes_since_previous"] = _minutes(at, previous) if at and previous else None
        step["minutes_since_received"] = _minutes(at, warning.received_at) if at else None
        if at is not None:
            previous = at
    frame = pd.DataFrame(steps, columns=COLUMNS).astype({"minutes_since_previous": "Int64",
                                                         "minutes_since_received": "Int64"})
    return Timeline(frame.astype(object).where(frame.notna(), None), deadline_state(warning, now),
                    now, warning.status != "closed", max(_minutes(now, warning.received_at), 0))
