"""The body of the task page: facts, linked warning (masked), result, children, timeline, actions.

A linked warning or case is shown only to a viewer who may open it on its own
page (``view_records`` and the record in the viewer's scope, the same check
as ``/warnings/<id>``); anyone else sees "not available", with no detail of
it (not even its id).

Rebuilt after every step, so that the buttons always match what this user
may do with the version shown.  Every input of the action form is always
present (hidden when it does not apply), because the page's one callback
reads them all.
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed
from dashboard.auth.records import case_visible, warning_visible
from dashboard.auth.scope import scope_of
from dashboard.commands.tasks import STEPS
from dashboard.components.dropdown import dropdown
from dashboard.components.tasks import (
    fmt_time,
    kind_names,
    priority_badge,
    priority_names,
    remaining,
    status_badges,
    units_below,
)
from dashboard.domain import OrgUnit, User
from dashboard.domain.personal_data import mask_name, mask_phone
from dashboard.domain.reference import TaskKind
from dashboard.domain.tasks import Task, TaskEvent
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_count, format_yuan
from dashboard.metrics.task_board import children_progress
from dashboard.web.badges import badge

HIDDEN = {"display": "none"}
SYSTEM_STEPS = frozenset({"escalate", "children_done"})
ISSUER_STEPS = frozenset({"issue", "cancel", "reassign", "parent_cancelled"})
BUTTON_COLORS = {"acknowledge": "primary", "start": "primary", "complete": "success",
                 "split": "info", "reject": "secondary", "reassign": "warning",
                 "cancel": "danger"}


def _unit_name(session: Session, unit_id: int | None, lang: str) -> str:
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    return name_of(unit, lang) if unit is not None else "—"


def _user_name(session: Session, user_id: int | None, lang: str) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user is not None else t("task.actor.system", lang)


RECORDS = "view_records"  # the permission of a record's own page


def _unavailable(id_: str, lang: str) -> html.Span:
    return html.Span(t("tasks.link.unavailable", lang), className="text-muted", id=id_)


def _warning_cell(session: Session, task: Task, user, lang: str):
    if task.warning_id is None:
        return "—"
    warning = (warning_visible(session, scope_of(session, user), task.warning_id)
               if allowed(user, RECORDS) else None)
    if warning is None:
        return _unavailable("task-page-warning", lang)
    text = f"#{warning.id} · {mask_name(warning.person_name) or '—'} · " \
           f"{mask_phone(warning.person_phone) or '—'}"
    return html.A(text, href=f"/warnings/{warning.id}", id="task-page-warning")


def _case_cell(session: Session, task: Task, user, lang: str):
    if task.case_id is None:
        return "—"
    case = (case_visible(session, scope_of(session, user), task.case_id)
            if allowed(user, RECORDS) else None)
    if case is None:
        return _unavailable("task-page-case", lang)
    return html.Span(case.number, id="task-page-case")


def _facts(session: Session, task: Task, user, at: datetime, lang: str) -> dbc.Table:
    parent = (html.A(f"#{task.parent_id}", href=f"/task/{task.parent_id}", id="task-page-parent")
              if task.parent_id else "—")
    deadline = [fmt_time(task.deadline_at, full=True)]
    if not task.is_final:
        deadline += [" · ", html.Small(remaining(task.deadline_at, at, lang), className="text-muted")]
    facts = [
        ("kind", kind_names(session, lang).get(task.kind, task.kind)),
        ("priority", priority_badge(task.priority, priority_names(session, lang))),
        ("from", _unit_name(session, task.issuing_unit_id, lang)
         + (f" · {_user_name(session, task.issued_by_id, lang)}" if task.issued_by_id else "")),
        ("to", _unit_name(session, task.target_unit_id, lang)
         + (f" · {_user_name(session, task.assignee_id, lang)}" if task.assignee_id else "")),
        ("created", fmt_time(task.created_at, full=True)),
        ("ack_deadline", fmt_time(task.ack_deadline_at, full=True)),
        ("deadline", html.Span(deadline, id="task-page-deadline")),
        ("acknowledged", fmt_time(task.acknowledged_at, full=True)),
        ("closed", fmt_time(task.closed_at, full=True)),
        ("parent", parent),
        ("warning", _warning_cell(session, task, user, lang)),
        ("case", _case_cell(session, task, user, lang)),
    ]
    return dbc.Table(html.Tbody([html.Tr([html.Th(t(f"tasks.fact.{key}", lang)), html.Td(value)])
                                 for key, value in facts]),
                     size="sm", borderless=True, responsive=True, id="task-page-facts", style={"maxWidth": "44rem"})


def _result(task: Task, lang: str):
    if task.status != "done":
        return None
    items = []
    if task.result_reached is not None:
        items.append((t("task.field.reached", lang),
                      t("tasks.yes" if task.result_reached else "tasks.no", lang)))
    if task.result_loss_avoided is not None:
        items.append((t("task.field.loss_avoided", lang), format_yuan(task.result_loss_avoided, lang)))
    if task.result_people_reached is not None:
        items.append((t("task.field.people_reached", lang),
                      format_count(task.result_people_reached, lang)))
    if task.result_note:
        items.append((t("task.field.note", lang), task.result_note))
    if not items:
        return None
    return dbc.Alert([html.H6(t("tasks.result", lang))] +
                     [html.Div([html.Strong(t("tasks.result_label", lang, label=label)), value]) for label, value in items],
                     color="success", id="task-page-result")


def _children(session: Session, task: Task, at: datetime, lang: str):
    children = session.scalars(select(Task).where(Task.parent_id == task.id).order_by(Task.id)).all()
    if not children:
        return None
    done, total = children_progress(session, [task.id]).get(task.id, (0, 0))
    rows = [html.Tr([
        html.Td(_unit_name(session, child.target_unit_id, lang)),
        html.Td(status_badges(child.status, child.is_overdue(at), child.escalated_for, lang)),
        html.Td(fmt_time(child.deadline_at)),
        html.Td(html.A(f"#{child.id}", href=f"/task/{child.id}")),
    ]) for child in children]
    return html.Div([
        html.H5([t("tasks.children", lang), " ",
                 badge(t("tasks.progress", lang, done=done, total=total), color="info",
                       id="task-page-progress")]),
        dbc.Table(html.Tbody(rows), size="sm", responsive=True, id="task-page-children"),
    ])


def _actor(session: Session, task: Task, event: TaskEvent, lang: str) -> str:
    """Who took a step: the user; else the system, or the unit that acted (generated history)."""
    if event.actor_id is not None or event.action in SYSTEM_STEPS:
        return _user_name(session, event.actor_id, lang)
    unit_id = task.issuing_unit_id if event.action in ISSUER_STEPS else event.unit_id
    return _unit_name(session, unit_id, lang)


def _timeline(session: Session, task: Task, lang: str) -> html.Div:
    events = session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id)
                             .order_by(TaskEvent.id)).all()
    items = []
    for event in events:
        moved = (f"{t(f'task.status.{event.from_status}', lang)} → "
                 if event.from_status and event.from_status != event.to_status else "")
        items.append(html.Li([
            html.Span(fmt_time(event.at, full=True), className="text-muted me-2"),
            html.Strong(_actor(session, task, event, lang), className="me-2"),
            html.Span(t(f"task.event.{event.action}", lang), className="me-2"),
            html.Small(moved + t(f"task.status.{event.to_status}", lang) + " · "
                       + _unit_name(session, event.unit_id, lang), className="text-muted"),
            html.Div(event.note, className="small ms-4") if event.note else None,
        ], className="mb-1"))
    return html.Div([html.H5(t("tasks.timeline", lang)),
                     html.Ul(items, className="list-unstyled", id="task-page-timeline")])


def _actions(session: Session, task: Task, user, at: datetime, lang: str) -> html.Div:
    steps = [step for step, command in STEPS.items()
             if command(user, task.id).possible(session, task, at)]
    kind = session.get(TaskKind, task.kind)
    completing = "complete" in steps
    scope = scope_of(session, user)
    issuing = session.get(OrgUnit, task.issuing_unit_id)
    target = session.get(OrgUnit, task.target_unit_id)
    field = "mb-2"
    form = [
        dbc.Textarea(id="task-page-note", placeholder=t("tasks.note", lang), className=field,
                     style=None if steps else HIDDEN),
        html.Div([dbc.Label(t("task.field.reached", lang)),
                  dbc.RadioItems(id="task-page-reached", inline=True, options=[
                      {"label": t("tasks.yes", lang), "value": "1"},
                      {"label": t("tasks.no", lang), "value": "0"}])],
                 className=field, style=None if completing and kind.records_reached else HIDDEN),
        html.Div([dbc.Label(t("task.field.loss_avoided", lang)),
                  dbc.Input(id="task-page-loss", type="number", min=0, step=1)],
                 className=field,
                 style=None if completing and kind.records_loss_avoided else HIDDEN),
        html.Div([dbc.Label(t("task.field.people_reached", lang)),
                  dbc.Input(id="task-page-people", type="number", min=0, step=1)],
                 className=field,
                 style=None if completing and kind.records_people_reached else HIDDEN),
        html.Div([dbc.Label(t("tasks.reassign_to", lang)),
                  dropdown(lang, id="task-page-reassign-target",
                                 options=units_below(session, scope, issuing, lang))],
                 className=field, style=None if "reassign" in steps else HIDDEN),
        html.Div([dbc.Label(t("tasks.split_to", lang)),
                  dbc.Checklist(id="task-page-split-targets", value=[],
                                options=units_below(session, scope, target, lang))],
                 className=field, style=None if "split" in steps else HIDDEN),
    ]
    buttons = [dbc.Button(t(f"task.button.{step}", lang), color=BUTTON_COLORS[step],
                          id={"type": "task-page-action", "step": step}, className="me-2")
               for step in steps]
    return html.Div([
        html.H5(t("tasks.actions", lang)) if steps else None,
        html.Div(form, style={"maxWidth": "36rem"}),
        html.Div(buttons, id="task-page-buttons", className="mb-3"),
        dcc.Store(id="task-page-version", data=task.version),
    ], id="task-page-actions")


def task_body(session: Session, task: Task, user, at: datetime, lang: str) -> list:
    """Everything of the page below its title bar, for ``user`` at ``at``."""
    return [
        html.H4([html.Span(task.title, id="task-page-title", className="me-2"),
                 html.Span(status_badges(task.status, task.is_overdue(at), task.escalated_for, lang),
                           id="task-page-status")]),
        dbc.Alert(task.status_note, color="secondary", id="task-page-status-note")
        if task.status_note and task.status in ("rejected", "cancelled") else None,
        dbc.Row([
            dbc.Col([_facts(session, task, user, at, lang),
                     html.H5(t("task.field.instructions", lang)),
                     html.P(task.instructions or "—", style={"whiteSpace": "pre-wrap"},
                            id="task-page-instructions"),
                     _result(task, lang), _children(session, task, at, lang)], lg=7),
            dbc.Col([_actions(session, task, user, at, lang),
                     _timeline(session, task, lang)], lg=5),
        ]),
    ]
