"""What every command on one task shares: find it, check who and what, claim it, record the step.

A command on an existing task is a dataclass with the acting user (``None``
for the system: the escalation job, a parent completing with its children),
the task id and the ``version`` the user saw.  ``validate`` checks, in this
order, and raises:

1. ``PermissionDenied`` when the role lacks the command's permission,
2. ``NotFound`` when the task is not in the user's scope (both audited),
3. ``TaskChanged`` when ``version`` is older than the stored one,
4. ``TaskInvalid("actor", ...)`` when the user is on the wrong side of the task,
5. ``TaskInvalid("status", ...)`` when the task's status (or its open children) does
   not allow the step,
6. ``TaskInvalid(<field>, ...)`` for the command's own fields.

``run`` then *claims* the task (``UPDATE ... SET version = version + 1 WHERE
version = <read>``): of two transactions acting on the same version only one
matches a row, the other gets ``TaskChanged`` and its transaction stays
usable.  The step is written as a ``TaskEvent`` and an audit row; the caller
commits.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, allowed
from dashboard.auth.records import NotFound, object_name, parse_id
from dashboard.auth.scope import scope_of
from dashboard.auth.task_access import task_in_scope
from dashboard.commands.tasks.errors import TaskChanged, TaskInvalid
from dashboard.domain.base import now_local
from dashboard.domain.tasks import Task, TaskEvent
from dashboard.domain.text import has_control_characters, has_personal_number
from dashboard.domain.users import User

SYSTEM = "system:tasks"  # the audit log's name for steps the system takes
NOTE_MAX = 2000
TIME_FORMAT = "%Y-%m-%d %H:%M"


def actor_id(actor) -> int | None:
    return getattr(actor, "id", None) if actor is not None else None


def clean_text(value: str | None, field_name: str, *, required: bool = False,
               limit: int = NOTE_MAX) -> str | None:
    """Blank-trimmed text, ``None`` when empty; refuse missing required text, text too long, and
    text with a phone, ID or bank account number in it (everyone who sees the task reads it)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise TaskInvalid(field_name, "task.error.required")
        return None
    if len(text) > limit:
        raise TaskInvalid(field_name, "task.error.too_long", max=limit)
    if has_control_characters(text):
        raise TaskInvalid(field_name, "task.error.control_characters")
    if has_personal_number(text):
        raise TaskInvalid(field_name, "task.error.personal_number")
    return text


def last_change(session: Session, task_id: int) -> tuple[str | None, datetime | None]:
    """Display name of whoever made the task's latest step (None: the system) and when."""
    row = session.execute(
        select(User.display_name, TaskEvent.at).outerjoin(User, User.id == TaskEvent.actor_id)
        .where(TaskEvent.task_id == task_id).order_by(TaskEvent.id.desc()).limit(1)
    ).first()
    return (row.display_name, row.at) if row else (None, None)


def changed_error(session: Session, task_id: int) -> TaskChanged:
    by, at = last_change(session, task_id)
    return TaskChanged(task_id, by, at.strftime(TIME_FORMAT) if at else "")


def claim(session: Session, task: Task) -> None:
    """Bump the stored version if it is still the one read; else raise ``TaskChanged``."""
    bumped = session.execute(
        update(Task).where(Task.id == task.id, Task.version == task.version)
        .values(version=Task.version + 1).execution_options(synchronize_session=False))
    if bumped.rowcount != 1:
        session.expire(task)
        raise changed_error(session, task.id)
    set_committed_value(task, "version", task.version + 1)


def record_step(session: Session, task: Task, *, action: str, from_status: str | None, actor,
                now: datetime, note: str | None = None, source_address: str | None = None,
                detail: Mapping | None = None) -> TaskEvent:
    """Write the ``TaskEvent`` and the audit row of one step (personal data stays out of the log)."""
    event = TaskEvent(task_id=task.id, at=now, action=action, from_status=from_status,
                      to_status=task.status, actor_id=actor_id(actor), unit_id=task.target_unit_id,
                      note=note)
    session.add(event)
    audit.record(session, user=actor if actor is not None else SYSTEM, action=audit.TASK_CHANGED,
                 object=f"task:{task.id}", source_address=source_address, at=now,
                 detail={"step": action, "from": from_status, "to": task.status, **(detail or {})})
    return event


