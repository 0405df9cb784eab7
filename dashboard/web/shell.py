"""The page shell: navigation bar built from the page registry, the user, language switch.

Only pages the logged-in user may open are listed (``guard.visible_pages``);
the guard refuses the others on the server anyway.  The user's name and role
sit beside a logout button (a form POST carrying the CSRF token).

The bar fits every screen: below Bootstrap's ``lg`` width (992 px: phones,
tablets) everything but the title folds behind a toggler; wider, the links
wrap onto a row of their own when the title, links and user's menu do not fit
one row (``assets/app.css``).  The language switch carries the page's path and
query (``?next=``), kept current in the browser as the page's URL changes, so
switching keeps the page, its unit and its period.

Under the bar, while the primary database is away (``READ_DATABASE_URL``), every
page shows "read-only: database failover in progress" (``web.failover``),
checked again every ``LIVE_REFRESH_SECONDS``.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, clientside_callback, dcc, html
from flask import current_app, request
from flask_login import current_user
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed, roles
from dashboard.auth.task_access import VIEW
from dashboard.i18n import LANGUAGES, current_language, t
from dashboard.metrics.task_board import waiting_count
from dashboard.web.badges import badge
from dashboard.web.csrf import FORM_FIELD, csrf_token
from dashboard.web.database import request_session
from dashboard.web.failover import NOTICE_ID, failover_notice
from dashboard.web.guard import SIGNED_IN, home_path, requires, visible_pages

LANGUAGE_LABELS = {"zh-CN": "中文", "en": "English"}
# screen-reader labels the libraries write in English (assets/library_labels.js swaps them in)
LIBRARY_LABELS = {"Clear Dates": "library.clear_dates", "First": "library.first", "Previous": "library.previous",
                  "(current)": "library.current", "Next": "library.next", "Last": "library.last",
                  "Close alert": "library.close_alert", "Map": "library.map",
                  "Toggle attribution": "library.toggle_attribution",
                  "Toggle navigation": "library.toggle_navigation"}


def _nav_links(lang: str) -> list:
    return [
        dbc.NavItem(dbc.NavLink(t(page["name"], lang), href=page["relative_path"], active="exact"))
        for page in visible_pages(current_user)
    ]


def switch_href(code: str, here: str) -> str:
    """The language switch's address: ``/lang/<code>`` back to ``here`` (a path and query)."""
    return f"/lang/{code}?next={quote(here, safe='/')}"


def _language_switch(lang: str) -> html.Div:
    here = request.full_path.rstrip("?") if request else "/"
    if here.startswith("/_dash"):
        here = "/"
    return html.Div(
        [html.A(LANGUAGE_LABELS[code], href=switch_href(code, here),
                className="lang-switch" + (" active" if code == lang else ""), id=f"lang-{code}")
         for code in LANGUAGES],
        className="d-flex gap-2 shell-languages",
    )


# the switch follows the page's URL as it changes without a reload (links, drill-downs, periods);
# encodeURIComponent leaves ``/`` encoded, which the switch route decodes all the same
_CODES = json.dumps(list(LANGUAGES))
clientside_callback(
    f"""(path, search) => {_CODES}.map(code =>
        '/lang/' + code + '?next=' + encodeURIComponent((path || '/') + (search || '')))""",
    [Output(f"lang-{code}", "href") for code in LANGUAGES],
    Input("shell-url", "pathname"), Input("shell-url", "search"),
    prevent_initial_call=True,
)
# the folded menu of narrow screens opens with its toggler and closes when the page changes
clientside_callback(
    """(clicks, path, open) => {
        const fired = (dash_clientside.callback_context.triggered || []).map(t => t.prop_id);
        return fired.includes('shell-nav-toggler.n_clicks') ? !open : false; }""",
    Output("shell-nav-collapse", "is_open"),
    Input("shell-nav-toggler", "n_clicks"), Input("shell-url", "pathname"),
    State("shell-nav-collapse", "is_open"),
    prevent_initial_call=True,
)


def _user_menu(lang: str) -> html.Div:
    if not current_user.is_authenticated:
        return html.Div()
    role = roles().get(current_user.role)
    who = html.Span([html.Span(current_user.display_name, id="shell-user-name"), " · ",
                     html.Span(role.name(lang) if role else current_user.role, id="shell-user-role")],
                    className="small")
    account = []  # the account's own pages, under the user's name
    if allowed(current_user, "manage_own_account"):
        account.append(dbc.DropdownMenuItem(t("account.password.link", lang), href="/account/password",
                                            external_link=True, id="shell-password"))
    if not current_user.has_totp:
        account.append(dbc.DropdownMenuItem(t("auth.enrol.link", lang), href="/login/enrol",
                                            external_link=True, id="shell-enrol"))
    items = [dbc.DropdownMenu(account, label=who, in_navbar=True, align_end=True, color="link",
                              id="shell-account", toggle_class_name="text-light text-decoration-none p-0")
             if account else html.Span(who, className="navbar-text text-light")]
    items.append(html.Form([
        dcc.Input(type="hidden", name=FORM_FIELD, value=csrf_token(), id="shell-logout-token"),
        html.Button(t("auth.logout", lang), type="submit", id="shell-logout",
                    className="btn btn-outline-light btn-sm"),
    ], action="/logout", method="POST", className="m-0"))
    return html.Div(items, className="d-flex align-items-center shell-user")


def shell_layout() -> html.Div:
    lang = current_language()
    navbar = dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand(t("app.title", lang), href=home_path(current_user)),
            dbc.NavbarToggler(id="shell-nav-toggler"),
            dbc.Collapse([
                dbc.Nav(_nav_links(lang), navbar=True, id="shell-nav"),
                html.Div([navbar_badge(request_session(), current_user, lang), _user_menu(lang),
                          _language_switch(lang)], className="shell-end"),
            ], id="shell-nav-collapse", navbar=True, is_open=False),
        ], fluid=True),
        color="dark", dark=True, expand="lg", className="mb-3", id="shell-navbar",
    )
    refresh_ms = int(current_app.config["LIVE_REFRESH_SECONDS"]) * 1000
    return html.Div([
        dcc.Location(id="shell-url"),
        navbar,
        dbc.Container([html.Div(failover_notice(lang), id=NOTICE_ID),
                       dcc.Interval(id=f"{NOTICE_ID}-tick", interval=refresh_ms)], fluid=True),
        dbc.Container(dash.page_container, fluid=True, id="shell-main"),
    ], lang=lang, **{"data-library-labels": json.dumps(
        {text: t(key, lang) for text, key in LIBRARY_LABELS.items()}, ensure_ascii=False)})


@requires(SIGNED_IN)
def refresh_failover_notice(_tick):
    """The "read-only: database failover in progress" notice while the primary is away, else none."""
    return failover_notice(current_language())


def register_callbacks(app: dash.Dash) -> None:
    """The shell's own server callbacks, on ``app`` itself (a module-level ``callback`` would go to
    the first app of the process only)."""
    app.callback(Output(NOTICE_ID, "children"), Input(f"{NOTICE_ID}-tick", "n_intervals"),
                 prevent_initial_call=True)(refresh_failover_notice)


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
    ], className="d-flex align-items-center")
