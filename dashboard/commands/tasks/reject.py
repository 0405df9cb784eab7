"""Reject a task back to its issuer, with a reason (the target unit: "not ours", "cannot").

The issuer then re-assigns or cancels it.  A task whose children are still
open cannot be rejected: cancel or finish them first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.tasks.base import clean_text
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.commands.tasks.sides import TargetStep
from dashboard.domain.tasks import FINAL, OPEN, REJECTED, Task


def open_children_units(session: Session, task: Task) -> set[int]:
    """Target units of the task's children that are not done or cancelled."""
    session.flush()
    return set(session.scalars(select(Task.target_unit_id).where(
        Task.parent_id == task.id, Task.status.not_in(FINAL))))


def has_open_children(session: Session, task: Task) -> bool:
    return bool(open_children_units(session, task))


def refuse_open_children(session: Session, task: Task) -> None:
    if has_open_children(session, task):
        raise TaskInvalid("status", "task.error.children_open")


class Reject(TargetStep):
    action = "reject"
    from_statuses = frozenset(OPEN)

    def check_children(self, session: Session, task: Task) -> None:
        refuse_open_children(session, task)

    def check_fields(self, session: Session, task: Task, now: datetime) -> None:
        clean_text(self.note, "note", required=True)

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        task.status, task.status_note = REJECTED, clean_text(self.note, "note")
