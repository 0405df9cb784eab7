"""The security policy (the security administrator): password, lockout, sessions, second factor.

Each setting of ``data/security_policy.csv`` shows the value in force, the
deployment's default (the environment) and a field to choose another within
its bounds; an empty field gives the default back.  Saving is one command
(``SetSecurityPolicy``): every value checked first, one audit row.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, html
from flask import current_app
from flask_login import current_user

from dashboard.auth.permissions import roles
from dashboard.auth.policy import policy_items, stored_choices
from dashboard.auth.totp import required_roles
from dashboard.commands.set_security_policy import SetSecurityPolicy
from dashboard.components.dropdown import dropdown
from dashboard.i18n import current_language, t
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import client_address, now

PERMISSION = "manage_security_policy"
dash.register_page(__name__, path="/admin/policy", name="nav.policy", order=84,
                   permission=PERMISSION)


def _shown(value) -> str:
    if value is None or value == "" or value == ():
        return "—"
    if isinstance(value, (tuple, list)):
        return ", ".join(value)
    return str(value)


def _input(item, stored: str | None, lang: str):
    ident = {"type": "policy-value", "name": item.name}
    if item.kind == "roles":
        options = [{"label": role.name(lang), "value": code} for code, role in roles().items()]
        chosen = stored.split(",") if stored else None
        return dropdown(lang, options, id=ident, multi=True, value=chosen,
                        placeholder=t("admins.policy.default", lang))
    return dbc.Input(id=ident, type="text", inputMode="numeric", value=stored or "",
                     placeholder=t("admins.policy.default", lang), maxLength=6)


def _default(item):
    """The value of the deployment (environment), as the rules read it when nothing is chosen."""
    if item.kind == "roles":
        return tuple(code for code in roles() if code in required_roles(current_app.config))
    return current_app.config.get(item.name)


def _rows(session, lang: str) -> list:
    stored = stored_choices(session)
    rows = []
    for item in policy_items().values():
        row = stored.get(item.name)
        bounds = (t("admins.policy.bounds", lang, minimum=item.minimum, maximum=item.maximum)
                  if item.kind == "integer" else t("admins.policy.roles_bound", lang))
        rows.append(html.Tr([
            html.Td([html.Div(t(f"policy.setting.{item.name}", lang)),
                     html.Small(f"{item.name} · {bounds}", className="text-muted")]),
            html.Td(_shown(_default(item))),
            html.Td(_input(item, row.value if row else None, lang), style={"minWidth": "14rem"}),
            html.Td(f"{row.changed_by} · {row.changed_at:%Y-%m-%d %H:%M}" if row else "—"),
        ], id=f"policy-row-{item.name}"))
    return rows


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    head = html.Thead(html.Tr([html.Th(t(f"admins.policy.column.{c}", lang))
                               for c in ("setting", "default", "chosen", "changed")]))
    return html.Div([
        html.H4(t("admins.policy.title", lang), id="policy-title"),
        html.P(t("admins.policy.help", lang), className="text-muted"),
        html.Div(id="policy-feedback"),
        dbc.Table([head, html.Tbody(_rows(session, lang), id="policy-rows")], size="sm",
                  responsive=True),
        dbc.Button(t("admins.policy.save", lang), id="policy-save", color="primary"),
    ])


@callback(
    Output("policy-feedback", "children"),
    Input("policy-save", "n_clicks"),
    State({"type": "policy-value", "name": ALL}, "value"),
    State({"type": "policy-value", "name": ALL}, "id"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def save_policy(_save, values, ids):
    lang = current_language()
    choices = {}
    for ident, value in zip(ids or [], values or [], strict=False):
        name = ident.get("name") if isinstance(ident, dict) else None
        if not isinstance(name, str):
            continue
        choices[name] = ",".join(str(v) for v in value) if isinstance(value, list) else value
    ran = run_command(lambda session: SetSecurityPolicy(
        current_user, choices, source_address=client_address()).run(session, now=now()))
    if not ran.ok:
        return dbc.Alert(ran.message(lang), color="danger", id="policy-invalid")
    changed = ran.value
    if not changed:
        return dbc.Alert(t("admins.policy.unchanged", lang), color="secondary", id="policy-done")
    return dbc.Alert(t("admins.policy.saved", lang, names=", ".join(changed)), color="success",
                     id="policy-done")
