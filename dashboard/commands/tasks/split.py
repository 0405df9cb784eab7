"""Split a task received by a unit into child tasks for units below it (a county to its stations).

The children take the parent's kind, priority, title, instructions and links
unless given; their deadline is the rule's or the one given, never later than
the parent's.  Splitting acknowledges and starts the parent, which then
shows its children's progress and completes when they are all done.  A unit
that already has an unfinished child of this parent is refused, and so is a
unit that could not open the parent's linked warning or case (the children
carry the parent's links).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth.scope import scope_of
from dashboard.auth.task_access import MANAGE, may_split
from dashboard.commands.tasks.base import TaskCommand, clean_text
from dashboard.commands.tasks.creation import (
    Receiver,
    check_deadline,
    check_reach,
    check_title,
    instructions_text,
    new_task,
    receivers_of,
    resolve_targets,
)
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.commands.tasks.reject import open_children_units
from dashboard.domain import OrgUnit
from dashboard.domain.task_rules import rule_for
from dashboard.domain.tasks import ACKNOWLEDGED, ASSIGNED, IN_PROGRESS, Task


@dataclass
class Split(TaskCommand):
    target_units: Sequence = ()
    deadline: datetime | None = None
    title: str | None = None
    instructions: str | None = None
    _checked: dict = field(default_factory=dict, repr=False)
    children: list[Task] = field(default_factory=list, init=False, repr=False)

    action = "split"
    permission = MANAGE
    from_statuses = frozenset({ASSIGNED, ACKNOWLEDGED, IN_PROGRESS})

    def check_actor(self, session: Session, task: Task) -> None:
        if not may_split(self.actor, task):
            raise TaskInvalid("actor", "task.error.not_target", action=self.action)

    def check_fields(self, session: Session, task: Task, now: datetime) -> None:
        unit = session.get(OrgUnit, task.target_unit_id)
        targets = resolve_targets(session, self.target_units, unit)
        taken = open_children_units(session, task)
        if any(target.id in taken for target in targets):
            raise TaskInvalid("target_units", "task.error.already_split")
        issuer = Receiver((self.actor.display_name,) * 2, scope_of(session, self.actor))
        check_reach(session, task.warning_id, task.case_id,
                    [issuer, *receivers_of(session, targets, None)], field="target_units")
        _, default = rule_for(task.kind, task.priority).deadlines(now)
        deadline = check_deadline(self.deadline, now, task.deadline_at, default)
        title = check_title(self.title) if self.title else task.title
        instructions = (instructions_text(self.instructions) if self.instructions
                        else task.instructions)
        clean_text(self.note, "note")
        self._checked = {"unit": unit, "targets": targets, "deadline": deadline,
                         "title": title, "instructions": instructions}

    def apply(self, session: Session, task: Task, now: datetime) -> None:
        task.acknowledged_at = task.acknowledged_at or now
        task.started_at = task.started_at or now
        task.status = IN_PROGRESS

    def detail(self, task: Task) -> dict:
        return {"children": [unit.code for unit in self._checked["targets"]]}

    def after(self, session: Session, task: Task, now: datetime) -> None:
        checked = self._checked
        self.children = [
            new_task(session, actor=self.actor, issuing_unit=checked["unit"], target=target,
                     kind=task.kind, priority=task.priority, title=checked["title"],
                     instructions=checked["instructions"], deadline=checked["deadline"],
                     now=now, warning_id=task.warning_id, case_id=task.case_id, parent=task,
                     source_address=self.source_address)
            for target in checked["targets"]
        ]
