"""The body of the warning page: the clock, the playbook, the outcome form, tasks, the facts.

Rebuilt after every recorded attempt, so the form always carries the
version it was drawn for.  On a phone the parts stack in the order the
station works: playbook, form, timeline, facts.  Personal data is masked
here; roles allowed to unmask get a button per field (the page's callback).
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed
from dashboard.commands.tasks.proposals import propose_door_visit
from dashboard.components.outcome_form import outcome_form
from dashboard.components.playbook import playbook_card
from dashboard.components.queue_table import RISK_COLORS, code_names
from dashboard.components.tasks import fmt_time, status_badges
from dashboard.components.warning_timeline import deadline_badge, timeline_view
from dashboard.domain import OrgUnit, Task, Warning
from dashboard.domain.personal_data import mask_bank_account, mask_id_number, mask_name, mask_phone
from dashboard.domain.playbooks import DissuasionPlaybook
from dashboard.domain.reference import (
    Channel,
    DissuasionMethod,
    DissuasionResult,
    FraudType,
    Outcome,
    RiskLevel,
    WarningStatus,
)
from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_yuan
from dashboard.metrics.warning_timeline import warning_timeline
from dashboard.web.badges import badge

MASKS = {"phone": mask_phone, "id_number": mask_id_number, "bank_account": mask_bank_account}
ATTRIBUTES = {"phone": "person_phone", "id_number": "person_id_number",
              "bank_account": "person_bank_account"}


def names(session: Session, lang: str) -> dict[str, dict[str, str]]:
    """Code -> name of every reference list the page shows."""
    return {key: code_names(session, model, lang) for key, model in (
        ("method", DissuasionMethod), ("result", DissuasionResult), ("outcome", Outcome),
        ("risk", RiskLevel), ("fraud_type", FraudType), ("channel", Channel),
        ("status", WarningStatus))}


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _unit(session: Session, unit_id: int | None, lang: str) -> str:
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    return name_of(unit, lang) if unit is not None else "—"


def _personal_row(warning: Warning, field: str, may_unmask: bool, lang: str) -> html.Tr:
    masked = MASKS[field](getattr(warning, ATTRIBUTES[field]))
    cell = [html.Span(masked or "—", id={"type": "warning-value", "field": field},
                      className="font-monospace")]
    if may_unmask and masked:
        cell.append(dbc.Button(t("warning.unmask", lang), size="sm", color="link",
                               id={"type": "warning-unmask", "field": field}))
    return html.Tr([html.Th(t(f"warning.field.{field}", lang)), html.Td(cell)])


def facts_table(session: Session, warning: Warning, user, named, lang: str) -> dbc.Table:
    facts = [
        ("received_at", _time(warning.received_at)),
        ("fraud_type", named["fraud_type"].get(warning.fraud_type, warning.fraud_type)),
        ("risk_level", named["risk"].get(warning.risk_level, warning.risk_level)),
        ("channel", named["channel"].get(warning.channel, warning.channel)),
        ("county", _unit(session, warning.county_id, lang)),
        ("station", _unit(session, warning.station_id, lang)),
        ("status", named["status"].get(warning.status, warning.status)),
        ("deadline_at", _time(warning.deadline_at)),
        ("outcome", named["outcome"].get(warning.outcome, "—") if warning.outcome else "—"),
        ("amount_at_risk", format_yuan(warning.amount_at_risk or 0, lang)),
        ("person_name", mask_name(warning.person_name) or "—"),
    ]
    rows = [html.Tr([html.Th(t(f"warning.field.{key}", lang)), html.Td(value)])
            for key, value in facts]
    may_unmask = allowed(user, "unmask_personal_data")
    rows += [_personal_row(warning, field, may_unmask, lang) for field in MASKS]
    return dbc.Table(html.Tbody(rows), bordered=False, size="sm", responsive=True, id="warning-facts",
                     className="warning-facts")


def may_record(session: Session, warning: Warning, user) -> bool:
    """True when ``user`` may record an attempt on ``warning`` now (the command checks again)."""
    if not allowed(user, "record_outcome"):
        return False
    if warning.status != "closed":
        return True
    outcome = session.get(Outcome, warning.outcome) if warning.outcome else None
    return outcome is not None and not outcome.dissuaded and not outcome.defrauded


def tasks_section(session: Session, warning: Warning, user, at: datetime, lang: str):
    """The warning's tasks, and for commanders the door visit it calls for, to confirm."""
    parts = []
    if allowed(user, "view_tasks"):
        tasks = session.scalars(select(Task).where(Task.warning_id == warning.id)
                                .order_by(Task.id)).all()
        parts += [html.Div([dcc.Link(task.title, href=f"/task/{task.id}"), " ",
                            *status_badges(task.status, task.is_overdue(at), task.escalated_for,
                                           lang)], className="mb-1") for task in tasks]
    manages = allowed(user, "manage_tasks")
    proposal = propose_door_visit(session, warning, at, lang) if manages else None
    if proposal is not None:
        parts.append(html.Div([
            html.Span(t("outcome.proposal", lang, deadline=fmt_time(proposal.deadline_at))), " ",
            dbc.Button(t("tasks.proposals.confirm", lang), id="warning-confirm-visit", size="sm",
                       color="danger", outline=True),
        ], id="warning-proposal"))
    station = session.get(OrgUnit, warning.station_id) if warning.station_id else None
    if manages and station is not None:  # any task for the warning's station, linked to it
        parts.append(dcc.Link(t("outcome.assign_task", lang), id="warning-assign-task",
                              href=f"/tasks/new?target={station.code}&warning={warning.id}"))
    if not parts:
        return None
    return dbc.Card([dbc.CardHeader(t("outcome.tasks", lang)), dbc.CardBody(parts)],
                    className="mb-3", id="warning-tasks-card")


def warning_body(session: Session, warning: Warning, user, at: datetime, lang: str) -> list:
    """Everything of the page below its title, for ``user`` at ``at``."""
    named = names(session, lang)
    timeline = warning_timeline(session, warning, at)
    playbook = session.get(DissuasionPlaybook, warning.fraud_type)
    fraud_type = named["fraud_type"].get(warning.fraud_type, warning.fraud_type)
    form = outcome_form(warning, named, lang) if may_record(session, warning, user) else None
    tasks = tasks_section(session, warning, user, at, lang)
    work = [form, html.Div(tasks, id="warning-tasks")] if form or tasks else []
    return [
        html.Div([
            badge(named["risk"].get(warning.risk_level, warning.risk_level),
                  color=RISK_COLORS.get(warning.risk_level, "dark"), className="fs-6"),
            badge(named["status"].get(warning.status, warning.status), color="light",
                  className="fs-6", id="warning-status"),
            deadline_badge(timeline.deadline, lang),
        ], className="d-flex flex-wrap gap-2 mb-3"),
        # two columns that stack their own cards (no empty band when one card is taller than its
        # neighbour); on a phone one column: the playbook, the work, the timeline, the facts
        dbc.Row([
            dbc.Col([html.Div(work, className="order-2") if work else None,
                     html.Div(timeline_view(timeline, named, lang), className="order-3")],
                    lg=7, className="warning-column"),
            dbc.Col([html.Div(playbook_card(playbook, fraud_type, lang), className="order-1"),
                     html.Div(facts_table(session, warning, user, named, lang), className="order-4")],
                    lg=5, className="warning-column"),
        ]),
    ]
