"""Complete a task and report back its result (``acknowledged`` or ``in_progress -> done``).

The figures a kind records are data (``task_kinds.csv``: ``records_reached``,
``records_loss_avoided``, ``records_people_reached``): each is required for
such a kind and refused for any other.  A parent whose children are still
open cannot be completed by hand; it completes with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.commands.tasks.base import clean_text
from dashboard.commands.tasks.children import complete_finished_parents
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.commands.tasks.reject import refuse_open_children
from dashboard.commands.tasks.sides import TargetStep
from dashboard.domain.reference import TaskKind
from dashboard.domain.tasks import ACKNOWLEDGED, DONE, IN_PROGRESS, Task

MAX_YUAN = 10**11
MAX_PEOPLE = 10**8


def _whole_number(value, field_name: str, maximum: int) -> int:
    if isinstance(value, bool):
        raise TaskInvalid(field_name, "task.error.number", max=maximum)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise TaskInvalid(field_name, "task.error.number", max=maximum) from None
    if not 0 <= number <= maximum:
        raise TaskInvalid(field_name, "task.error.number", max=maximum)
    return number


def _flag(value, field_name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes"}:
        return True
    if text in {"0", "false", "no"}:
        return False
    raise TaskInvalid(field_name, "task.error.required")


@dataclass
class Complete(TargetStep):
    reached: bool | str | None = None
    loss_avoided: int | str | None = None
    people_reached: int | str | None = None

    action = "complete"
    from_statuses = frozenset({ACKNOWLEDGED, IN_PROGRESS})

    def results(self, kind: TaskKind) -> dict:
        """The result columns, checked against what ``kind`` records."""
        fields = (("reached", kind.records_reached, lambda v: _flag(v, "reached")),
                  ("loss_avoided", kind.records_loss_avoided,
                   lambda v: _whole_number(v, "loss_avoided", MAX_YUAN)),
                  ("people_reached", kind.records_people_reached,
                   lambda v: _whole_number(v, "people_reached", MAX_PEOPLE)))
        values = {}
        for name, recorded, parse in fields:
            raw = getattr(self, name)
            given = raw is not None and str(raw).strip() != ""
            if recorded and not given:
                raise TaskInvalid(name, "task.error.required")
            if not recorded and given:
                raise TaskInvalid(name, "task.error.not_recorded")
            values[f"result_{name}"] = parse(raw) if given else None
        return values

    def check_children(self, session: Session, task: Task) -> None:
        refuse_open_children(session, task)

    def check_fields(self, session: Session, task: Task, now: datetime) -> None:
        self.results(session.get(TaskKind, task.kind))
        clean_text(self.note, "note")

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        for column, value in self.results(session.get(TaskKind, task.kind)).items():
            setattr(task, column, value)
        task.result_note = clean_text(self.note, "note")
        task.status, task.closed_at = DONE, now

    def detail(self, task: Task) -> dict:
        return {"late": task.closed_at > task.deadline_at}

    def after(self, session: Session, task: Task, now: datetime) -> None:
        complete_finished_parents(session, task, now, self.source_address)
