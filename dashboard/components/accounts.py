"""The accounts table shown to the system and the security administrator.

Who each account is, its role and unit (or that it waits for one), its state,
its second factor, and the two people behind it: who created it and who
granted its role.  No citizen data: accounts and units only.
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy import select

from dashboard.auth.permissions import roles
from dashboard.domain import User
from dashboard.i18n import name_of, t

COLUMNS = ("username", "display_name", "role", "unit", "status", "totp", "created_by",
           "role_granted_by")


def account_status(user: User, now: datetime, lang: str) -> str:
    """Disabled, awaiting a role, locked, must change the password, or active."""
    if not user.is_active:
        key = "users.status.disabled"
    elif user.role is None:
        key = "admins.status.awaiting_role"
    elif user.is_locked(now):
        key = "users.status.locked"
    elif user.must_change_password:
        key = "admins.status.must_change_password"
    else:
        key = "users.status.active"
    return t(key, lang)


def role_label(user: User, lang: str) -> str:
    role = roles().get(user.role or "")
    if role is None:
        return t("admins.role.none", lang) if user.role is None else user.role
    return role.name(lang)


def all_accounts(session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def accounts_table(session, now: datetime, lang: str, prefix: str) -> dbc.Table:
    """Every account; ids ``{prefix}-table-rows`` and ``{prefix}-row-{username}``."""
    head = html.Thead(html.Tr([html.Th(t(f"admins.column.{c}", lang)) for c in COLUMNS]))
    rows = [html.Tr([
        html.Td(user.username), html.Td(user.display_name), html.Td(role_label(user, lang)),
        html.Td(name_of(user.unit, lang) if user.unit else "—"),
        html.Td(account_status(user, now, lang)),
        html.Td(t("users.totp.yes" if user.has_totp else "users.totp.no", lang)),
        html.Td(user.created_by or "—"), html.Td(user.role_granted_by or "—"),
    ], id=f"{prefix}-row-{user.username}") for user in all_accounts(session)]
    return dbc.Table([head, html.Tbody(rows)], striped=True, size="sm", responsive=True,
                     id=f"{prefix}-table-rows")


def account_options(users: list[User]) -> list[dict]:
    return [{"label": f"{u.username} · {u.display_name}", "value": u.id} for u in users]


def field(label_key: str, component, lang: str) -> html.Div:
    """A labelled form field."""
    return html.Div([dbc.Label(t(label_key, lang), html_for=component.id), component],
                    className="mb-2")
