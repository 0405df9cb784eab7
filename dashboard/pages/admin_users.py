"""Accounts (the system administrator): create, reset a password, disable or enable.

An account is created with no role; a security administrator grants it one
on the roles page (``docs/security.md``).  A reset password must be changed
at the next login and leaves the second factor in place.  Every change is a
command of ``dashboard.commands`` run in this request's transaction and
audited there; a refusal names the field to correct.  Passwords typed here
are cleared from the form after each action and never stored in the browser.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.commands.create_user import CreateUser
from dashboard.commands.disable_user import DisableUser
from dashboard.commands.errors import Invalid
from dashboard.commands.reset_password import ResetPassword
from dashboard.components.accounts import account_options, accounts_table, all_accounts, field
from dashboard.components.dropdown import dropdown
from dashboard.i18n import current_language, t
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import client_address, now, security_settings

PERMISSION = "manage_accounts"
dash.register_page(__name__, path="/admin/users", name="nav.users", order=80,
                   permission=PERMISSION)


def _create_card(lang: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H5(t("users.create.title", lang)),
        html.P(t("admins.create.help", lang), className="text-muted small"),
        field("auth.field.username", dbc.Input(id="users-new-username", maxLength=64), lang),
        field("users.field.display_name", dbc.Input(id="users-new-display-name", maxLength=80),
              lang),
        field("admins.field.initial_password", dbc.Input(
            id="users-new-password", type="password", autoComplete="new-password"), lang),
        dbc.Button(t("users.create.submit", lang), id="users-create", color="primary"),
    ]), className="mb-3")


def _edit_card(session, lang: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H5(t("users.edit.title", lang)),
        field("users.field.user", dropdown(lang, account_options(all_accounts(session)),
                                           id="users-edit-user"), lang),
        field("users.field.new_password", dbc.Input(id="users-edit-password", type="password",
                                                    autoComplete="new-password"), lang),
        dbc.Button(t("users.edit.reset_password", lang), id="users-reset", color="secondary",
                   className="mb-3"),
        html.P(t("admins.reset.help", lang), className="text-muted small"),
        html.Div([
            dbc.Button(t("users.edit.disable", lang), id="users-disable", color="danger"),
            dbc.Button(t("users.edit.enable", lang), id="users-enable", color="success",
                       outline=True),
        ], className="d-flex gap-2"),
    ]))


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    return html.Div([
        html.H4(t("users.title", lang), id="users-title"),
        html.Div(id="users-feedback"),
        dbc.Row([
            dbc.Col(html.Div(accounts_table(session, now(), lang, "users"),
                             id="users-table"), lg=7),
            dbc.Col([_create_card(lang), _edit_card(session, lang)], lg=5),
        ]),
    ])


def _command(trigger: str, fields: dict):
    """The command a button stands for, built from the form's fields."""
    actor, address, settings = current_user, client_address(), security_settings()
    if trigger == "users-create":
        return CreateUser(actor, fields["new_username"] or "", fields["new_password"] or "",
                          display_name=fields["new_display_name"], settings=settings,
                          source_address=address)
    target = fields["edit_user"]
    if target is None:
        raise Invalid("user", "admin.error.user_unknown")
    if trigger == "users-reset":
        return ResetPassword(actor, target, fields["edit_password"] or "", settings=settings,
                             source_address=address)
    return DisableUser(actor, target, source_address=address, active=trigger == "users-enable")


@callback(
    Output("users-feedback", "children"), Output("users-table", "children"),
    Output("users-new-password", "value"), Output("users-edit-password", "value"),
    Output("users-edit-user", "options"),
    Input("users-create", "n_clicks"), Input("users-reset", "n_clicks"),
    Input("users-disable", "n_clicks"), Input("users-enable", "n_clicks"),
    State("users-new-username", "value"), State("users-new-display-name", "value"),
    State("users-new-password", "value"), State("users-edit-user", "value"),
    State("users-edit-password", "value"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def change_user(_create, _reset, _disable, _enable, new_username, new_display_name,
                new_password, edit_user, edit_password):
    trigger = ctx.triggered_id
    if trigger is None:
        raise PreventUpdate
    lang = current_language()
    session = request_session()
    fields = {"new_username": new_username, "new_display_name": new_display_name,
              "new_password": new_password, "edit_user": edit_user,
              "edit_password": edit_password}
    ran = run_command(lambda session: _command(trigger, fields).run(session, now=now()))
    if ran.ok:
        feedback = dbc.Alert(t(f"users.done.{trigger.removeprefix('users-')}", lang,
                               username=ran.value.username), color="success", id="users-done")
    else:
        feedback = dbc.Alert(ran.message(lang), color="danger", id="users-invalid")
    return (feedback, accounts_table(session, now(), lang, "users"), "", "",
            account_options(all_accounts(session)))
