"""New task: kind, priority, title, instructions, target units from the user's subtree, deadline.

``/tasks/new?target=<unit code>`` opens the form with that unit chosen (the
overview's "Assign task" link; several codes may be given, comma-separated);
``&kind=``, ``&priority=`` preset those and ``&warning=<id>`` links a warning.  Only
units strictly below the user's own are offered, and the command checks it
again.  The deadline may be left empty: the rule of the kind and priority
(``data/tasks/deadline_rules.csv``) fills it, and the form shows what that
will be.
"""

from __future__ import annotations

from datetime import datetime, time

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.auth.records import parse_id
from dashboard.auth.task_access import MANAGE
from dashboard.commands.tasks import IssueTask, TaskInvalid
from dashboard.commands.tasks.creation import MAX_TARGETS
from dashboard.components.dropdown import dropdown
from dashboard.components.tasks import (
    kind_names,
    officers_of,
    options,
    priority_names,
    units_below,
)
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.domain.task_rules import rule_for
from dashboard.i18n import current_language, t
from dashboard.i18n.numbers import format_span
from dashboard.web.access import current_scope, scope_within
from dashboard.web.callback_values import code, codes, day, text
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import RecordInput, requires
from dashboard.web.login import client_address, now

dash.register_page(__name__, path="/tasks/new", name="nav.task_new", nav=False, permission=MANAGE)


def _field(label_key: str, component, lang: str, hint=None) -> html.Div:
    return html.Div([dbc.Label(t(label_key, lang), html_for=component.id), component, hint],
                    className="mb-2")


@requires(MANAGE)
def layout(target=None, warning=None, kind=None, priority=None, **_kwargs):
    lang = current_language()
    session = request_session()
    unit_id = getattr(current_user, "unit_id", None)
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    units = units_below(session, current_scope(), unit, lang)
    offered = {o["value"] for o in units}
    chosen = [code for code in str(target or "").split(",")[:MAX_TARGETS] if code in offered]
    warning_id = parse_id(warning)
    kinds, priorities = kind_names(session, lang), priority_names(session, lang)
    kind = kind if kind in kinds else "door_visit" if warning_id else "other"
    priority = priority if priority in priorities else "urgent" if warning_id else "normal"
    return html.Div([
        html.H4(t("tasks.new.title", lang), id="task-new-title"),
        html.Div(style={"maxWidth": "44rem"}, children=[
            dbc.Row([
                dbc.Col(_field("task.field.kind", dropdown(lang,
                    id="task-new-kind", options=options(kinds), value=kind,
                    clearable=False), lang)),
                dbc.Col(_field("task.field.priority", dropdown(lang,
                    id="task-new-priority", options=options(priorities), value=priority,
                    clearable=False), lang)),
            ]),
            _field("task.field.title", dbc.Input(id="task-new-title-input", maxlength=120), lang),
            _field("task.field.instructions", dbc.Textarea(id="task-new-instructions", rows=4), lang),
            _field("task.field.target_units", dropdown(lang,
                id="task-new-targets", options=units, value=chosen, multi=True), lang),
            _field("task.field.assignee_id", dropdown(lang, id="task-new-assignee", options=[]), lang,
                   html.Small(t("tasks.new.assignee_hint", lang), className="text-muted")),
            dbc.Row([
                dbc.Col(_field("task.field.deadline", dcc.DatePickerSingle(
                    id="task-new-deadline-date", display_format="YYYY-MM-DD", clearable=True,
                    placeholder=t("tasks.new.pick_date", lang)), lang)),
                dbc.Col(_field("tasks.new.deadline_time", dbc.Input(
                    id="task-new-deadline-time", placeholder=t("tasks.new.time_placeholder", lang),
                    maxlength=5), lang)),
            ]),
            html.P(id="task-new-deadline-hint", className="text-muted small"),
            dbc.Row([
                dbc.Col(_field("task.field.warning_id", dbc.Input(
                    id="task-new-warning", type="number", min=1, value=warning_id), lang)),
                dbc.Col(_field("task.field.case_id", dbc.Input(
                    id="task-new-case", type="number", min=1), lang)),
            ]),
            html.Div(id="task-new-message"),
            dbc.Button(t("tasks.new.submit", lang), id="task-new-submit", color="primary"),
            dcc.Location(id="task-new-redirect", refresh="callback-nav"),
        ]),
    ])


@callback(Output("task-new-deadline-hint", "children"),
          Input("task-new-kind", "value"), Input("task-new-priority", "value"))
@requires(MANAGE, values={"kind": code, "priority": code})
def deadline_hint(kind, priority):
    """What the rule gives when the deadline is left empty."""
    lang = current_language()
    try:
        rule = rule_for(kind, priority)
    except KeyError:
        return ""
    return t("tasks.new.rule", lang, span=format_span(rule.deadline.total_seconds() // 60, lang),
             ack=format_span(rule.ack_window.total_seconds() // 60, lang))


@callback(Output("task-new-assignee", "options"), Output("task-new-assignee", "value"),
          Input("task-new-targets", "value"))
@requires(MANAGE)
def assignee_choices(targets):
    """A named officer is possible only with a single target unit."""
    if not isinstance(targets, list) or len(targets) != 1:
        return [], None
    scope = scope_within(str(targets[0]))  # a unit outside the scope: none, and audited
    if scope.is_empty:
        return [], None
    session = request_session()
    unit = session.get(OrgUnit, scope.unit_id)
    return officers_of(session, unit.code, current_language()), None


FORM = {"kind": code, "priority": code, "title": text, "instructions": text, "targets": codes,
        "day": day, "clock": code}


def _deadline(day: str | None, clock: str | None) -> datetime | None:
    if not day:
        return None
    try:
        moment = time.fromisoformat((clock or "23:59").strip())
        return datetime.combine(datetime.fromisoformat(day[:10]).date(), moment, tzinfo=SHANGHAI)
    except ValueError:
        raise TaskInvalid("deadline", "task.error.deadline_format") from None


@callback(
    Output("task-new-message", "children"),
    Output("task-new-redirect", "href"),
    Input("task-new-submit", "n_clicks"),
    State("task-new-kind", "value"), State("task-new-priority", "value"),
    State("task-new-title-input", "value"), State("task-new-instructions", "value"),
    State("task-new-targets", "value"), State("task-new-assignee", "value"),
    State("task-new-deadline-date", "date"), State("task-new-deadline-time", "value"),
    State("task-new-warning", "value"), State("task-new-case", "value"),
    prevent_initial_call=True,
)
@requires(MANAGE, record=(RecordInput("warning", "task-new-warning"),
                          RecordInput("case", "task-new-case")), values=FORM)
def issue(n_clicks, kind, priority, title, instructions, targets, assignee, day, clock,
          warning_id, case_id):
    """Issue the task (one per target unit) in this request's transaction."""
    if not n_clicks:
        raise PreventUpdate
    lang = current_language()
    ran = run_command(lambda session: IssueTask(
        current_user, kind, priority, title, target_units=targets or [], instructions=instructions,
        deadline=_deadline(day, clock), assignee_id=assignee, warning_id=warning_id,
        case_id=case_id, source_address=client_address()).run(session, now()),
        keep=(TaskInvalid,))  # the audit row of a refused warning id, if any
    if not ran.ok:
        color = "warning" if ran.refused(TaskInvalid) else "danger"
        return dbc.Alert(ran.message(lang), color=color, id="task-new-refused"), dash.no_update
    tasks = ran.value
    if len(tasks) == 1:
        return dash.no_update, f"/task/{tasks[0].id}"
    return dash.no_update, "/tasks?box=outbox"
