"""The dissuasion playbook of a fraud type, as the station reads it before picking up the phone."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.domain.playbooks import DissuasionPlaybook
from dashboard.i18n import t


def playbook_card(playbook: DissuasionPlaybook | None, fraud_type_name: str, lang: str) -> dbc.Card:
    """The talking points in ``lang``, numbered; a plain notice when the type has none."""
    if playbook is None:
        body = html.P(t("playbook.none", lang), className="text-muted mb-0")
    else:
        body = html.Ol([html.Li(point) for point in playbook.talking_points(lang)],
                       className="mb-0 ps-3 playbook-points", id="warning-playbook-points")
    return dbc.Card([
        dbc.CardHeader(t("playbook.card_title", lang, fraud_type=fraud_type_name)),
        dbc.CardBody(body),
    ], id="warning-playbook", className="mb-3 playbook-card")
