"""The page shell: navigation bar built from the page registry, the user, language switch.

Only pages the logged-in user may open are listed (``guard.visible_pages``);
the guard refuses the others on the server anyway.  The user's name and role
sit beside a logout button (a form POST carrying the CSRF token).
"""

from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import request
from flask_login import current_user
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed, roles
from dashboard.auth.task_access import VIEW
from dashboard.i18n import LANGUAGES, current_language, t
from dashboard.metrics.task_board import waiting_count
from dashboard.web.badges import badge
from dashboard.web.csrf import FORM_FIELD, csrf_token
from dashboard.web.database import request_session
from dashboard.web.guard import home_path, visible_pages

LANGUAGE_LABELS = {"zh-CN": "中文", "en": "English"}
# screen-reader labels the libraries write in English (assets/library_labels.js swaps them in)
LIBRARY_LABELS = {"Clear Dates": "library.clear_dates", "First": "library.first", "Previous": "library.previous",
                  "(current)": "library.current", "Next": "library.next", "Last": "library.last",
                  "Close alert": "library.close_alert", "Map": "library.map",
                  "Toggle attribution": "library.toggle_attribution"}


def _nav_links(lang: str) -> list:
    return [
        dbc.NavItem(dbc.NavLink(t(page["name"], lang), href=page["relative_path"], active="exact"))
        for page in visible_pages(current_user)
    ]


def _language_switch(lang: str) -> html.Div:
    here = request.full_path.rstrip("?") if request else "/"
    if here.startswith("/_dash"):
        here = "/"
    return html.Div(
        [html.A(LANGUAGE_LABELS[code], href=f"/lang/{code}?next={here}",
                className="lang-switch" + (" active" if code == lang else ""), id=f"lang-{code}")
         for code in LANGUAGES],
        className="d-flex gap-2 ms-3",
    )


def _user_menu(lang: str) -> html.Div:
    if not current_user.is_authenticated:
        return html.Div()
    role = roles().get(current_user.role)
    items = [html.Span([html.Span(current_user.display_name, id="shell-user-name"), " · ",
                        html.Span(role.name(lang) if role else current_user.role,
                                  id="shell-user-role")],
                       className="navbar-text text-light small")]
    if allowed(current_user, "manage_own_account"):
        items.append(html.A(t("account.password.link", lang), href="/account/password",
                            id="shell-password", className="lang-switch small"))
    if not current_user.has_totp:
        items.append(html.A(t("auth.enrol.link", lang), href="/login/enrol", id="shell-enrol",
                            className="lang-switch small"))
    items.append(html.Form([
        dcc.Input(type="hidden", name=FORM_FIELD, value=csrf_token(), id="shell-logout-token"),
        html.Button(t("auth.logout", lang), type="submit", id="shell-logout",
                    className="btn btn-outline-light btn-sm"),
    ], action="/logout", method="POST", className="m-0"))
    return html.Div(items, className="d-flex align-items-center gap-3 ms-3")


def shell_layout() -> html.Div:
    lang = current_language()
    navbar = dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand(t("app.title", lang), href=home_path(current_user)),
            dbc.Nav(_nav_links(lang), navbar=True, className="me-auto"),
            navbar_badge(request_session(), current_user, lang),
            _user_menu(lang),
            _language_switch(lang),
        ], fluid=True),
        color="dark", dark=True, className="mb-3",
    )
    return html.Div([
        dcc.Location(id="shell-url"),
        navbar,
        dbc.Container(dash.page_container, fluid=True, id="shell-main"),
    ], lang=lang, **{"data-library-labels": json.dumps(
        {text: t(key, lang) for text, key in LIBRARY_LABELS.items()}, ensure_ascii=False)})


BADGE_REFRESH_MS = 60_000  # the tasks badge's own refresh


def navbar_badge(session: Session, user, lang: str):
    """The navbar's "tasks waiting for me" link with its count, or None for users without tasks.

    ``dashboard.pages.tasks_board`` refreshes the count every minute.
    """
    if not getattr(user, "is_authenticated", False) or not allowed(user, VIEW):
        return None
    count = waiting_count(session, user)
    return html.Div([
        html.A([t("tasks.badge", lang), " ",
                badge(str(count), color="danger" if count else "secondary", pill=True,
                      id="shell-tasks-badge")],
               href="/tasks?box=inbox", className="nav-link text-light", id="shell-tasks-link"),
        dcc.Interval(id="shell-tasks-interval", interval=BADGE_REFRESH_MS),
    ], className="d-flex align-items-center ms-2")
