"""Dash building blocks shared by the task pages: badges, times, choices, the navbar badge.

Only presentation: every value comes from the caller, who has already
checked permission and scope on the server.
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed
from dashboard.auth.scope import PATH_SEPARATOR, Scope
from dashboard.auth.task_access import WORK
from dashboard.domain import OrgUnit, User
from dashboard.domain.deadlines import minutes_to_deadline
from dashboard.domain.reference import TaskKind, TaskPriority
from dashboard.domain.tasks import FINAL
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_deadline
from dashboard.web.badges import badge

STATUS_COLORS = {"assigned": "primary", "acknowledged": "info", "in_progress": "warning",
                 "done": "success", "rejected": "secondary", "cancelled": "light"}
PRIORITY_COLORS = {"urgent": "danger", "high": "warning", "normal": "secondary", "low": "light"}
TIME_FORMAT = "%m-%d %H:%M"


def fmt_time(value: datetime | None, full: bool = False) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M" if full else TIME_FORMAT)


def status_badges(status: str, overdue: bool, escalated_for: str | None, lang: str) -> list:
    """The status, then red flags: overdue, escalated (while the task is still open)."""
    badges = [badge(t(f"task.status.{status}", lang), color=STATUS_COLORS.get(status, "dark"),
                    className="me-1")]
    if overdue:
        badges.append(badge(t("task.escalated.overdue", lang), color="danger", className="me-1"))
    if escalated_for and status not in FINAL and not (overdue and escalated_for == "overdue"):
        badges.append(badge(t(f"task.escalated.{escalated_for}", lang), color="danger",
                            className="me-1"))
    return badges


def priority_badge(priority: str, names: dict[str, str]) -> dbc.Badge:
    return badge(names.get(priority, priority), color=PRIORITY_COLORS.get(priority, "dark"))


def remaining(deadline: datetime, now: datetime, lang: str) -> str:
    """"25 min left" or "3 h 10 min overdue", as the queue and the warning page say it."""
    return format_deadline(minutes_to_deadline(deadline, now), lang)


def kind_names(session: Session, lang: str) -> dict[str, str]:
    return {row.code: name_of(row, lang)
            for row in session.scalars(select(TaskKind).order_by(TaskKind.sort_order))}


def priority_names(session: Session, lang: str) -> dict[str, str]:
    return {row.code: name_of(row, lang)
            for row in session.scalars(select(TaskPriority).order_by(TaskPriority.sort_order))}


def options(names: dict[str, str]) -> list[dict]:
    return [{"label": label, "value": code} for code, label in names.items()]


def units_below(session: Session, scope: Scope, unit: OrgUnit | None, lang: str) -> list[dict]:
    """Choices of active units strictly below ``unit`` and inside ``scope``, indented by depth."""
    if unit is None or scope.is_empty:
        return []
    rows = session.scalars(scope.filter_org_units(
        select(OrgUnit).where(OrgUnit.path.startswith(unit.path + PATH_SEPARATOR, autoescape=True),
                              OrgUnit.retired_on.is_(None)))
        .order_by(OrgUnit.path)).all()
    base = unit.path.count(PATH_SEPARATOR) + 1
    return [{"label": "\u3000" * (row.path.count(PATH_SEPARATOR) - base)
             + f"{name_of(row, lang)} ({row.code})", "value": row.code} for row in rows]


def officers_of(session: Session, unit_code: str | None, lang: str) -> list[dict]:
    """Active users of a unit who may work on tasks, as choices for a named officer."""
    if not unit_code:
        return []
    users = session.scalars(select(User).join(OrgUnit, OrgUnit.id == User.unit_id)
                            .where(OrgUnit.code == unit_code, User.is_active.is_(True))
                            .order_by(User.display_name)).all()
    return [{"label": user.display_name, "value": user.id} for user in users if allowed(user, WORK)]
