"""One task: its instructions, linked warning (masked), children, timeline, and the steps this user
may take now.

``/task/<id>`` shows a task only to a user whose scope holds its issuing or
target unit; any other id is "not found" and audited.  The buttons offered
are the steps the command rules allow this user now; the server checks them
again when one is pressed, with the version the page showed, so a task
someone else changed meanwhile is refused with "changed by X at T" and shown
as it is now.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.auth.task_access import VIEW, task_in_scope
from dashboard.commands.tasks import STEPS, TaskInvalid
from dashboard.i18n import current_language, t
from dashboard.pages._task_parts import task_body
from dashboard.web.access import current_scope
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import RecordInput, requires
from dashboard.web.login import client_address, now


def _find(task_id=None, **_kwargs):
    return task_in_scope(request_session(), current_scope(), task_id, user=current_user,
                         source_address=client_address())


dash.register_page(__name__, path_template="/task/<task_id>", name="nav.task", nav=False,
                   permission=VIEW, record=_find)


@requires(VIEW)
def layout(task_id=None, **_kwargs):
    lang = current_language()
    task = _find(task_id)
    return html.Div([
        dcc.Store(id="task-page-id", data=task.id),
        html.Div(id="task-page-message"),
        html.Div(task_body(request_session(), task, current_user, now(), lang),
                 id="task-page-body"),
    ])


def _command(step: str, task_id: int, version, note, reached, loss, people, reassign_to,
             split_to):
    common = {"version": version, "note": note, "source_address": client_address()}
    extra = {
        "complete": {"reached": reached, "loss_avoided": loss, "people_reached": people},
        "reassign": {"target_unit": reassign_to},
        "split": {"target_units": split_to or []},
    }.get(step, {})
    return STEPS[step](current_user, task_id, **common, **extra)


@callback(
    Output("task-page-body", "children"),
    Output("task-page-message", "children"),
    Input({"type": "task-page-action", "step": ALL}, "n_clicks"),
    State("task-page-id", "data"),
    State("task-page-version", "data"),
    State("task-page-note", "value"),
    State("task-page-reached", "value"),
    State("task-page-loss", "value"),
    State("task-page-people", "value"),
    State("task-page-reassign-target", "value"),
    State("task-page-split-targets", "value"),
    prevent_initial_call=True,
)
@requires(VIEW, record=RecordInput("task", "task-page-id"))
def take_step(clicks, task_id, version, note, reached, loss, people, reassign_to, split_to):
    """Run the pressed step as a command in this request's transaction, then show the task again."""
    if not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    step = ctx.triggered_id.get("step")
    if step not in STEPS:
        raise PreventUpdate
    lang = current_language()
    ran = run_command(lambda session: _command(step, task_id, version, note, reached, loss, people,
                                               reassign_to, split_to).run(session, now()))
    session = request_session()
    if ran.refused(TaskInvalid):
        alert = dbc.Alert(ran.message(lang), color="warning", dismissable=True, id="task-page-refused")
        if ran.refusal.field != "version":
            return dash.no_update, alert
        return task_body(session, _find(task_id), current_user, now(), lang), alert
    if not ran.ok:
        return dash.no_update, dbc.Alert(t("access.denied.title", lang), color="danger")
    task = _find(task_id)
    done = dbc.Alert(t(f"tasks.step.done.{step}", lang),
                     color="success", dismissable=True, duration=6000, id="task-page-done")
    return task_body(session, task, current_user, now(), lang), done
