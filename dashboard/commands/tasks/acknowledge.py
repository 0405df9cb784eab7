"""Acknowledge a task: the target unit confirms it has received it (``assigned -> acknowledged``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.commands.tasks.sides import TargetStep
from dashboard.domain.tasks import ACKNOWLEDGED, ASSIGNED, Task


class Acknowledge(TargetStep):
    action = "acknowledge"
    from_statuses = frozenset({ASSIGNED})

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        task.status, task.acknowledged_at = ACKNOWLEDGED, now
