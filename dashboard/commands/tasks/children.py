"""What a step on a child does to its parent, and a parent's cancellation to its children.

A parent completes when every child that was not cancelled is done (and at
least one is): its result figures are the sums of its children's.  Siblings
finishing at the same moment in two transactions must not both miss that the
other finished, so the parent row is locked (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite lets one writer at a time) before its children are
counted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.tasks.base import claim, record_step
from dashboard.domain.tasks import CANCELLED, DONE, Task

CHILDREN_DONE = "children_done"
PARENT_CANCELLED = "parent_cancelled"


def locked(session: Session, task_id: int) -> Task:
    """The task re-read from the database with its row locked until the transaction ends."""
    return session.scalars(select(Task).where(Task.id == task_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def children_of(session: Session, task_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.parent_id == task_id).order_by(Task.id)
                                .execution_options(populate_existing=True)))


def _sum(values) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _take_results(parent: Task, children: list[Task]) -> None:
    done = [c for c in children if c.status == DONE]
    reached = [c.result_reached for c in done if c.result_reached is not None]
    parent.result_reached = any(reached) if reached else None
    parent.result_loss_avoided = _sum(c.result_loss_avoided for c in done)
    parent.result_people_reached = _sum(c.result_people_reached for c in done)


def complete_finished_parents(session: Session, child: Task, now: datetime,
                              source_address: str | None = None) -> list[Task]:
    """Complete the parent of ``child`` if all its children are finished, and so on upwards."""
    completed = []
    parent_id = child.parent_id
    while parent_id is not None:
        session.flush()
        parent = locked(session, parent_id)
        if parent.is_final:
            break
        children = children_of(session, parent.id)
        if not all(c.is_final for c in children) or not any(c.status == DONE for c in children):
            break
        from_status = parent.status
        claim(session, parent)
        parent.status, parent.closed_at = DONE, now
        parent.acknowledged_at = parent.acknowledged_at or now
        parent.started_at = parent.started_at or now
        _take_results(parent, children)
        session.flush()
        record_step(session, parent, action=CHILDREN_DONE, from_status=from_status, actor=None,
                    now=now, source_address=source_address,
                    detail={"children": len(children)})
        completed.append(parent)
        parent_id = parent.parent_id
    return completed


def cancel_children(session: Session, parent: Task, actor, now: datetime,
                    source_address: str | None = None) -> list[Task]:
    """Cancel every unfinished child (and theirs) of a cancelled ``parent``."""
    cancelled = []
    for child in children_of(session, parent.id):
        if child.is_final:
            continue
        from_status = child.status
        claim(session, child)
        child.status, child.closed_at, child.status_note = CANCELLED, now, parent.status_note
        session.flush()
        record_step(session, child, action=PARENT_CANCELLED, from_status=from_status, actor=actor,
                    now=now, source_address=source_address, detail={"parent": parent.id})
        cancelled.append(child)
        cancelled.extend(cancel_children(session, child, actor, now, source_address))
    return cancelled
