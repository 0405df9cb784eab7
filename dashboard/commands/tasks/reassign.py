"""Re-assign a task to another unit below the issuing unit (after a rejection, or to redirect it).

The task starts again as ``assigned`` with a new acknowledgement window from
the rule; the deadline stays unless a new one is given (never later than the
parent's).  Re-sending to the same unit is only for a rejected task; a task
whose children are still open cannot be re-assigned; the new unit and named
officer must be able to open the task's linked warning and case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth.scope import scope_of
from dashboard.commands.tasks.creation import (
    Receiver,
    check_assignee,
    check_deadline,
    check_reach,
    receivers_of,
    resolve_targets,
)
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.commands.tasks.reject import refuse_open_children
from dashboard.commands.tasks.sides import IssuerStep
from dashboard.domain import OrgUnit
from dashboard.domain.task_rules import rule_for
from dashboard.domain.tasks import ASSIGNED, NOT_FINAL, REJECTED, Task


@dataclass
class Reassign(IssuerStep):
    target_unit: int | str | None = None
    assignee_id: int | None = None
    deadline: datetime | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    action = "reassign"
    from_statuses = frozenset(NOT_FINAL)

    def check_children(self, session: Session, task: Task) -> None:
        refuse_open_children(session, task)

    def check_fields(self, session: Session, task: Task, now: datetime) -> None:
        issuing_unit = session.get(OrgUnit, task.issuing_unit_id)
        [target] = resolve_targets(session, [self.target_unit] if self.target_unit else [],
                                   issuing_unit)
        if target.id == task.target_unit_id and task.status != REJECTED:
            raise TaskInvalid("target_units", "task.error.same_target")
        assignee = check_assignee(session, self.assignee_id, [target])
        issuer = Receiver((self.actor.display_name,) * 2, scope_of(session, self.actor))
        check_reach(session, task.warning_id, task.case_id,
                    [issuer, *receivers_of(session, [target], assignee)], field="target_units")
        latest = task.parent.deadline_at if task.parent is not None else None
        deadline = check_deadline(self.deadline, now, latest, task.deadline_at)
        if deadline <= now:
            raise TaskInvalid("deadline", "task.error.deadline_past")
        self._checked = {"target": target, "assignee": assignee, "deadline": deadline}

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        checked = self._checked
        ack_deadline, _ = rule_for(task.kind, task.priority).deadlines(now)
        task.target_unit_id = checked["target"].id
        task.assignee_id = checked["assignee"].id if checked["assignee"] else None
        task.deadline_at = checked["deadline"]
        task.ack_deadline_at = min(ack_deadline, checked["deadline"])
        task.status, task.status_note = ASSIGNED, None
        task.acknowledged_at = task.started_at = None
        task.escalated_at = task.escalated_for = None

    def detail(self, task: Task) -> dict:
        return {"target": self._checked["target"].code}
