"""Who may see a task and which side of it a user is on.

- *Seeing*: a task is visible to a user whose scope holds its issuing unit or
  its target unit (``visible_condition``); any other id is "not found", with
  an ``access_denied`` audit row (``task_in_scope``).
- *Target side* (acknowledge, start, complete, reject): users of the target
  unit itself whose role has ``work_tasks``.
- *Issuer side* (cancel, re-assign): users with ``manage_tasks`` whose scope
  holds the issuing unit: its own commanders and those of any unit above it.
- *Splitting* a task to the units below: users with ``manage_tasks`` of the
  target unit itself.
- *Issuing*: users with ``manage_tasks``, to units strictly below their own.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed
from dashboard.auth.records import record_in_scope
from dashboard.auth.scope import Scope, scope_of
from dashboard.domain.tasks import Task

VIEW, MANAGE, WORK = "view_tasks", "manage_tasks", "work_tasks"


def visible_condition(scope: Scope) -> ColumnElement[bool]:
    """SQL: the task was issued by or sent to a unit of ``scope``."""
    return or_(scope.unit_condition(Task.issuing_unit_id), scope.unit_condition(Task.target_unit_id))


def task_in_scope(session: Session, scope: Scope, task_id, *, user,
                  source_address: str | None = None) -> Task:
    """The task ``task_id`` if ``scope`` may see it; else audit and raise ``NotFound``."""
    return record_in_scope(session, "task", Task, task_id, visible_condition(scope), user=user,
                           source_address=source_address)


def unit_of(user) -> int | None:
    return getattr(user, "unit_id", None)


def on_target_side(user, task: Task) -> bool:
    """True when ``user`` works in the task's target unit and may work on tasks."""
    return unit_of(user) is not None and unit_of(user) == task.target_unit_id and allowed(user, WORK)


def on_issuer_side(session: Session, user, task: Task) -> bool:
    """True when ``user`` commands the issuing unit or a unit above it."""
    if not allowed(user, MANAGE):
        return False
    return scope_of(session, user).contains_unit(session, task.issuing_unit_id)


def may_split(user, task: Task) -> bool:
    """True when ``user`` commands the task's target unit (and so may split it further down)."""
    return unit_of(user) is not None and unit_of(user) == task.target_unit_id and allowed(user, MANAGE)
