"""Users (admins only): list, create, disable or enable, reset password, set role and unit.

Every change is a command of ``dashboard.commands`` run in this request's
transaction and audited there; a refusal names the field to correct.
Passwords typed here are cleared from the form after each action and never
stored in the browser.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth.permissions import roles
from dashboard.commands.create_user import CreateUser
from dashboard.commands.disable_user import DisableUser
from dashboard.commands.errors import Invalid
from dashboard.commands.reset_password import ResetPassword
from dashboard.commands.set_role import SetRole
from dashboard.components.dropdown import dropdown
from dashboard.domain import OrgUnit, User
from dashboard.i18n import current_language, name_of, t
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import client_address, now

PERMISSION = "manage_users"
dash.register_page(__name__, path="/admin/users", name="nav.users", order=80,
                   permission=PERMISSION)


def _unit_options(session, lang: str) -> list[dict]:
    units = session.scalars(select(OrgUnit).order_by(OrgUnit.path)).all()
    return [{"label": "\u3000" * unit.path.count("/") + f"{name_of(unit, lang)} ({unit.code})",
             "value": unit.code} for unit in units]


def _role_options(lang: str) -> list[dict]:
    return [{"label": role.name(lang), "value": code} for code, role in roles().items()]


def _user_options(session) -> list[dict]:
    users = session.scalars(select(User).order_by(User.username)).all()
    return [{"label": f"{u.username} · {u.display_name}", "value": u.id} for u in users]


def _status(user: User, lang: str) -> str:
    if not user.is_active:
        return t("users.status.disabled", lang)
    if user.is_locked(now()):
        return t("users.status.locked", lang)
    return t("users.status.active", lang)


def _users_table(session, lang: str) -> dbc.Table:
    users = session.scalars(select(User).order_by(User.username)).all()
    head = html.Thead(html.Tr([html.Th(t(f"users.column.{c}", lang)) for c in
                               ("username", "display_name", "role", "unit", "status", "totp")]))
    rows = []
    for user in users:
        role = roles().get(user.role)
        rows.append(html.Tr([
            html.Td(user.username), html.Td(user.display_name),
            html.Td(role.name(lang) if role else user.role),
            html.Td(name_of(user.unit, lang) if user.unit else "—"),
            html.Td(_status(user, lang)),
            html.Td(t("users.totp.yes" if user.has_totp else "users.totp.no", lang)),
        ], id=f"users-row-{user.username}"))
    return dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", id="users-table-rows")


def _field(label_key: str, component, lang: str) -> html.Div:
    return html.Div([dbc.Label(t(label_key, lang), html_for=component.id), component],
                    className="mb-2")


def _create_card(session, lang: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H5(t("users.create.title", lang)),
        _field("auth.field.username", dbc.Input(id="users-new-username", maxLength=64), lang),
        _field("users.field.display_name", dbc.Input(id="users-new-display-name", maxLength=80),
               lang),
        _field("users.field.role", dropdown(lang, _role_options(lang), id="users-new-role"), lang),
        _field("users.field.unit", dropdown(lang, _unit_options(session, lang), id="users-new-unit"),
               lang),
        _field("auth.field.password", dbc.Input(id="users-new-password", type="password",
                                                autoComplete="new-password"), lang),
        dbc.Button(t("users.create.submit", lang), id="users-create", color="primary"),
    ]), className="mb-3")


def _edit_card(session, lang: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H5(t("users.edit.title", lang)),
        _field("users.field.user", dropdown(lang, _user_options(session), id="users-edit-user"), lang),
        _field("users.field.role", dropdown(lang, _role_options(lang), id="users-edit-role"), lang),
        _field("users.field.unit", dropdown(lang, _unit_options(session, lang), id="users-edit-unit"),
               lang),
        dbc.Button(t("users.edit.save_role", lang), id="users-save-role", color="primary",
                   className="mb-3"),
        _field("users.field.new_password", dbc.Input(id="users-edit-password", type="password",
                                                     autoComplete="new-password"), lang),
        dbc.Button(t("users.edit.reset_password", lang), id="users-reset", color="secondary",
                   className="mb-3"),
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
            dbc.Col(html.Div(_users_table(session, lang), id="users-table"), lg=7),
            dbc.Col([_create_card(session, lang), _edit_card(session, lang)], lg=5),
        ]),
    ])


def _command(trigger: str, fields: dict):
    """The command a button stands for, built from the form's fields."""
    actor, address = current_user, client_address()
    settings = current_app.config
    if trigger == "users-create":
        return CreateUser(actor, fields["new_username"] or "", fields["new_role"] or "",
                          fields["new_unit"], fields["new_password"] or "",
                          display_name=fields["new_display_name"], settings=settings,
                          source_address=address)
    target = fields["edit_user"]
    if target is None:
        raise Invalid("user", "admin.error.user_unknown")
    if trigger == "users-save-role":
        return SetRole(actor, target, fields["edit_role"] or "", fields["edit_unit"],
                       source_address=address)
    if trigger == "users-reset":
        return ResetPassword(actor, target, fields["edit_password"] or "", settings=settings,
                             source_address=address)
    return DisableUser(actor, target, source_address=address, active=trigger == "users-enable")


@callback(
    Output("users-feedback", "children"), Output("users-table", "children"),
    Output("users-new-password", "value"), Output("users-edit-password", "value"),
    Output("users-edit-user", "options"),
    Input("users-create", "n_clicks"), Input("users-save-role", "n_clicks"),
    Input("users-reset", "n_clicks"), Input("users-disable", "n_clicks"),
    Input("users-enable", "n_clicks"),
    State("users-new-username", "value"), State("users-new-display-name", "value"),
    State("users-new-role", "value"), State("users-new-unit", "value"),
    State("users-new-password", "value"), State("users-edit-user", "value"),
    State("users-edit-role", "value"), State("users-edit-unit", "value"),
    State("users-edit-password", "value"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def change_user(_create, _save, _reset, _disable, _enable, new_username, new_display_name,
                new_role, new_unit, new_password, edit_user, edit_role, edit_unit, edit_password):
    trigger = ctx.triggered_id
    if trigger is None:
        raise PreventUpdate
    lang = current_language()
    session = request_session()
    fields = {"new_username": new_username, "new_display_name": new_display_name,
              "new_role": new_role, "new_unit": new_unit, "new_password": new_password,
              "edit_user": edit_user, "edit_role": edit_role, "edit_unit": edit_unit,
              "edit_password": edit_password}
    try:
        user = _command(trigger, fields).run(session, now=now())
        session.commit()
        feedback = dbc.Alert(t(f"users.done.{trigger.removeprefix('users-').replace('-', '_')}", lang,
                               username=user.username), color="success", id="users-done")
    except Invalid as invalid:
        session.rollback()
        feedback = dbc.Alert(invalid.message(lang), color="danger", id="users-invalid")
    return feedback, _users_table(session, lang), "", "", _user_options(session)


@callback(
    Output("users-edit-role", "value"), Output("users-edit-unit", "value"),
    Input("users-edit-user", "value"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def show_user(user_id):
    """Fill the role and unit of the chosen user."""
    user = request_session().get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise PreventUpdate
    return user.role, user.unit.code if user.unit else None
