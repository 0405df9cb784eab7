"""One warning, for roles that see records: its clock, playbook, facts, and the station's form.

``/warnings/<id>`` shows a warning only inside the user's scope; any other id
is "not found" and audited.  The body (``dashboard.pages._warning_parts``)
draws the race against time from receipt to case, the dissuasion playbook
of its fraud type, the facts with personal data masked, and for station
officers (``record_outcome``) the form to record an attempt and its
outcome.  Recording runs ``dashboard.commands.record_attempt`` with the
version the page showed: a warning someone else changed meanwhile is
refused and shown as it is now.  Commanders confirm the door visit the
warning calls for ("unreachable") here or on the task board.

Roles allowed to unmask (commanders, station officers) get a button per
personal field; each click is a deliberate, audited unmasking of that one
value (``dashboard.commands.unmask``).  The clear value goes only into this
page's DOM, never into a URL, a store or a log.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.auth.records import warning_in_scope
from dashboard.commands.record_attempt import OutcomeInvalid, RecordAttempt, WarningChanged
from dashboard.commands.tasks import TaskInvalid
from dashboard.commands.tasks.proposals import confirm_door_visit
from dashboard.commands.unmask import unmask
from dashboard.components.outcome_form import STILL_OPEN
from dashboard.components.tasks import fmt_time
from dashboard.i18n import current_language, t
from dashboard.pages._warning_parts import tasks_section, warning_body
from dashboard.web.access import current_scope
from dashboard.web.commands import run_command, run_reveal
from dashboard.web.database import request_session
from dashboard.web.guard import RecordInput, permits, requires
from dashboard.web.login import client_address, now

PERMISSION = "view_records"
WARNING = RecordInput("warning", "warning-id")  # the record every callback here acts on


def _find(warning_id=None, **_kwargs):
    return warning_in_scope(request_session(), current_scope(), warning_id, user=current_user,
                            source_address=client_address())


dash.register_page(__name__, path_template="/warnings/<warning_id>", name="nav.warning",
                   nav=False, permission=PERMISSION, record=_find)


def _body(warning) -> list:
    return warning_body(request_session(), warning, current_user, now(), current_language())


@requires(PERMISSION)
def layout(warning_id=None, **_kwargs):
    lang = current_language()
    warning = _find(warning_id)
    return html.Div([
        dcc.Store(id="warning-id", data=warning.id),
        html.Div([html.H4(t("warning.title", lang, id=warning.id), id="warning-title",
                          className="me-3"),
                  dcc.Link(t("queue.back", lang), href="/queue", id="warning-back",
                           className="small") if permits(current_user, "view_queue") else None],
                 className="d-flex flex-wrap align-items-baseline"),
        html.Div(id="warning-message"),
        html.Div(_body(warning), id="warning-body"),
    ], id="warning-page")


def _alert(text, color: str, id_: str, **kwargs) -> dbc.Alert:
    return dbc.Alert(text, color=color, dismissable=True, id=id_, **kwargs)


@callback(
    Output("warning-body", "children"),
    Output("warning-message", "children"),
    Input("outcome-submit", "n_clicks"),
    State("warning-id", "data"),
    State("outcome-version", "data"),
    State("outcome-method", "value"),
    State("outcome-result", "value"),
    State("outcome-note", "value"),
    State("outcome-outcome", "value"),
    State("outcome-loss-avoided", "value"),
    State("outcome-loss", "value"),
    prevent_initial_call=True,
)
@requires("record_outcome", record=WARNING)
def record_attempt(n_clicks, warning_id, version, method, result, note, outcome, loss_avoided,
                   loss):
    """Record one attempt (and maybe the outcome) in this request's transaction, then redraw."""
    if not n_clicks:
        raise PreventUpdate
    lang = current_language()
    command = RecordAttempt(current_user, warning_id, version, method=method, result=result,
                            note=note, outcome=None if outcome in (None, "", STILL_OPEN) else outcome,
                            loss_avoided=loss_avoided,
                            loss=loss, source_address=client_address())
    ran = run_command(lambda session: command.run(session, now()))
    if ran.refused(WarningChanged):  # someone else recorded first: show theirs, and say so
        return _body(_find(warning_id)), _alert(ran.message(lang), "warning", "outcome-changed")
    if ran.refused(OutcomeInvalid):
        return dash.no_update, _alert(ran.message(lang), "warning", "outcome-refused")
    if not ran.ok:
        return dash.no_update, _alert(t("access.denied.title", lang), "danger", "outcome-denied")
    done = ran.value
    text = [t("outcome.recorded", lang)]
    if done.proposal is not None:
        text += [" ", t("outcome.proposed", lang, deadline=fmt_time(done.proposal.deadline_at))]
    return _body(done.warning), _alert(text, "success", "outcome-recorded", duration=8000)


# on a phone the form's submit button is far below the message: bring the message into view
clientside_callback(
    """function(children) {
        const box = document.getElementById("warning-message");
        if (children && box) { box.scrollIntoView({block: "nearest"}); }
        return window.dash_clientside.no_update;
    }""",
    Output("warning-message", "title"),
    Input("warning-message", "children"),
    prevent_initial_call=True,
)


@callback(
    Output("warning-tasks", "children"),
    Input("warning-confirm-visit", "n_clicks"),
    State("warning-id", "data"),
    prevent_initial_call=True,
)
@requires("manage_tasks", record=WARNING)
def confirm_visit(n_clicks, warning_id):
    """Issue the door visit this warning calls for (the commander's one click)."""
    if not n_clicks:
        raise PreventUpdate
    lang = current_language()
    ran = run_command(lambda session: confirm_door_visit(
        session, current_user, current_scope(), warning_id, now=now(), lang=lang,
        source_address=client_address()), keep=(TaskInvalid,))  # the audit row of a refused id
    if not ran.ok:
        return _alert(ran.message(lang), "warning", "warning-visit-refused")
    task, session = ran.value, request_session()
    message = [t("tasks.proposals.issued", lang), " ",
               dcc.Link(task.title, href=f"/task/{task.id}", className="alert-link")]
    section = tasks_section(session, _find(warning_id), current_user, now(), lang)
    return [_alert(message, "success", "warning-visit-issued"), section]


@callback(
    Output({"type": "warning-value", "field": MATCH}, "children"),
    Output({"type": "warning-unmask", "field": MATCH}, "style"),
    Input({"type": "warning-unmask", "field": MATCH}, "n_clicks"),
    State("warning-id", "data"),
    prevent_initial_call=True,
)
@requires("unmask_personal_data", record=WARNING)
def show_clear_value(n_clicks, warning_id):
    """Unmask one field of one warning, on purpose, audited."""
    if not n_clicks or dash.ctx.triggered_id is None:
        raise PreventUpdate
    field = dash.ctx.triggered_id["field"]
    return run_reveal(lambda session: unmask(session, current_user, warning_id, field,
                                             source_address=client_address())), {"display": "none"}
