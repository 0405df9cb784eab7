"""Checks and the write shared by issuing a task and splitting one: targets, deadlines, links.

A task links a warning or a case only if everyone on it may open that record
on its own page: the issuer (``check_links``: else "not found", audited, as
the record's page answers) and every receiver, that is each receiving unit
(its users see its subtree) and the named officer (``check_reach``: else
refused, naming the receiver).  Issuing, splitting and re-assigning all check
both, so no path sets a link or a receiver that one side could not open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed
from dashboard.auth.records import (
    NotFound,
    case_in_scope,
    case_visible,
    parse_id,
    warning_in_scope,
    warning_visible,
)
from dashboard.auth.scope import PATH_SEPARATOR, Scope, scope_for_unit, scope_of
from dashboard.auth.task_access import WORK
from dashboard.commands.tasks.base import clean_text, record_step
from dashboard.commands.tasks.errors import TaskInvalid
from dashboard.domain import OrgUnit, User
from dashboard.domain.reference import TaskKind, TaskPriority
from dashboard.domain.task_rules import rule_for
from dashboard.domain.tasks import ASSIGNED, Task
from dashboard.domain.text import has_control_characters
from dashboard.domain.times import TimeRefused, to_shanghai

TITLE_MAX = 120
INSTRUCTIONS_MAX = 4000
LONGEST = timedelta(days=180)
MAX_TARGETS = 300
ISSUE = "issue"


def check_kind_priority(session: Session, kind: str | None, priority: str | None) -> None:
    if not kind or session.get(TaskKind, kind) is None:
        raise TaskInvalid("kind", "task.error.unknown")
    if not priority or session.get(TaskPriority, priority) is None:
        raise TaskInvalid("priority", "task.error.unknown")


def check_title(title: str | None) -> str:
    text = clean_text(title, "title", required=True, limit=TITLE_MAX)
    return " ".join(text.split())


def _unit(session: Session, ref) -> OrgUnit | None:
    if isinstance(ref, OrgUnit):
        return ref
    if isinstance(ref, int) and not isinstance(ref, bool):
        number = parse_id(ref)
        return session.get(OrgUnit, number) if number is not None else None
    code = str(ref or "").strip()
    if not code or len(code) > 32 or has_control_characters(code):
        return None
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def resolve_targets(session: Session, refs: Iterable, below: OrgUnit) -> list[OrgUnit]:
    """Active units named by id or code, each strictly below ``below``; at least one, no repeats."""
    refs = list(refs or [])
    if not refs:
        raise TaskInvalid("target_units", "task.error.no_target")
    if len(refs) > MAX_TARGETS:
        raise TaskInvalid("target_units", "task.error.too_many", max=MAX_TARGETS)
    units: list[OrgUnit] = []
    for ref in refs:
        unit = _unit(session, ref)
        if unit is None or not unit.path.startswith(below.path + PATH_SEPARATOR):
            raise TaskInvalid("target_units", "task.error.target_outside")
        if unit.retired_on is not None:
            raise TaskInvalid("target_units", "task.error.target_retired",
                              unit=(unit.name_zh, unit.name_en), day=unit.retired_on.isoformat())
        if unit not in units:
            units.append(unit)
    return units


def check_deadline(deadline: datetime | None, now: datetime, latest: datetime | None,
                   default: datetime) -> datetime:
    """The deadline asked for (or ``default``), after ``now`` and no later than ``latest``."""
    if deadline is None:
        return min(default, latest) if latest is not None else default
    try:  # the bounds of every recorded time: a time zone, a Shanghai time, not before 2000
        deadline = to_shanghai(deadline, "deadline").replace(microsecond=0)
    except TimeRefused as refused:
        raise TaskInvalid("deadline", "task.error.deadline_past" if refused.code == "too_early"
                          else "task.error.deadline_format") from None
    if deadline <= now:
        raise TaskInvalid("deadline", "task.error.deadline_past")
    if deadline > now + LONGEST:
        raise TaskInvalid("deadline", "task.error.deadline_far", days=LONGEST.days)
    if latest is not None and deadline > latest:
        raise TaskInvalid("deadline", "task.error.deadline_after_parent")
    return deadline


def check_assignee(session: Session, assignee_id, targets: list[OrgUnit]) -> User | None:
    """A named officer: an active user of the (single) target unit who may work on tasks."""
    if assignee_id in (None, ""):
        return None
    number = parse_id(assignee_id)
    user = session.get(User, number) if number is not None else None
    if (len(targets) != 1 or user is None or user.unit_id != targets[0].id
            or not allowed(user, WORK)):
        raise TaskInvalid("assignee_id", "task.error.assignee")
    return user


@dataclass(frozen=True)
class Receiver:
    """Who gets a task, as the scope they see: a receiving unit, or the named officer."""

    name: tuple[str, str]  # (zh, en), for the message that names them
    scope: Scope


def receivers_of(session: Session, targets: Sequence[OrgUnit], assignee: User | None) -> list[Receiver]:
    """Each target unit's subtree, and the named officer's own scope."""
    receivers = [Receiver((unit.name_zh, unit.name_en), scope_for_unit(unit)) for unit in targets]
    if assignee is not None:
        receivers.append(Receiver((assignee.display_name,) * 2, scope_of(session, assignee)))
    return receivers


def check_reach(session: Session, warning_id: int | None, case_id: int | None,
                receivers: Sequence[Receiver], field: str | None = None) -> None:
    """Refuse unless every receiver may open the linked warning and case.

    ``field``: the field the refusal names (default the link's own: ``warning_id``,
    ``case_id``); splitting and re-assigning name ``target_units``.
    """
    for receiver in receivers:
        if warning_id is not None and warning_visible(session, receiver.scope, warning_id) is None:
            raise TaskInvalid(field or "warning_id", "task.error.warning_out_of_reach",
                              receiver=receiver.name)
        if case_id is not None and case_visible(session, receiver.scope, case_id) is None:
            raise TaskInvalid(field or "case_id", "task.error.case_out_of_reach",
                              receiver=receiver.name)


def check_links(session: Session, scope: Scope, actor, warning_id, case_id,
                source_address: str | None,
                receivers: Sequence[Receiver] = ()) -> tuple[int | None, int | None]:
    """The linked warning and case ids: each in the actor's scope, each one every receiver may open."""
    warning = case = None
    if warning_id not in (None, ""):
        try:
            warning = warning_in_scope(session, scope, warning_id, user=actor,
                                       source_address=source_address).id
        except NotFound:
            raise TaskInvalid("warning_id", "task.error.not_found") from None
    if case_id not in (None, ""):
        try:
            case = case_in_scope(session, scope, case_id, user=actor,
                                 source_address=source_address).id
        except NotFound:
            raise TaskInvalid("case_id", "task.error.not_found") from None
    check_reach(session, warning, case, receivers)
    return warning, case


