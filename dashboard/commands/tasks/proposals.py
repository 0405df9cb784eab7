"""From a warning to a door visit: propose the task, and let a commander confirm it with one call.

A warning calls for a door visit when ``data/tasks/from_warning.csv`` says
so (an open high-risk warning; an "unreachable" outcome), unless it already
has a door-visit task that was not cancelled or rejected.  The proposal goes
to the warning's station with the deadline of the door-visit rule at the
proposal's priority (a high-risk warning: 30 minutes by default).

The title and instructions name the warning by its number and fraud type,
never by the person: the task page shows the person masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dashboard.auth.records import warning_in_scope
from dashboard.auth.scope import Scope
from dashboard.commands.tasks import IssueTask, TaskInvalid
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.base import now_local
from dashboard.domain.reference import FraudType
from dashboard.domain.task_rules import CLOSED, priority_for_warning, rule_for, warning_triggers
from dashboard.domain.tasks import CANCELLED, REJECTED, Task
from dashboard.i18n import name_of, t

DOOR_VISIT = "door_visit"
RECENT = timedelta(days=2)  # proposals look at warnings received or closed this recently


@dataclass(frozen=True)
class DoorVisitProposal:
    """A door-visit task the warning calls for, ready to confirm."""

    warning_id: int
    station_id: int
    priority: str
    deadline_at: datetime
    title: str
    instructions: str
    kind: str = DOOR_VISIT


def has_door_visit(session: Session, warning_id: int) -> bool:
    """True when the warning already has a door-visit task that was not cancelled or rejected."""
    return session.scalar(select(Task.id).where(
        Task.warning_id == warning_id, Task.kind == DOOR_VISIT,
        Task.status.not_in((CANCELLED, REJECTED))).limit(1)) is not None


def propose_door_visit(session: Session, warning: Warning, now: datetime | None = None,
                       lang: str | None = None) -> DoorVisitProposal | None:
    """The door visit ``warning`` calls for now, or None."""
    now = (now or now_local()).replace(microsecond=0)
    priority = priority_for_warning(warning)
    if priority is None or has_door_visit(session, warning.id):
        return None
    station = session.get(OrgUnit, warning.station_id)
    if station is None or station.retired_on is not None:  # a retired station takes no tasks
        return None
    _, deadline = rule_for(DOOR_VISIT, priority).deadlines(now)
    fraud_type = session.get(FraudType, warning.fraud_type)
    params = {"number": warning.id, "fraud_type": name_of(fraud_type, lang) if fraud_type else "",
              "received": warning.received_at.strftime("%m-%d %H:%M")}
    return DoorVisitProposal(
        warning_id=warning.id, station_id=warning.station_id, priority=priority,
        deadline_at=deadline, title=t("task.proposal.title", lang, **params),
        instructions=t("task.proposal.instructions.closed" if warning.status == CLOSED
                       else "task.proposal.instructions.open", lang, **params))


def proposals_in(session: Session, scope: Scope, now: datetime | None = None,
                 lang: str | None = None, limit: int = 20) -> list[DoorVisitProposal]:
    """Door visits the recent warnings of ``scope`` call for, most urgent first."""
    now = (now or now_local()).replace(microsecond=0)
    conditions = [
        and_(getattr(Warning, trigger.field) == trigger.value,
             Warning.status != CLOSED if trigger.applies_to == "open" else True)
        for trigger in warning_triggers()]
    if not conditions or scope.is_empty:
        return []
    candidates = session.scalars(scope.filter_units(
        select(Warning).where(or_(*conditions), Warning.received_at >= now - RECENT,
                              Warning.received_at <= now),
        Warning.county_id, Warning.station_id,
    ).order_by(Warning.received_at.desc()).limit(limit * 5))
    found = []
    for warning in candidates:
        proposal = propose_door_visit(session, warning, now, lang)
        if proposal is not None:
            found.append(proposal)
        if len(found) == limit:
            break
    return sorted(found, key=lambda p: (p.deadline_at, p.warning_id))


def confirm_door_visit(session: Session, actor, scope: Scope, warning_id, *,
                       now: datetime | None = None, lang: str | None = None,
                       source_address: str | None = None) -> Task:
    """Issue the proposed door visit of a warning in ``scope`` (the commander's one click)."""
    now = (now or now_local()).replace(microsecond=0)
    warning = warning_in_scope(session, scope, warning_id, user=actor,
                               source_address=source_address)
    proposal = propose_door_visit(session, warning, now, lang)
    if proposal is None:
        raise TaskInvalid("warning_id", "task.error.no_proposal")
    [task] = IssueTask(actor, DOOR_VISIT, proposal.priority, proposal.title,
                       target_units=[proposal.station_id], instructions=proposal.instructions,
                       deadline=proposal.deadline_at, warning_id=warning.id,
                       source_address=source_address).run(session, now)
    return task
