"""The task board of the user's unit: inbox, outbox, everything in scope; a map of open tasks.

Overdue and escalated tasks come first and in red; parents show how many of
their children are done.  Commanders also see the door visits that recent
warnings call for and confirm each with one click.  Everything is read on
the server for the logged-in user (``current_scope``); the browser sends
only filter values, which are checked.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from dashboard.auth.permissions import allowed
from dashboard.auth.task_access import MANAGE, VIEW
from dashboard.commands.tasks import TaskInvalid
from dashboard.commands.tasks.proposals import confirm_door_visit, proposals_in
from dashboard.components.charts import json_values
from dashboard.components.dropdown import dropdown
from dashboard.components.graph_config import graph_config
from dashboard.components.maps import precinct_map
from dashboard.components.tasks import (
    fmt_time,
    kind_names,
    options,
    priority_badge,
    priority_names,
    remaining,
    status_badges,
)
from dashboard.domain import OrgUnit
from dashboard.i18n import current_language, name_of, t
from dashboard.metrics.geography import precincts
from dashboard.metrics.task_board import (
    BOXES,
    FLAGS,
    STATUS_FILTERS,
    BoardFilter,
    board_rows,
    open_by_precinct,
    waiting_count,
)
from dashboard.web.access import current_scope
from dashboard.web.callback_values import code
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import RecordInput, requires
from dashboard.web.login import client_address, now
from dashboard.web.precinct_shapes import shapes_url

dash.register_page(__name__, path="/tasks", name="nav.tasks", order=30, permission=VIEW)


def _unit(session):
    unit_id = getattr(current_user, "unit_id", None)
    return session.get(OrgUnit, unit_id) if unit_id is not None else None


def _row(row, kinds, priorities, at, lang) -> html.Tr:
    red = bool(row["overdue"]) or (row["escalated_for"] and row["status"] not in ("done", "cancelled"))
    progress = (t("tasks.progress", lang, done=row["children_done"], total=row["children_total"])
                if row["children_total"] else "")
    return html.Tr([
        html.Td(status_badges(row["status"], bool(row["overdue"]), row["escalated_for"], lang)),
        html.Td(html.A(row["title"], href=f"/task/{row['id']}", id=f"tasks-board-link-{row['id']}")),
        html.Td(kinds.get(row["kind"], row["kind"])),
        html.Td(priority_badge(row["priority"], priorities)),
        html.Td(name_of({"name_zh": row["issuing_zh"], "name_en": row["issuing_en"]}, lang)),
        html.Td(name_of({"name_zh": row["target_zh"], "name_en": row["target_en"]}, lang)),
        html.Td([fmt_time(row["deadline_at"]), html.Br(),
                 html.Small(remaining(row["deadline_at"], at, lang), className="text-muted")
                 if row["status"] not in ("done", "cancelled") else ""]),
        html.Td(progress, id=f"tasks-board-progress-{row['id']}"),
    ], id=f"tasks-board-row-{row['id']}", className="table-danger" if red else None)


def _table(frame, kinds, priorities, at, lang):
    if frame.empty:
        return html.P(t("tasks.board.empty", lang), className="text-muted", id="tasks-board-empty")
    head = html.Thead(html.Tr([html.Th(t(f"tasks.column.{c}", lang)) for c in (
        "status", "title", "kind", "priority", "from", "to", "deadline", "progress")]))
    body = html.Tbody([_row(row, kinds, priorities, at, lang) for row in frame.to_dict("records")])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, id="tasks-board-table")


def _map(session, scope, at, lang) -> dict:
    level = "county" if scope.level == "city" else "station"
    values = open_by_precinct(session, scope, at, level)
    shapes = precincts(session, scope, level)
    figure = precinct_map(shapes, values, t("tasks.map.open", lang), lang, height=420,
                          shapes=shapes_url(scope.unit_id, level, shapes),
                          value_range=(0, max(1, int(values["value"].max()) if len(values) else 1)))
    red = values[(values["overdue"] + values["escalated"] > 0) & values["centroid_lon"].notna()]
    if not red.empty:
        names = [name_of(r, lang) for r in red[["name_zh", "name_en"]].to_dict("records")]
        figure["data"].append({
            "type": "scattermap", "mode": "markers",
            "lon": json_values(red["centroid_lon"]), "lat": json_values(red["centroid_lat"]),
            "marker": {"color": "#d62728", "size": json_values(10 + 3 * red["escalated"].clip(upper=8))},
            "customdata": [list(item) for item in zip(names, json_values(red["overdue"]),
                                                      json_values(red["escalated"]), strict=True)],
            "hovertemplate": "<b>%{customdata[0]}</b><br>" + t("tasks.map.overdue", lang)
            + ": %{customdata[1]}<br>" + t("tasks.map.escalated", lang)
            + ": %{customdata[2]}<extra></extra>", "showlegend": False})
    return figure


def _proposals(session, scope, at, lang):
    if not allowed(current_user, MANAGE):
        return None
    found = proposals_in(session, scope, at, lang, limit=8)
    if not found:
        return html.P(t("tasks.proposals.none", lang), className="text-muted small")
    return html.Ul([html.Li([
        html.Span(proposal.title), " · ",
        html.Small(t("tasks.proposals.deadline", lang, deadline=fmt_time(proposal.deadline_at)),
                   className="text-muted"), " ",
        dbc.Button(t("tasks.proposals.confirm", lang), size="sm", color="danger", outline=True,
                   id={"type": "tasks-board-confirm", "warning": proposal.warning_id}),
    ], className="mb-1") for proposal in found], className="list-unstyled", id="tasks-board-proposal-list")


def _select(id_, choices, value, lang, clearable=True):
    return dropdown(lang, id=id_, options=choices, value=value, clearable=clearable,
                          placeholder=t("tasks.filter.any", lang), style={"minWidth": "9rem"})


@requires(VIEW)
def layout(box=None, **_kwargs):
    lang = current_language()
    session = request_session()
    scope = current_scope()
    unit = _unit(session)
    kinds, priorities = kind_names(session, lang), priority_names(session, lang)
    issues = allowed(current_user, MANAGE)  # a unit that issues tasks has an outbox
    boxes = [{"label": t(f"tasks.box.{b}", lang), "value": b} for b in BOXES
             if issues or b != "outbox"]
    statuses = [{"label": t(f"tasks.filter.status.{s}", lang) if s in ("open", "final", "all")
                 else t(f"task.status.{s}", lang), "value": s} for s in STATUS_FILTERS]
    flags = [{"label": t(f"task.escalated.{f}", lang) if f == "overdue" else
              t("tasks.filter.escalated", lang), "value": f} for f in FLAGS]
    new_task = (dbc.Button(t("tasks.new", lang), href="/tasks/new", color="primary", size="sm",
                           id="tasks-board-new") if issues else None)
    proposals = _proposals(session, scope, now(), lang)
    refresh_ms = int(current_app.config["LIVE_REFRESH_SECONDS"]) * 3000
    return html.Div([
        html.Div([html.H4(t("tasks.board.title", lang, unit=name_of(unit, lang) if unit else ""),
                          id="tasks-board-title"), new_task],
                 className="d-flex justify-content-between align-items-center"),
        dbc.RadioItems(id="tasks-board-box", options=boxes,
                       value=box if box in {o["value"] for o in boxes} else "inbox",
                       inline=True, className="mb-2"),
        html.Div([
            _select("tasks-board-status", statuses, "open", lang, clearable=False),
            _select("tasks-board-kind", options(kinds), None, lang),
            _select("tasks-board-priority", options(priorities), None, lang),
            _select("tasks-board-flag", flags, None, lang),
        ], className="d-flex gap-2 mb-3 flex-wrap"),
        html.Div(id="tasks-board-message"),
        dbc.Row([
            dbc.Col(html.Div(id="tasks-board-rows"), lg=8),
            dbc.Col([
                dcc.Graph(id="tasks-board-map", config=graph_config(lang=lang)),
                dbc.Card([dbc.CardHeader(t("tasks.proposals.title", lang)),
                          dbc.CardBody(proposals, id="tasks-board-proposals")],
                         className="mt-3") if proposals is not None else None,
            ], lg=4),
        ]),
        dcc.Store(id="tasks-board-changed", data=0),
        dcc.Interval(id="tasks-board-interval", interval=refresh_ms),
    ])


@callback(
    Output("tasks-board-rows", "children"),
    Output("tasks-board-map", "figure"),
    Input("tasks-board-box", "value"),
    Input("tasks-board-status", "value"),
    Input("tasks-board-kind", "value"),
    Input("tasks-board-priority", "value"),
    Input("tasks-board-flag", "value"),
    Input("tasks-board-interval", "n_intervals"),
    Input("tasks-board-changed", "data"),
)
@requires(VIEW, values=dict.fromkeys(("box", "status", "kind", "priority", "flag"), code))
def show_board(box, status, kind, priority, flag, _ticks, _changed):
    """The rows of the chosen box and the map, for the logged-in user."""
    lang = current_language()
    session = request_session()
    scope = current_scope()
    at = now()
    board = BoardFilter(box or "inbox", status or "open", kind, priority, flag)
    frame = board_rows(session, current_user, scope, at, board)
    table = _table(frame, kind_names(session, lang), priority_names(session, lang), at, lang)
    return table, _map(session, scope, at, lang)


@callback(
    Output("tasks-board-proposals", "children"),
    Output("tasks-board-message", "children"),
    Output("tasks-board-changed", "data"),
    Input({"type": "tasks-board-confirm", "warning": ALL}, "n_clicks"),
    State("tasks-board-changed", "data"),
    prevent_initial_call=True,
)
@requires(MANAGE, record=RecordInput("warning", "tasks-board-confirm", "warning"))
def confirm_proposal(clicks, changed):
    """Issue the proposed door visit of the clicked warning."""
    if not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    lang = current_language()
    scope = current_scope()
    ran = run_command(lambda session: confirm_door_visit(
        session, current_user, scope, ctx.triggered_id.get("warning"), now=now(), lang=lang,
        source_address=client_address()), keep=(TaskInvalid,))  # the audit row of a refused id
    if not ran.ok:
        return dash.no_update, dbc.Alert(ran.message(lang), color="warning", dismissable=True), dash.no_update
    task, session = ran.value, request_session()
    message = dbc.Alert([t("tasks.proposals.issued", lang), " ",
                         html.A(task.title, href=f"/task/{task.id}", className="alert-link")],
                        color="success", dismissable=True, id="tasks-board-issued")
    return _proposals(session, scope, now(), lang), message, (changed or 0) + 1


@callback(
    Output("shell-tasks-badge", "children"),
    Output("shell-tasks-badge", "color"),
    Input("shell-tasks-interval", "n_intervals"),
)
@requires(VIEW)
def refresh_badge(_ticks):
    """The count of tasks waiting for the logged-in user, in the navbar."""
    count = waiting_count(request_session(), current_user)
    return str(count), "danger" if count else "secondary"
