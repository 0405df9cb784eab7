"""Escalate a task to the issuing unit's commanders: unacknowledged past its window, or overdue.

Taken by the system (the escalation job, ``actor=None``), never by hand.  It
is a flag, not a status: ``escalated_at`` and ``escalated_for`` are set and
the status stays, so the target can still acknowledge and finish the task.
Each reason escalates a task once; asking again is refused with
``TaskInvalid("reason", ...)``, which is what keeps the job idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.commands.tasks.base import TaskCommand
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.domain.tasks import ASSIGNED, OPEN, OVERDUE, UNACKNOWLEDGED, Task

REASONS = (UNACKNOWLEDGED, OVERDUE)


def escalation_due(task: Task, now: datetime) -> str | None:
    """The reason ``task`` should be escalated now, or None (overdue outranks unacknowledged)."""
    if task.status not in OPEN:
        return None
    if task.deadline_at < now and task.escalated_for != OVERDUE:
        return OVERDUE
    if (task.status == ASSIGNED and task.ack_deadline_at < now
            and task.escalated_for is None):
        return UNACKNOWLEDGED
    return None


@dataclass
class Escalate(TaskCommand):
    reason: str = UNACKNOWLEDGED

    action = "escalate"
    permission = None  # the system only
    from_statuses = frozenset(OPEN)

    def check_fields(self, session: Session, task: Task, now: datetime) -> None:
        if self.reason not in REASONS or escalation_due(task, now) != self.reason:
            raise TaskInvalid("reason", "task.error.not_due")

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        task.escalated_at, task.escalated_for = now, self.reason

    def detail(self, task: Task) -> dict:
        return {"reason": self.reason}
