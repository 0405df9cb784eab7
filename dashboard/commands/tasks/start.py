"""Start work on a task (``assigned`` or ``acknowledged -> in_progress``).

Starting an unacknowledged task acknowledges it at the same moment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.commands.tasks.sides import TargetStep
from dashboard.domain.tasks import ACKNOWLEDGED, ASSIGNED, IN_PROGRESS, Task


class Start(TargetStep):
    action = "start"
    from_statuses = frozenset({ASSIGNED, ACKNOWLEDGED})

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        task.acknowledged_at = task.acknowledged_at or now
        task.status, task.started_at = IN_PROGRESS, now
