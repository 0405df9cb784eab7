"""The task board's queries: a unit's inbox and outbox, children's progress, what waits for a user,
and open tasks by precinct.  Plain functions of a session, a user and a scope; no Flask or Dash.

Boxes: ``inbox`` holds tasks sent to the user's unit, ``outbox`` the tasks it
issued, ``scope`` every task the user may see (issued by or sent to a unit of
their subtree).  Rows come overdue first, then escalated, then by deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from dashboard.auth.permissions import allowed
from dashboard.auth.scope import PATH_SEPARATOR, Scope
from dashboard.auth.task_access import MANAGE, VIEW, WORK, visible_condition
from dashboard.domain import OrgUnit
from dashboard.domain.tasks import (
    CANCELLED,
    DONE,
    FINAL,
    NOT_FINAL,
    OPEN,
    REJECTED,
    STATUSES,
    Task,
    overdue_condition,
)

BOXES = ("inbox", "outbox", "scope")
STATUS_FILTERS = ("open", "final", "all", *STATUSES)
FLAGS = ("overdue", "escalated")
LEVEL_DEPTH = {"city": 1, "county": 2, "station": 3}
COLUMNS = ["id", "title", "kind", "priority", "status", "parent_id", "version",
           "issuing_unit_id", "issuing_zh", "issuing_en", "target_unit_id", "target_zh",
           "target_en", "created_at", "ack_deadline_at", "deadline_at", "closed_at",
           "escalated_for", "overdue", "children_done", "children_total"]


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: a box, a status group or status, a kind, a priority, a flag."""

    box: str = "inbox"
    status: str = "open"
    kind: str | None = None
    priority: str | None = None
    flag: str | None = None

    def cleaned(self) -> BoardFilter:
        """Unknown values from the browser fall back to the defaults."""
        return BoardFilter(self.box if self.box in BOXES else "inbox",
                           self.status if self.status in STATUS_FILTERS else "open",
                           self.kind or None, self.priority or None,
                           self.flag if self.flag in FLAGS else None)


def _status_condition(status: str):
    if status == "open":
        return Task.status.in_(NOT_FINAL)
    if status == "final":
        return Task.status.in_(FINAL)
    if status == "all":
        return None
    return Task.status == status


def board_rows(session: Session, user, scope: Scope, now: datetime, board: BoardFilter,
               limit: int = 300) -> pd.DataFrame:
    """The rows of one box of the board for ``user`` (columns: ``COLUMNS``)."""
    board = board.cleaned()
    unit_id = getattr(user, "unit_id", None)
    if scope.is_empty or unit_id is None or not allowed(user, VIEW):
        return pd.DataFrame(columns=COLUMNS)
    issuing, target = aliased(OrgUnit), aliased(OrgUnit)
    overdue = overdue_condition(now)
    stmt = (select(Task.id, Task.title, Task.kind, Task.priority, Task.status, Task.parent_id,
                   Task.version, Task.issuing_unit_id, issuing.name_zh, issuing.name_en,
                   Task.target_unit_id, target.name_zh, target.name_en, Task.created_at,
                   Task.ack_deadline_at, Task.deadline_at, Task.closed_at, Task.escalated_for,
                   case((overdue, True), else_=False))
            .join(issuing, issuing.id == Task.issuing_unit_id)
            .join(target, target.id == Task.target_unit_id)
            .where(visible_condition(scope)))
    if board.box == "inbox":
        stmt = stmt.where(Task.target_unit_id == unit_id)
    elif board.box == "outbox":
        stmt = stmt.where(Task.issuing_unit_id == unit_id)
    status = _status_condition(board.status)
    if status is not None:
        stmt = stmt.where(status)
    if board.kind:
        stmt = stmt.where(Task.kind == board.kind)
    if board.priority:
        stmt = stmt.where(Task.priority == board.priority)
    if board.flag == "overdue":
        stmt = stmt.where(overdue)
    elif board.flag == "escalated":
        stmt = stmt.where(Task.escalated_at.is_not(None), Task.status.in_(OPEN))
    stmt = stmt.order_by(case((overdue, 0), else_=1),
                         case((and_(Task.escalated_at.is_not(None), Task.status.in_(OPEN)), 0),
                              else_=1),
                         case((Task.status.in_(FINAL), 1), else_=0),
                         Task.deadline_at, Task.id).limit(limit)
    rows = session.execute(stmt).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=COLUMNS[:-2])
    frame["escalated_for"] = frame["escalated_for"].astype(object).where(
        frame["escalated_for"].notna(), None)
    progress = children_progress(session, frame["id"].tolist())
    frame["children_done"] = [progress.get(i, (0, 0))[0] for i in frame["id"]]
    frame["children_total"] = [progress.get(i, (0, 0))[1] for i in frame["id"]]
    return frame