def require_permission(session: Session, actor, permission: str, object_: str,
                       source_address: str | None = None) -> None:
    """Raise ``PermissionDenied`` (and audit it) unless the actor's role has ``permission``."""
    if not allowed(actor, permission):
        audit.record(session, user=actor, action=audit.ACCESS_DENIED, object=object_,
                     outcome=audit.DENIED, source_address=source_address,
                     detail={"want": permission})
        raise PermissionDenied(permission)


@dataclass
class TaskCommand(ABC):
    """One step on one task; subclasses set the class variables and ``apply``."""

    actor: object
    task_id: int
    version: int | None = None
    note: str | None = None
    source_address: str | None = None
    _task: Task | None = field(default=None, repr=False)

    action: ClassVar[str] = ""
    permission: ClassVar[str | None] = None  # None: the system only
    from_statuses: ClassVar[frozenset[str]] = frozenset()

    def find(self, session: Session) -> Task:
        """The task, checked against the actor's permission and scope."""
        if self.actor is None:
            if self.permission is not None:
                raise PermissionDenied(self.permission)
            number = parse_id(self.task_id)
            task = session.get(Task, number) if number is not None else None
            if task is None:
                raise NotFound("task", number)
            return task
        if self.permission is None:
            raise PermissionDenied(self.action)
        require_permission(session, self.actor, self.permission, object_name("task", self.task_id),
                           self.source_address)
        return task_in_scope(session, scope_of(session, self.actor), self.task_id,
                             user=self.actor, source_address=self.source_address)

    def check_version(self, session: Session, task: Task) -> None:
        if self.version is not None and int(self.version) != task.version:
            raise changed_error(session, task.id)

    def check_actor(self, session: Session, task: Task) -> None:  # noqa: B027 - an optional hook
        """Raise ``TaskInvalid("actor", ...)`` when the actor is on the wrong side of the task."""

    def check_state(self, task: Task, now: datetime) -> None:
        if task.status not in self.from_statuses:
            raise TaskInvalid("status", "task.error.status", status=task.status, action=self.action)

    def check_children(self, session: Session, task: Task) -> None:  # noqa: B027 - an optional hook
        """Raise ``TaskInvalid("status", ...)`` when the task's children forbid the step."""

    def check_fields(self, session: Session, task: Task, now: datetime) -> None:  # noqa: B027 - an optional hook
        """Raise ``TaskInvalid(field, ...)`` for a value of the command that is wrong."""

    def validate(self, session: Session, now: datetime | None = None) -> Task:
        now = now or now_local()
        task = self.find(session)
        self.check_version(session, task)
        self.check_actor(session, task)
        self.check_state(task, now)
        self.check_children(session, task)
        self.check_fields(session, task, now)
        self._task = task
        return task

    def possible(self, session: Session, task: Task, now: datetime) -> bool:
        """True when the actor could take this step on ``task`` now (for offering the button)."""
        if self.permission is None or not allowed(self.actor, self.permission):
            return False
        try:
            self.check_actor(session, task)
            self.check_state(task, now)
            self.check_children(session, task)
        except TaskInvalid:
            return False
        return True

    @abstractmethod
    def apply(self, session: Session, task: Task, now: datetime) -> None:
        """Change the task (it is claimed); each kind of step does its own work."""

    def after(self, session: Session, task: Task, now: datetime) -> None:  # noqa: B027 - an optional hook
        """Consequences once the step is recorded (a parent completing, children cancelled)."""

    def detail(self, task: Task) -> dict:
        return {}

    def run(self, session: Session, now: datetime | None = None) -> Task:
        """Validate, claim, change, record; the caller commits."""
        now = (now or now_local()).replace(microsecond=0)
        task = self.validate(session, now)
        from_status = task.status
        claim(session, task)
        self.apply(session, task, now)
        session.flush()
        record_step(session, task, action=self.action, from_status=from_status, actor=self.actor,
                    now=now, note=clean_text(self.note, "note"),
                    source_address=self.source_address, detail=self.detail(task))
        self.after(session, task, now)
        return task
