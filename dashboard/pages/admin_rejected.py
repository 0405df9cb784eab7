"""Rejected ingest records (leaders, commanders): why each was refused; fix it, replay or discard it.

Only the records of the user's units are listed (``dashboard.commands.rejected``).
Everything is shown masked; a role that may also unmask (commanders) picks
one field of the record and shows it, audited, beside the payload (never
into it).  A masked value left as it is keeps the stored one.
"""

from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from dashboard.commands.rejected import (
    PERMISSION,
    RejectedRecordError,
    discard,
    open_records,
    reason_groups,
    rejected_in_scope,
    replay,
    shown_errors,
    shown_payload,
)
from dashboard.commands.unmask import ACTION as UNMASK
from dashboard.commands.unmask import unmask_rejected
from dashboard.components.dropdown import dropdown
from dashboard.domain import RejectedRecord
from dashboard.domain.payload_masks import revealable_fields
from dashboard.domain.text import redact_personal_numbers
from dashboard.i18n import current_language, t
from dashboard.ingest.reasons import field_text
from dashboard.web.access import current_scope
from dashboard.web.commands import audited_lookup, run_command, run_reveal
from dashboard.web.database import request_session
from dashboard.web.guard import RecordInput, permits, requires
from dashboard.web.login import client_address

PICKED = RecordInput("rejected", "rejected-pick")  # the record the callbacks act on
dash.register_page(__name__, path="/admin/rejected", name="nav.rejected", order=85,
                   permission=PERMISSION)


def _errors_text(errors: list[dict], lang: str) -> str:
    return "; ".join(field_text(e, lang) for e in errors)


def _shown(value: str | None) -> str:
    return redact_personal_numbers(value) if value else "—"


def _table(session, lang: str):
    records = open_records(session, current_scope())
    if not records:
        return dbc.Alert(t("rejected.none", lang), color="success", id="rejected-none")
    head = html.Thead(html.Tr([html.Th(t(f"rejected.column.{c}", lang)) for c in
                               ("id", "kind", "source", "external_id", "position", "received_at", "errors")]))
    rows = [html.Tr([html.Td(r.id), html.Td(r.kind), html.Td(_shown(r.source)),
                     html.Td(_shown(r.external_id)), html.Td(r.position),
                     html.Td(f"{r.received_at:%Y-%m-%d %H:%M}"),
                     html.Td(_errors_text(shown_errors(r), lang))])
            for r in records]
    return dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", responsive=True,
                     id="rejected-table")


def _groups(session, lang: str):
    """The open records by identical reasons (the same mistake in many rows is fixed once)."""
    groups = reason_groups(session, current_scope())
    if len(groups) < 2 and not any(count > 1 for _, _, count in groups):
        return None
    head = html.Thead(html.Tr([html.Th(t(f"rejected.groups.{c}", lang))
                               for c in ("kind", "reasons", "count")]))
    rows = [html.Tr([html.Td(kind), html.Td(_errors_text(errors, lang)), html.Td(count)])
            for kind, errors, count in groups]
    return html.Div([html.H6(t("rejected.groups.title", lang)),
                     dbc.Table([head, html.Tbody(rows)], size="sm", id="rejected-groups")])


def _options(session) -> list[dict]:
    return [{"label": f"#{r.id} · {r.kind} · {_shown(r.external_id)}", "value": r.id}
            for r in open_records(session, current_scope())]


def _unmask_row(lang: str):
    """The reveal controls, for roles that may unmask (hidden until a record is picked)."""
    if not permits(current_user, UNMASK):
        return None
    return dbc.Row([
        dbc.Col(dropdown(lang, [], id="rejected-unmask-field",
                         placeholder=t("rejected.unmask.pick", lang)), md=4),
        dbc.Col(dbc.Button(t("warning.unmask", lang), id="rejected-unmask", color="link", size="sm"),
                width="auto"),
        dbc.Col(html.Span(id="rejected-unmask-value", className="font-monospace"), md=6),
    ], className="mb-2 align-items-center", id="rejected-unmask-row")


