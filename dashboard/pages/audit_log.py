"""The audit log (auditors only): filter by user, action and date, page through it.

Read only: the log is append-only; ``antifraud audit verify`` checks its
hash chain.  The object column names what each entry was about; for a
refused request, the record or unit that was tried (``warning:1234``,
``unit:7``, ``unit-code:350299``; ``warning:invalid`` for text that was not
an id).  A filter value that does not parse is a message naming the filter
(``dashboard.auth.audit_log.FilterRefused``), never an error page nor a list
filtered differently from what was asked.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, ctx, dcc, html, no_update

from dashboard.auth import audit
from dashboard.auth.audit_log import FilterRefused, parse_filter, parse_page, search, usernames
from dashboard.auth.permissions import roles
from dashboard.components.dropdown import dropdown
from dashboard.i18n import MissingMessage, current_language, t
from dashboard.web.database import request_session
from dashboard.web.guard import requires

PERMISSION = "view_audit"
dash.register_page(__name__, path="/audit", name="nav.audit", order=90, permission=PERMISSION)

COLUMNS = ("at", "username", "role", "action", "object", "outcome", "source_address")
FILTERS = ("audit-user", "audit-action", "audit-dates")  # a change of one starts at page 1


def action_label(action: str, lang: str) -> str:
    """The action's name in ``lang``; its code for actions without a label."""
    try:
        return t(f"audit.action.{action}", lang)
    except MissingMessage:
        return action


def _filters(lang: str) -> dbc.Row:
    session = request_session()
    return dbc.Row([
        dbc.Col(dropdown(lang, [{"label": n, "value": n} for n in usernames(session)],
                               id="audit-user", placeholder=t("audit.filter.user", lang)), md=3),
        dbc.Col(dropdown(lang, [{"label": action_label(a, lang), "value": a} for a in audit.ACTIONS],
                               id="audit-action", placeholder=t("audit.filter.action", lang)), md=3),
        dbc.Col(dcc.DatePickerRange(id="audit-dates", display_format="YYYY-MM-DD",
                                    start_date_placeholder_text=t("audit.filter.from", lang),
                                    end_date_placeholder_text=t("audit.filter.to", lang),
                                    clearable=True), md=4),
    ], className="mb-3 g-2")


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    return html.Div([
        html.H4(t("audit.title", lang), id="audit-title"),
        _filters(lang),
        html.Div(id="audit-summary", className="text-muted mb-2"),
        html.Div(id="audit-table"),
        dbc.Pagination(id="audit-page", max_value=1, active_page=1, fully_expanded=False,
                       first_last=True, previous_next=True),
    ])


def _row(entry, lang: str) -> html.Tr:
    role = roles().get(entry.role or "")
    cells = {
        "at": entry.at.strftime("%Y-%m-%d %H:%M:%S"), "username": entry.username or "—",
        "role": role.name(lang) if role else (entry.role or "—"),
        "action": action_label(entry.action, lang), "object": entry.object or "",
        "outcome": t(f"audit.outcome.{entry.outcome}", lang)
        if entry.outcome in (audit.SUCCESS, audit.FAILURE, audit.DENIED) else entry.outcome,
        "source_address": entry.source_address or "",
    }
    return html.Tr([html.Td(cells[c]) for c in COLUMNS])


@callback(
    Output("audit-table", "children"), Output("audit-summary", "children"),
    Output("audit-page", "max_value"), Output("audit-page", "active_page"),
    Input("audit-user", "value"), Input("audit-action", "value"),
    Input("audit-dates", "start_date"), Input("audit-dates", "end_date"),
    Input("audit-page", "active_page"),
)
@requires(PERMISSION)
def show_entries(username, action, start, end, page):
    lang = current_language()
    try:
        wanted, page = parse_filter(username, action, start, end), parse_page(page)
        found = search(request_session(), wanted, page=1 if ctx.triggered_id in FILTERS else page)
    except FilterRefused as refused:
        alert = dbc.Alert(refused.message(lang), color="warning", id="audit-refused", className="mb-0")
        return html.Div(), alert, no_update, no_update
    head = html.Thead(html.Tr([html.Th(t(f"audit.column.{c}", lang)) for c in COLUMNS]))
    table = dbc.Table([head, html.Tbody([_row(e, lang) for e in found.entries],
                                        id="audit-rows")], striped=True, size="sm", hover=True,
                      responsive=True)
    summary = t("audit.summary", lang, total=found.total, page=found.page, pages=found.pages)
    return table, summary, found.pages, found.page