def new_task(session: Session, *, actor, issuing_unit: OrgUnit, target: OrgUnit, kind: str,
             priority: str, title: str, instructions: str | None, deadline: datetime,
             now: datetime, assignee: User | None = None, warning_id: int | None = None,
             case_id: int | None = None, parent: Task | None = None, note: str | None = None,
             source_address: str | None = None) -> Task:
    """Write one assigned task, its ``issue`` event and audit row."""
    ack_deadline, _ = rule_for(kind, priority).deadlines(now)
    task = Task(kind=kind, priority=priority, title=title, instructions=instructions or "",
                issuing_unit_id=issuing_unit.id, issued_by_id=getattr(actor, "id", None),
                target_unit_id=target.id, assignee_id=assignee.id if assignee else None,
                warning_id=warning_id, case_id=case_id,
                parent_id=parent.id if parent is not None else None, status=ASSIGNED,
                created_at=now, ack_deadline_at=min(ack_deadline, deadline), deadline_at=deadline,
                version=1)
    session.add(task)
    session.flush()
    record_step(session, task, action=ISSUE, from_status=None, actor=actor, now=now,
                note=note, source_address=source_address,
                detail={"target": target.code, "kind": kind, "priority": priority,
                        "parent": parent.id if parent is not None else None})
    return task


def instructions_text(value: str | None) -> str:
    return clean_text(value, "instructions", limit=INSTRUCTIONS_MAX) or ""
