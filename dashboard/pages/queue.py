"""The live warning queue of the user's unit: open warnings, most urgent first, 50 to a page.

``/queue`` (``?unit=<code>&risk=high&type=<fraud type>&status=<status>`` to
start filtered) lists the open warnings of the user's scope, or of a unit
inside it, read one page at a time on the server
(``dashboard.metrics.queue``): the browser never holds more than the page it
shows.  The filters' values, the unit and the sort are checked on the server
at every request; a unit outside the scope shows nothing and is audited
(``scope_within``).  The page refreshes itself every ``LIVE_REFRESH_SECONDS``
(such ticks do not count as the user's activity).
"""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import current_app
from sqlalchemy import select

from dashboard.components.anomalies import anomaly_items, anomaly_section
from dashboard.components.dropdown import dropdown
from dashboard.components.queue_table import (
    DEFAULT_SORT,
    clean_sort,
    code_names,
    queue_summary,
    queue_table,
)
from dashboard.domain import OrgUnit
from dashboard.domain.reference import Channel, FraudType, RiskLevel, WarningStatus
from dashboard.i18n import current_language, name_of, t
from dashboard.metrics.anomalies import anomaly_flags
from dashboard.metrics.queue import PAGE_SIZE, QueueFilter, warning_queue
from dashboard.web.access import current_scope, scope_within
from dashboard.web.callback_values import page_number
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import now

PERMISSION = "view_queue"
dash.register_page(__name__, path="/queue", name="nav.queue", order=8, permission=PERMISSION,
                   title=lambda **_: t("nav.queue"))
FILTERS = ("risk", "type", "status", "unit")


def _names(session, lang: str) -> dict[str, dict[str, str]]:
    return {"risk": code_names(session, RiskLevel, lang),
            "fraud_type": code_names(session, FraudType, lang),
            "channel": code_names(session, Channel, lang),
            "status": code_names(session, WarningStatus, lang)}


def _unit_options(session, lang: str) -> list[dict]:
    """The units of the user's own subtree, indented by depth: the only units they may pick."""
    units = session.scalars(current_scope().filter_org_units(select(OrgUnit))
                            .order_by(OrgUnit.path)).all()
    if not units:
        return []
    top = min(u.path.count("/") for u in units)
    return [{"label": "\u3000" * (u.path.count("/") - top) + name_of(u, lang), "value": u.code}
            for u in units]


def _choices(values, allowed: dict[str, str]) -> list[str]:
    """Browser values (one or a list) kept only if they are known codes."""
    values = [values] if isinstance(values, str) else values if isinstance(values, list) else []
    return [v for v in values if isinstance(v, str) and v in allowed]


def _select(id_: str, options: list[dict], value, lang: str, multi: bool = True):
    return html.Div(dropdown(lang, id=id_, options=options, value=value, multi=multi,
                                   placeholder=t(f"queue.filter.{id_.removeprefix('queue-')}", lang)),
                    className="queue-filter")


