"""Rejected ingest records (admins): see why each was refused, fix it, replay or discard it.

Personal fields are shown masked: an admin sees no citizen data.  A masked
value left as it is keeps the stored one (``dashboard.commands.rejected``).
"""

from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from dashboard.commands.rejected import RejectedRecordError, discard, masked_payload, replay
from dashboard.components.dropdown import dropdown
from dashboard.domain import RejectedRecord
from dashboard.i18n import current_language, t
from dashboard.web.database import request_session
from dashboard.web.guard import requires

PERMISSION = "fix_rejected_records"
PAGE_SIZE = 200
dash.register_page(__name__, path="/admin/rejected", name="nav.rejected", order=85,
                   permission=PERMISSION)


def _errors_text(record: RejectedRecord) -> str:
    return "; ".join(f"{e['field']}: {e['reason']}" for e in json.loads(record.errors))


def _open_records(session) -> list[RejectedRecord]:
    return session.scalars(select(RejectedRecord).where(RejectedRecord.status == "open")
                           .order_by(RejectedRecord.id.desc()).limit(PAGE_SIZE)).all()


def _table(session, lang: str):
    records = _open_records(session)
    if not records:
        return dbc.Alert(t("rejected.none", lang), color="success", id="rejected-none")
    head = html.Thead(html.Tr([html.Th(t(f"rejected.column.{c}", lang)) for c in
                               ("id", "kind", "source", "external_id", "position", "received_at", "errors")]))
    rows = [html.Tr([html.Td(r.id), html.Td(r.kind), html.Td(r.source or "—"),
                     html.Td(r.external_id or "—"), html.Td(r.position),
                     html.Td(f"{r.received_at:%Y-%m-%d %H:%M}"), html.Td(_errors_text(r))])
            for r in records]
    return dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", id="rejected-table")


def _options(session) -> list[dict]:
    return [{"label": f"#{r.id} · {r.kind} · {r.external_id or '—'}", "value": r.id}
            for r in _open_records(session)]


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    return html.Div([
        html.H4(t("rejected.title", lang)),
        html.P(t("rejected.help", lang), className="text-muted"),
        html.Div(_table(session, lang), id="rejected-list"),
        dbc.Row([
            dbc.Col(dropdown(lang, _options(session), id="rejected-pick",
                                   placeholder=t("rejected.pick", lang)), md=6),
        ], className="mb-2"),
        dbc.Textarea(id="rejected-payload", rows=14, className="font-monospace mb-2"),
        dbc.Button(t("rejected.replay", lang), id="rejected-replay", color="primary", className="me-2"),
        dbc.Button(t("rejected.discard", lang), id="rejected-discard", color="secondary"),
        html.Div(id="rejected-message", className="mt-3"),
    ])


@callback(Output("rejected-payload", "value"), Input("rejected-pick", "value"))
@requires(PERMISSION)
def show_payload(record_id):
    if record_id is None:
        raise PreventUpdate
    record = request_session().get(RejectedRecord, int(record_id))
    if record is None:
        raise PreventUpdate
    return json.dumps(masked_payload(record), ensure_ascii=False, indent=2)


@callback(Output("rejected-message", "children"), Output("rejected-list", "children"),
          Output("rejected-pick", "options"),
          Input("rejected-replay", "n_clicks"), Input("rejected-discard", "n_clicks"),
          State("rejected-pick", "value"), State("rejected-payload", "value"),
          prevent_initial_call=True)
@requires(PERMISSION)
def act(_replay, _discard, record_id, payload_text):
    lang = current_language()
    session = request_session()
    if record_id is None:
        return dbc.Alert(t("rejected.pick_first", lang), color="warning"), dash.no_update, dash.no_update
    try:
        if ctx.triggered_id == "rejected-discard":
            discard(session, current_user, int(record_id))
            message = dbc.Alert(t("rejected.discarded", lang), color="secondary")
        else:
            try:
                edited = json.loads(payload_text or "")
            except json.JSONDecodeError as exc:
                raise RejectedRecordError(f"payload: {t('rejected.bad_json', lang)} ({exc.msg})") from None
            status, errors = replay(session, current_user, int(record_id), edited,
                                    max_future_minutes=current_app.config["MAX_FUTURE_MINUTES"])
            if status == "rejected":
                message = dbc.Alert([t("rejected.still_rejected", lang), html.Ul(
                    [html.Li(f"{e['field']}: {e['reason']}") for e in errors])], color="danger")
            else:
                message = dbc.Alert(t("rejected.replayed", lang, status=status), color="success")
        session.commit()
    except RejectedRecordError as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger"), dash.no_update, dash.no_update
    return message, _table(session, lang), _options(session)
