"""Issue a task to one or several units below the issuer's own: one task per target unit.

The deadline is the issuer's, or else the kind x priority rule's
(``data/tasks/deadline_rules.csv``); the acknowledgement window always comes
from the rule.  A named officer is possible only with a single target.  A
linked warning or case must lie in the issuer's scope and in the scope of
every receiving unit and of the named officer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth.scope import scope_of
from dashboard.auth.task_access import MANAGE
from dashboard.commands.tasks.base import require_permission
from dashboard.commands.tasks.creation import (
    check_assignee,
    check_deadline,
    check_kind_priority,
    check_links,
    check_title,
    instructions_text,
    new_task,
    receivers_of,
    resolve_targets,
)
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.domain import OrgUnit
from dashboard.domain.base import now_local
from dashboard.domain.task_rules import rule_for
from dashboard.domain.tasks import Task


@dataclass
class IssueTask:
    actor: object
    kind: str
    priority: str
    title: str
    target_units: Sequence = ()
    instructions: str | None = None
    deadline: datetime | None = None
    assignee_id: int | None = None
    warning_id: int | None = None
    case_id: int | None = None
    source_address: str | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    def validate(self, session: Session, now: datetime | None = None) -> dict:
        """Raise for the first wrong field, in form order; return the checked values."""
        now = (now or now_local()).replace(microsecond=0)
        require_permission(session, self.actor, MANAGE, "task:new", self.source_address)
        unit_id = getattr(self.actor, "unit_id", None)
        issuing_unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
        if issuing_unit is None:
            raise TaskInvalid("actor", "task.error.no_unit")
        check_kind_priority(session, self.kind, self.priority)
        title = check_title(self.title)
        instructions = instructions_text(self.instructions)
        targets = resolve_targets(session, self.target_units, issuing_unit)
        _, default = rule_for(self.kind, self.priority).deadlines(now)
        deadline = check_deadline(self.deadline, now, None, default)
        assignee = check_assignee(session, self.assignee_id, targets)
        warning_id, case_id = check_links(session, scope_of(session, self.actor), self.actor,
                                          self.warning_id, self.case_id, self.source_address,
                                          receivers_of(session, targets, assignee))
        self._checked = {"issuing_unit": issuing_unit, "title": title,
                         "instructions": instructions, "targets": targets, "deadline": deadline,
                         "assignee": assignee, "warning_id": warning_id, "case_id": case_id}
        return self._checked

    def run(self, session: Session, now: datetime | None = None) -> list[Task]:
        """The new tasks, one per target unit; the caller commits."""
        now = (now or now_local()).replace(microsecond=0)
        checked = self.validate(session, now)
        return [
            new_task(session, actor=self.actor, issuing_unit=checked["issuing_unit"],
                     target=target, kind=self.kind, priority=self.priority,
                     title=checked["title"], instructions=checked["instructions"],
                     deadline=checked["deadline"], now=now, assignee=checked["assignee"],
                     warning_id=checked["warning_id"], case_id=checked["case_id"],
                     source_address=self.source_address)
            for target in checked["targets"]
        ]
