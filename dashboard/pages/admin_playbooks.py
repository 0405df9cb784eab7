"""Dissuasion playbooks (admins, ``manage_settings``): the talking points per fraud type, zh and en.

Pick a fraud type, edit both texts (one talking point a line), save.  The
save runs ``dashboard.commands.edit_playbook`` with the version the page
loaded: a playbook another admin saved meanwhile is refused and shown as it
is now.  Every save is audited (``playbook_changed``).  Playbooks hold no
citizen data, so admins may edit them.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth.permissions import PermissionDenied
from dashboard.commands.edit_playbook import (
    PERMISSION,
    EditPlaybook,
    PlaybookChanged,
)
from dashboard.components.dropdown import dropdown
from dashboard.domain import User
from dashboard.domain.playbooks import POINT_MAX, POINTS_MAX, DissuasionPlaybook
from dashboard.domain.reference import FraudType
from dashboard.i18n import current_language, name_of, t
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import client_address, now

dash.register_page(__name__, path="/admin/playbooks", name="nav.playbooks", order=87,
                   permission=PERMISSION)


def _fraud_types(session, lang: str) -> list[dict]:
    rows = session.execute(select(FraudType).join(
        DissuasionPlaybook, DissuasionPlaybook.fraud_type == FraudType.code)
        .order_by(FraudType.sort_order)).scalars().all()
    return [{"label": name_of(row, lang), "value": row.code} for row in rows]


def _info(session, playbook: DissuasionPlaybook, lang: str) -> str:
    if playbook.updated_at is None:
        return t("playbook.admin.starter", lang, version=playbook.version)
    user = session.get(User, playbook.updated_by_id) if playbook.updated_by_id else None
    return t("playbook.admin.updated", lang, version=playbook.version,
             at=playbook.updated_at.strftime("%Y-%m-%d %H:%M"),
             by=user.display_name if user else "—")


def _editor(label: str, id_: str) -> html.Div:
    return html.Div([dbc.Label(label, html_for=id_),
                     dbc.Textarea(id=id_, rows=12, className="mb-2")], className="col-lg-6")


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    choices = _fraud_types(session, lang)
    return html.Div([
        html.H4(t("playbook.admin.title", lang)),
        html.P(t("playbook.admin.help", lang, points=POINTS_MAX, chars=POINT_MAX),
               className="text-muted"),
        dropdown(lang, id="playbooks-type", options=choices, clearable=False,
                       value=choices[0]["value"] if choices else None, className="mb-2",
                       style={"maxWidth": "28rem"}),
        html.Div(id="playbooks-info", className="small text-muted mb-2"),
        html.Div([_editor(t("playbook.field.talking_points_zh", lang), "playbooks-zh"),
                  _editor(t("playbook.field.talking_points_en", lang), "playbooks-en")],
                 className="row"),
        dbc.Button(t("playbook.admin.save", lang), id="playbooks-save", color="primary"),
        html.Div(id="playbooks-message", className="mt-3"),
        dcc.Store(id="playbooks-version"),
    ])


@callback(
    Output("playbooks-zh", "value"),
    Output("playbooks-en", "value"),
    Output("playbooks-version", "data"),
    Output("playbooks-info", "children"),
    Output("playbooks-message", "children"),
    Input("playbooks-type", "value"),
    Input("playbooks-save", "n_clicks"),
    State("playbooks-version", "data"),
    State("playbooks-zh", "value"),
    State("playbooks-en", "value"),
)
@requires(PERMISSION)
def load_or_save(fraud_type, _save, version, zh, en):
    """Show the chosen fraud type's playbook; on save, store the edit and show it as stored."""
    if not isinstance(fraud_type, str) or not fraud_type:
        raise PreventUpdate
    lang = current_language()
    session = request_session()
    message = None
    if ctx.triggered_id == "playbooks-save":
        ran = run_command(lambda session: EditPlaybook(
            current_user, fraud_type, version, talking_points_zh=zh, talking_points_en=en,
            source_address=client_address()).run(session, now()))
        if ran.refused(PlaybookChanged):  # show the stored text, and say why
            message = dbc.Alert(ran.message(lang), color="warning", id="playbooks-changed")
        elif not ran.ok:
            alert = dbc.Alert(ran.message(lang), color="danger" if ran.refused(PermissionDenied) else
                              "warning", id="playbooks-refused")
            return dash.no_update, dash.no_update, dash.no_update, dash.no_update, alert
        else:
            message = dbc.Alert(t("playbook.admin.saved", lang), color="success",
                                id="playbooks-saved", duration=6000)
    playbook = session.get(DissuasionPlaybook, fraud_type)
    if playbook is None:
        raise PreventUpdate
    return (playbook.talking_points_zh, playbook.talking_points_en, playbook.version,
            _info(session, playbook, lang), message)