def _find(record_id) -> RejectedRecord:
    return rejected_in_scope(request_session(), current_scope(), record_id, user=current_user,
                             source_address=client_address())


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    return html.Div([
        html.H4(t("rejected.title", lang)),
        html.P(t("rejected.help", lang), className="text-muted"),
        _groups(session, lang),
        html.Div(_table(session, lang), id="rejected-list"),
        dbc.Row([
            dbc.Col(dropdown(lang, _options(session), id="rejected-pick",
                                   placeholder=t("rejected.pick", lang)), md=6),
        ], className="mb-2"),
        _unmask_row(lang),
        dbc.Textarea(id="rejected-payload", rows=14, className="font-monospace mb-2"),
        dbc.Button(t("rejected.replay", lang), id="rejected-replay", color="primary", className="me-2"),
        dbc.Button(t("rejected.discard", lang), id="rejected-discard", color="secondary"),
        html.Div(id="rejected-message", className="mt-3"),
    ])


@callback(Output("rejected-payload", "value"), Input("rejected-pick", "value"))
@requires(PERMISSION, record=PICKED)
def show_payload(record_id):
    if record_id is None:
        raise PreventUpdate
    record = audited_lookup(lambda: _find(record_id))
    return json.dumps(shown_payload(record), ensure_ascii=False, indent=2)


@callback(Output("rejected-unmask-field", "options"), Output("rejected-unmask-field", "value"),
          Input("rejected-pick", "value"), prevent_initial_call=True)
@requires(PERMISSION, record=PICKED)
def unmask_options(record_id):
    """The fields of the picked record that may be shown in clear (their names only), for roles
    that may unmask."""
    if record_id is None or not permits(current_user, UNMASK):
        return [], None
    lang = current_language()
    record = audited_lookup(lambda: _find(record_id))
    return [{"label": t(f"rejected.unmask.field.{name}", lang), "value": name}
            for name in revealable_fields(json.loads(record.payload))], None


@callback(Output("rejected-unmask-value", "children"), Input("rejected-unmask", "n_clicks"),
          Input("rejected-pick", "value"), State("rejected-unmask-field", "value"),
          prevent_initial_call=True)
@requires(PERMISSION, record=PICKED)
def show_clear_value(n_clicks, record_id, field):
    """Unmask one field of one rejected record, on purpose, audited; cleared when another is picked.

    ``unmask_rejected`` refuses (and audits) a role that may not unmask."""
    if ctx.triggered_id == "rejected-pick":
        return ""
    if not n_clicks or record_id is None or not field:
        raise PreventUpdate
    return run_reveal(lambda session: unmask_rejected(session, current_user, record_id, field,
                                                      source_address=client_address()))


@callback(Output("rejected-message", "children"), Output("rejected-list", "children"),
          Output("rejected-pick", "options"),
          Input("rejected-replay", "n_clicks"), Input("rejected-discard", "n_clicks"),
          State("rejected-pick", "value"), State("rejected-payload", "value"),
          prevent_initial_call=True)
@requires(PERMISSION, record=PICKED)
def act(_replay, _discard, record_id, payload_text):
    lang = current_language()
    if record_id is None:
        return dbc.Alert(t("rejected.pick_first", lang), color="warning"), dash.no_update, dash.no_update
    if ctx.triggered_id == "rejected-discard":
        ran = run_command(lambda session: discard(session, current_user, record_id,
                                                  source_address=client_address()))
    else:
        try:
            edited = json.loads(payload_text or "")
        except json.JSONDecodeError:
            return (dbc.Alert(RejectedRecordError("payload", "rejected.bad_json").message(lang),
                              color="danger"), dash.no_update, dash.no_update)
        ran = run_command(lambda session: replay(
            session, current_user, record_id, edited, source_address=client_address(),
            max_future_minutes=current_app.config["MAX_FUTURE_MINUTES"]))
    session = request_session()
    if ran.refused(RejectedRecordError):
        return dbc.Alert(ran.message(lang), color="danger"), dash.no_update, dash.no_update
    if not ran.ok:
        return dbc.Alert(ran.message(lang), color="danger"), _table(session, lang), _options(session)
    if ctx.triggered_id == "rejected-discard":
        message = dbc.Alert(t("rejected.discarded", lang), color="secondary")
    else:
        status, errors = ran.value
        if status == "rejected":
            message = dbc.Alert([t("rejected.still_rejected", lang), html.Ul(
                [html.Li(field_text(e, lang)) for e in errors])], color="danger")
        else:
            message = dbc.Alert(t("rejected.replayed", lang, status=status), color="success")
    return message, _table(session, lang), _options(session)
