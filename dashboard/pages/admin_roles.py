"""Roles and second factors (the security administrator): grant, revoke, reset a second factor.

Granting a business role and unit is what makes an account usable; the
account must have been created by someone else (``GrantRole``), and the three
administrators' accounts are not offered.  Resetting a second factor (a lost
phone) needs its own permission.  Every change is a command run in this
request's transaction and audited; a refusal names the field to correct.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth.permissions import administrator_roles, roles
from dashboard.commands.errors import Invalid
from dashboard.commands.grant_role import GrantRole
from dashboard.commands.reset_second_factor import ResetSecondFactor
from dashboard.commands.revoke_role import RevokeRole
from dashboard.components.accounts import account_options, accounts_table, all_accounts, field
from dashboard.components.dropdown import dropdown
from dashboard.domain import OrgUnit, User
from dashboard.i18n import current_language, name_of, t
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import client_address, now

PERMISSION = "grant_roles"
RESET = "reset_second_factors"
dash.register_page(__name__, path="/admin/roles", name="nav.roles", order=82,
                   permission=PERMISSION)


def _business_accounts(session) -> list[User]:
    admins = administrator_roles()
    return [user for user in all_accounts(session) if user.role not in admins]


def _role_options(lang: str) -> list[dict]:
    return [{"label": role.name(lang), "value": code} for code, role in roles().items()
            if not role.is_administrator]


def _unit_options(session, lang: str) -> list[dict]:
    units = session.scalars(select(OrgUnit).where(OrgUnit.retired_on.is_(None))
                            .order_by(OrgUnit.path)).all()
    return [{"label": "\u3000" * unit.path.count("/") + f"{name_of(unit, lang)} ({unit.code})",
             "value": unit.code} for unit in units]


def _grant_card(session, lang: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H5(t("admins.grant.title", lang)),
        html.P(t("admins.grant.help", lang), className="text-muted small"),
        field("users.field.user", dropdown(lang, account_options(_business_accounts(session)),
                                           id="roles-user"), lang),
        field("users.field.role", dropdown(lang, _role_options(lang), id="roles-role"), lang),
        field("users.field.unit", dropdown(lang, _unit_options(session, lang), id="roles-unit"),
              lang),
        html.Div([
            dbc.Button(t("admins.grant.submit", lang), id="roles-grant", color="primary"),
            dbc.Button(t("admins.revoke.submit", lang), id="roles-revoke", color="danger",
                       outline=True),
        ], className="d-flex gap-2"),
    ]), className="mb-3")


def _second_factor_card(session, lang: str) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H5(t("admins.second_factor.title", lang)),
        html.P(t("admins.second_factor.help", lang), className="text-muted small"),
        field("users.field.user", dropdown(lang, account_options(all_accounts(session)),
                                           id="roles-totp-user"), lang),
        dbc.Button(t("admins.second_factor.submit", lang), id="roles-totp-reset",
                   color="secondary"),
    ]))


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    return html.Div([
        html.H4(t("admins.roles.title", lang), id="roles-title"),
        html.Div(id="roles-feedback"),
        dbc.Row([
            dbc.Col(html.Div(accounts_table(session, now(), lang, "roles"),
                             id="roles-table"), lg=7),
            dbc.Col([_grant_card(session, lang), _second_factor_card(session, lang)], lg=5),
        ]),
    ])


def _answer(session, lang: str, run):
    """Run one command in the request's transaction, and draw the feedback and the new table."""
    ran = run_command(lambda _session: run())
    feedback = (dbc.Alert(ran.value, color="success", id="roles-done") if ran.ok else
                dbc.Alert(ran.message(lang), color="danger", id="roles-invalid"))
    return (feedback, accounts_table(session, now(), lang, "roles"),
            account_options(_business_accounts(session)))


@callback(
    Output("roles-feedback", "children", allow_duplicate=True),
    Output("roles-table", "children", allow_duplicate=True),
    Output("roles-user", "options"),
    Input("roles-grant", "n_clicks"), Input("roles-revoke", "n_clicks"),
    State("roles-user", "value"), State("roles-role", "value"), State("roles-unit", "value"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def change_role(_grant, _revoke, user_id, role, unit):
    trigger = ctx.triggered_id
    if trigger is None:
        raise PreventUpdate
    lang, session = current_language(), request_session()

    def run() -> str:
        if user_id is None:
            raise Invalid("user", "admin.error.user_unknown")
        if trigger == "roles-grant":
            user = GrantRole(current_user, user_id, role or "", unit,
                             source_address=client_address()).run(session, now=now())
            return t("admins.grant.done", lang, username=user.username)
        user = RevokeRole(current_user, user_id, source_address=client_address()).run(
            session, now=now())
        return t("admins.revoke.done", lang, username=user.username)

    return _answer(session, lang, run)


@callback(
    Output("roles-feedback", "children", allow_duplicate=True),
    Output("roles-table", "children", allow_duplicate=True),
    Output("roles-totp-user", "options"),
    Input("roles-totp-reset", "n_clicks"), State("roles-totp-user", "value"),
    prevent_initial_call=True,
)
@requires(RESET)
def reset_second_factor(_reset, user_id):
    lang, session = current_language(), request_session()

    def run() -> str:
        if user_id is None:
            raise Invalid("user", "admin.error.user_unknown")
        user = ResetSecondFactor(current_user, user_id, source_address=client_address()).run(
            session, now=now())
        return t("admins.second_factor.done", lang, username=user.username)

    feedback, table, _options = _answer(session, lang, run)
    return feedback, table, account_options(all_accounts(session))


@callback(
    Output("roles-role", "value"), Output("roles-unit", "value"),
    Input("roles-user", "value"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def show_role(user_id):
    """Fill the role and unit of the chosen account."""
    user = request_session().get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise PreventUpdate
    return user.role, user.unit.code if user.unit else None
