"""Tasks sent down the command chain, and the timeline of each.

A ``Task`` goes from an issuing unit (and the user who issued it) to a target
unit, optionally to a named officer there::

    assigned -> acknowledged -> in_progress -> done
    side paths: rejected (back to the issuer, with a reason), cancelled

``done`` and ``cancelled`` are final.  *Overdue* is derived (the deadline has
passed and the task is still open), never stored.  *Escalated* is a flag, not
a status: a task left unacknowledged past ``ack_deadline_at``, or overdue, is
flagged to the issuing unit's commanders (``escalated_at``, ``escalated_for``)
and keeps its status, so the target can still acknowledge and finish it and
the timeline shows that it was late.

A county that received a task may split it to its stations: the children
point at it with ``parent_id``, have deadlines no later than its own, and the
parent completes when every child that was not cancelled is done.

``version`` is bumped by every change; a command refuses to act on a version
older than the stored one ("changed by X at T"), so no update is lost.  Each
change writes a ``TaskEvent``: who, when, from which status to which, a note.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.domain.base import Base, LocalDateTime
from dashboard.domain.org import OrgUnit
from dashboard.domain.personal_data import EncryptedText
from dashboard.domain.users import User

ASSIGNED, ACKNOWLEDGED, IN_PROGRESS, DONE = "assigned", "acknowledged", "in_progress", "done"
REJECTED, CANCELLED = "rejected", "cancelled"
STATUSES = (ASSIGNED, ACKNOWLEDGED, IN_PROGRESS, DONE, REJECTED, CANCELLED)
FINAL = frozenset({DONE, CANCELLED})
OPEN = frozenset({ASSIGNED, ACKNOWLEDGED, IN_PROGRESS})  # work the target still owes
NOT_FINAL = (ASSIGNED, ACKNOWLEDGED, IN_PROGRESS, REJECTED)

# why a task was escalated
UNACKNOWLEDGED, OVERDUE = "unacknowledged", "overdue"

# the free text of tasks is encrypted at rest (people write names and addresses in it)
TEXT_PURPOSES = {"title": "tasks.title", "instructions": "tasks.instructions",
                 "status_note": "tasks.status_note", "result_note": "tasks.result_note"}
EVENT_NOTE = "task_events.note"


class Task(Base):
    """One task from an issuing unit to a target unit (see the module doc)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_target_status", "target_unit_id", "status"),
        Index("ix_tasks_issuing_status", "issuing_unit_id", "status"),
        Index("ix_tasks_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(ForeignKey("task_kinds.code"))
    priority: Mapped[str] = mapped_column(ForeignKey("task_priorities.code"))
    title: Mapped[str] = mapped_column(EncryptedText(purpose=TEXT_PURPOSES["title"]))
    instructions: Mapped[str] = mapped_column(EncryptedText(purpose=TEXT_PURPOSES["instructions"]),
                                              default="")

    issuing_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), doc="The user who issued it; empty for generated history")
    target_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True, doc="A named officer of the target unit, if any")
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warning_keys.warning_id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)

    status: Mapped[str] = mapped_column(String(20), default=ASSIGNED)
    status_note: Mapped[str | None] = mapped_column(
        EncryptedText(purpose=TEXT_PURPOSES["status_note"]),
        doc="The reason of the last rejection or cancellation")
    created_at: Mapped[datetime] = mapped_column(LocalDateTime, index=True)
    ack_deadline_at: Mapped[datetime] = mapped_column(LocalDateTime)
    deadline_at: Mapped[datetime] = mapped_column(LocalDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    started_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(
        LocalDateTime, doc="When it was done or cancelled")
    escalated_at: Mapped[datetime | None] = mapped_column(LocalDateTime)
    escalated_for: Mapped[str | None] = mapped_column(
        String(20), doc="unacknowledged or overdue: the last reason it was escalated")

    result_reached: Mapped[bool | None] = mapped_column(Boolean, doc="Door visit: person reached")
    result_loss_avoided: Mapped[int | None] = mapped_column(BigInteger, doc="Yuan")
    result_people_reached: Mapped[int | None] = mapped_column(Integer, doc="Publicity")
    result_note: Mapped[str | None] = mapped_column(EncryptedText(purpose=TEXT_PURPOSES["result_note"]))

    version: Mapped[int] = mapped_column(Integer, default=1)

    issuing_unit: Mapped[OrgUnit] = relationship(foreign_keys=[issuing_unit_id])
    target_unit: Mapped[OrgUnit] = relationship(foreign_keys=[target_unit_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    parent: Mapped[Task | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Task]] = relationship(back_populates="parent", order_by="Task.id")
    events: Mapped[list[TaskEvent]] = relationship(
        back_populates="task", order_by="TaskEvent.id")

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.kind} {self.status} v{self.version}>"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def is_overdue(self, now: datetime) -> bool:
        """Past its deadline and neither done nor cancelled."""
        return self.status not in FINAL and self.deadline_at < now

    def done_late(self) -> bool:
        return self.status == DONE and self.closed_at is not None and self.closed_at > self.deadline_at

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """SQL: the task is past its deadline and neither done nor cancelled."""
    return and_(Task.status.not_in(FINAL), Task.deadline_at < now)


def unacknowledged_condition(now: datetime) -> ColumnElement[bool]:
    """SQL: still only assigned after its acknowledgement window."""
    return and_(Task.status == ASSIGNED, Task.ack_deadline_at < now)


class TaskEvent(Base):
    """One step of a task's timeline: who did what, when, from which status to which.

    ``actor_id`` is empty for the system (the escalation job, a parent
    completing with its children); ``unit_id`` is the target unit after the
    step (it changes when a task is re-assigned).
    """

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(LocalDateTime)
    action: Mapped[str] = mapped_column(String(20), doc="issue, acknowledge, ..., escalate")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    note: Mapped[str | None] = mapped_column(EncryptedText(purpose=EVENT_NOTE))

    task: Mapped[Task] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
