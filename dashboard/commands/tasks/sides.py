"""The two sides of a task as command bases: the target unit's, and the issuer's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dashboard.auth.task_access import MANAGE, WORK, on_issuer_side, on_target_side
from dashboard.commands.tasks.base import TaskCommand
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.domain.tasks import Task


class TargetStep(TaskCommand):
    """A step only users of the target unit take (acknowledge, start, complete, reject)."""

    permission = WORK

    def check_actor(self, session: Session, task: Task) -> None:
        if not on_target_side(self.actor, task):
            raise TaskInvalid("actor", "task.error.not_target", action=self.action)


class IssuerStep(TaskCommand):
    """A step only the issuing unit's commanders, or those above them, take (cancel, re-assign)."""

    permission = MANAGE

    def check_actor(self, session: Session, task: Task) -> None:
        if not on_issuer_side(session, self.actor, task):
            raise TaskInvalid("actor", "task.error.not_issuer", action=self.action)
