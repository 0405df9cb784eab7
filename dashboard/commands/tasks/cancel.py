"""Cancel a task (the issuing unit's commanders, or those above): it and its unfinished children.

A cancelled child may leave every remaining sibling done: the parent then
completes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.commands.tasks.base import clean_text
from dashboard.commands.tasks.children import cancel_children, complete_finished_parents
from dashboard.commands.tasks.sides import IssuerStep
from dashboard.domain.tasks import CANCELLED, NOT_FINAL, Task


class Cancel(IssuerStep):
    action = "cancel"
    from_statuses = frozenset(NOT_FINAL)

    def check_fields(self, session: Session, task: Task, now: datetime) -> None:
        clean_text(self.note, "note")

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        task.status, task.closed_at = CANCELLED, now
        task.status_note = clean_text(self.note, "note")

    def after(self, session: Session, task: Task, now: datetime) -> None:
        cancel_children(session, task, self.actor, now, self.source_address)
        complete_finished_parents(session, task, now, self.source_address)
