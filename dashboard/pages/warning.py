"""One warning, for roles that see records: its facts, personal data masked.

``/warnings/<id>`` shows a warning only inside the user's scope; any other id
is "not found" and audited.  Phone, ID number and bank account are masked;
roles allowed to unmask (commanders, station officers) get a button per
field, and each click is a deliberate, audited unmasking of that one value
(``dashboard.commands.unmask``).  The clear value goes only into this page's
DOM, never into a URL, a store or a log.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.auth.crypto import mask_bank_account, mask_id_number, mask_name, mask_phone
from dashboard.auth.permissions import allowed
from dashboard.auth.records import NotFound, warning_in_scope
from dashboard.commands.errors import Invalid
from dashboard.commands.unmask import unmask
from dashboard.domain import OrgUnit
from dashboard.domain.reference import Channel, FraudType, Outcome, RiskLevel, WarningStatus
from dashboard.i18n import current_language, name_of, t
from dashboard.i18n.numbers import format_yuan
from dashboard.web.access import current_scope
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import client_address

PERMISSION = "view_records"
dash.register_page(__name__, path_template="/warnings/<warning_id>", name="nav.warning",
                   nav=False, permission=PERMISSION)

MASKS = {"phone": mask_phone, "id_number": mask_id_number, "bank_account": mask_bank_account}
ATTRIBUTES = {"phone": "person_phone", "id_number": "person_id_number",
              "bank_account": "person_bank_account"}


def _name(session, model, code, lang: str) -> str:
    row = session.get(model, code) if code else None
    return name_of(row, lang) if row is not None else (code or "—")


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _personal_row(warning, field: str, may_unmask: bool, lang: str) -> html.Tr:
    masked = MASKS[field](getattr(warning, ATTRIBUTES[field]))
    cell = [html.Span(masked or "—", id={"type": "warning-value", "field": field},
                      className="font-monospace")]
    if may_unmask and masked:
        cell.append(dbc.Button(t("warning.unmask", lang), size="sm", color="link",
                               id={"type": "warning-unmask", "field": field}))
    return html.Tr([html.Th(t(f"warning.field.{field}", lang)), html.Td(cell)])


@requires(PERMISSION)
def layout(warning_id=None, **_kwargs):
    lang = current_language()
    session = request_session()
    warning = warning_in_scope(session, current_scope(), warning_id, user=current_user,
                               source_address=client_address())
    may_unmask = allowed(current_user, "unmask_personal_data")
    facts = [
        ("received_at", _time(warning.received_at)),
        ("fraud_type", _name(session, FraudType, warning.fraud_type, lang)),
        ("risk_level", _name(session, RiskLevel, warning.risk_level, lang)),
        ("channel", _name(session, Channel, warning.channel, lang)),
        ("county", _name(session, OrgUnit, warning.county_id, lang)),
        ("station", _name(session, OrgUnit, warning.station_id, lang)),
        ("status", _name(session, WarningStatus, warning.status, lang)),
        ("deadline_at", _time(warning.deadline_at)),
        ("outcome", _name(session, Outcome, warning.outcome, lang)),
        ("amount_at_risk", format_yuan(warning.amount_at_risk or 0, lang)),
        ("person_name", mask_name(warning.person_name) or "—"),
    ]
    rows = [html.Tr([html.Th(t(f"warning.field.{key}", lang)), html.Td(value)])
            for key, value in facts]
    rows += [_personal_row(warning, field, may_unmask, lang) for field in MASKS]
    return html.Div([
        dcc.Store(id="warning-id", data=warning.id),
        html.H4(t("warning.title", lang, id=warning.id), id="warning-title"),
        dbc.Table(html.Tbody(rows), bordered=False, size="sm", id="warning-facts",
                  style={"maxWidth": "40rem"}),
    ])


@callback(
    Output({"type": "warning-value", "field": MATCH}, "children"),
    Output({"type": "warning-unmask", "field": MATCH}, "style"),
    Input({"type": "warning-unmask", "field": MATCH}, "n_clicks"),
    State("warning-id", "data"),
    prevent_initial_call=True,
)
@requires("unmask_personal_data")
def show_clear_value(n_clicks, warning_id):
    """Unmask one field of one warning, on purpose, audited."""
    if not n_clicks or dash.ctx.triggered_id is None:
        raise PreventUpdate
    field = dash.ctx.triggered_id["field"]
    session = request_session()
    try:
        value = unmask(session, current_user, warning_id, field, source_address=client_address())
    except Invalid:
        raise PreventUpdate from None
    except NotFound:
        session.commit()  # keep the audit row of the refused id
        return t("access.not_found.title"), {"display": "none"}
    session.commit()
    return value or "—", {"display": "none"}