@requires(PERMISSION)
def layout(unit=None, risk=None, type=None, status=None, **_kwargs):  # noqa: A002 - URL names
    lang = current_language()
    session = request_session()
    names = _names(session, lang)
    open_statuses = {row.code: name_of(row, lang) for row in session.scalars(
        select(WarningStatus).where(WarningStatus.is_open.is_(True)).order_by(WarningStatus.sort_order))}
    units = _unit_options(session, lang)
    unit_codes = {o["value"] for o in units}
    options = {key: [{"label": label, "value": code} for code, label in choices.items()]
               for key, choices in (("risk", names["risk"]), ("type", names["fraud_type"]),
                                    ("status", open_statuses))}
    refresh_ms = int(current_app.config["LIVE_REFRESH_SECONDS"]) * 1000
    return html.Div([
        html.H4(t("queue.title", lang), id="queue-title"),
        anomaly_section("queue"),
        html.Div([
            _select("queue-risk", options["risk"], _choices(risk, names["risk"]), lang),
            _select("queue-type", options["type"], _choices(type, names["fraud_type"]), lang),
            _select("queue-status", options["status"], _choices(status, open_statuses), lang),
            _select("queue-unit", units, unit if unit in unit_codes else None, lang, multi=False)
            if len(units) > 1 else dropdown(lang, id="queue-unit", options=[], value=None,
                                                  style={"display": "none"}),
        ], className="d-flex flex-wrap gap-2 mb-2", id="queue-filters"),
        html.Div(id="queue-summary", className="small text-muted mb-2"),
        html.Div(id="queue-rows"),
        dbc.Pagination(id="queue-pages", max_value=1, active_page=1, fully_expanded=False,
                       first_last=True, previous_next=True, size="sm", className="flex-wrap"),
        dcc.Store(id="queue-sort", data=dict(DEFAULT_SORT)),
        dcc.Interval(id="queue-tick", interval=refresh_ms),
    ], id="queue-page")


@callback(
    Output("queue-rows", "children"),
    Output("queue-summary", "children"),
    Output("queue-pages", "max_value"),
    Output("queue-pages", "active_page"),
    Input("queue-risk", "value"),
    Input("queue-type", "value"),
    Input("queue-status", "value"),
    Input("queue-unit", "value"),
    Input("queue-sort", "data"),
    Input("queue-pages", "active_page"),
    Input("queue-tick", "n_intervals"),
)
@requires(PERMISSION, values={"page": page_number})
def show_queue(risk, fraud_type, status, unit, sort, page, _ticks):
    """One page of the open warnings the user may see, for the filters the browser holds."""
    lang = current_language()
    session = request_session()
    scope = scope_within(unit if isinstance(unit, str) else None)
    sort = clean_sort(sort)
    trigger = ctx.triggered_id
    page = 1 if trigger in ("queue-risk", "queue-type", "queue-status", "queue-unit", "queue-sort") \
        else page if isinstance(page, int) and page > 0 else 1
    at = now()
    wanted = QueueFilter.of(risk, fraud_type, status)
    result = warning_queue(session, scope, at, wanted, [(sort["key"], sort["desc"])],
                           offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(math.ceil(result.total / PAGE_SIZE), 1)
    if page > pages:  # the queue shrank under the user: show its last page
        page = pages
        result = warning_queue(session, scope, at, wanted, [(sort["key"], sort["desc"])],
                               offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    table = queue_table(result.rows, _names(session, lang), sort, lang)
    summary = queue_summary(result.total, result.overdue, result.offset, len(result.rows), at, lang)
    return table, summary, pages, page


@callback(
    Output("queue-sort", "data"),
    Input({"type": "queue-sort", "column": ALL}, "n_clicks"),
    State("queue-sort", "data"),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def sort_by(clicks, current):
    """A header click sorts by its column; a second click on it reverses the order."""
    if not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    current = clean_sort(current)
    wanted = clean_sort({"key": ctx.triggered_id.get("column")})
    if wanted["key"] == current["key"]:
        wanted["desc"] = not current["desc"]
    return wanted


def _queue_href(code: str) -> str:
    return f"/queue?unit={code}"


def _anomalies(unit: str | None):
    """The anomaly flags (``metrics.anomalies``) of ``unit`` inside the user's scope, or of the scope."""
    return anomaly_flags(request_session(), scope_within(unit) if unit else current_scope(), now())


@callback(
    Output("queue-anomalies", "children"),
    Input("queue-anomalies-tick", "n_intervals"),
    State("queue-unit", "value"),
)
@requires(PERMISSION)
def refresh_anomalies(_tick, unit):
    """The anomaly flags of the unit picked in the filter (or of the user's scope): on arrival, then every tick."""
    return anomaly_items(_anomalies(unit if isinstance(unit, str) and unit else None),
                         current_language(), _queue_href)