def children_progress(session: Session, parent_ids: list[int]) -> dict[int, tuple[int, int]]:
    """``{parent id: (children done, children not cancelled)}`` for parents that have children."""
    if not parent_ids:
        return {}
    rows = session.execute(
        select(Task.parent_id, func.sum(case((Task.status == DONE, 1), else_=0)),
               func.sum(case((Task.status != CANCELLED, 1), else_=0)))
        .where(Task.parent_id.in_([int(i) for i in parent_ids])).group_by(Task.parent_id)).all()
    return {parent: (int(done or 0), int(total or 0)) for parent, done, total in rows}


def waiting_condition(user):
    """SQL: tasks waiting for ``user`` to act (see ``waiting_count``); None if none can."""
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None:
        return None
    parts = []
    child = aliased(Task)
    if allowed(user, WORK):
        mine = or_(Task.assignee_id.is_(None), Task.assignee_id == getattr(user, "id", None))
        parts.append(and_(Task.target_unit_id == unit_id, Task.status.in_((
            "assigned", "acknowledged", "in_progress")), mine,
            ~Task.id.in_(select(child.parent_id).where(child.parent_id.is_not(None),
                                                       child.status.in_(NOT_FINAL)))))
    if allowed(user, MANAGE):
        parts.append(and_(Task.issuing_unit_id == unit_id, or_(
            Task.status == REJECTED, and_(Task.escalated_at.is_not(None), Task.status.in_(OPEN)))))
    return or_(*parts) if parts else None


def waiting_count(session: Session, user) -> int:
    """Tasks waiting for ``user``: open tasks sent to their unit (to them or to nobody by name)
    that they have not split further, and, for commanders, their unit's tasks that came back
    rejected or were escalated."""
    condition = waiting_condition(user)
    if condition is None:
        return 0
    return int(session.scalar(select(func.count()).select_from(Task).where(condition)) or 0)


def open_by_precinct(session: Session, scope: Scope, now: datetime, level: str) -> pd.DataFrame:
    """Open tasks in ``scope`` counted at the ``level`` unit they were sent to or below.

    Columns: unit_id, name_zh, name_en, centroid_lon, centroid_lat, value (open tasks),
    overdue, escalated.  Every unit of ``level`` in scope is listed.
    """
    depth = LEVEL_DEPTH[level]
    units = pd.DataFrame(session.execute(scope.filter_org_units(
        select(OrgUnit.id, OrgUnit.path, OrgUnit.name_zh, OrgUnit.name_en, OrgUnit.centroid_lon,
               OrgUnit.centroid_lat).where(OrgUnit.level == level)).order_by(OrgUnit.code)).all(),
        columns=["unit_id", "path", "name_zh", "name_en", "centroid_lon", "centroid_lat"])
    target = aliased(OrgUnit)
    tasks = pd.DataFrame(session.execute(
        select(target.path, case((overdue_condition(now), 1), else_=0),
               case((Task.escalated_at.is_not(None), 1), else_=0))
        .join(target, target.id == Task.target_unit_id)
        .where(Task.status.in_(OPEN), scope.unit_condition(Task.target_unit_id))).all(),
        columns=["path", "overdue", "escalated"])
    tasks["path"] = tasks["path"].map(lambda p: PATH_SEPARATOR.join(p.split(PATH_SEPARATOR)[:depth]))
    counts = tasks.groupby("path").agg(value=("overdue", "size"), overdue=("overdue", "sum"),
                                       escalated=("escalated", "sum")).reset_index()
    out = units.merge(counts, on="path", how="left").drop(columns="path")
    for column in ("value", "overdue", "escalated"):
        out[column] = out[column].fillna(0).astype(int)
    return out
