"""The station's form for one dissuasion attempt (and, when it ends the warning, its outcome).

Every input is always present, because the page's callback reads them all;
the version of the warning the form was drawn for travels with it, so the
server can tell when someone else changed the warning meanwhile.  Sized for
a phone: one column, large touch targets.  Component ids start with
``outcome-``.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.i18n import t

STILL_OPEN = "still_open"  # the outcome choice that records an attempt and leaves the warning open


def _options(names: dict[str, str]) -> list[dict]:
    return [{"label": label, "value": code} for code, label in names.items()]


def _field(label: str, control, field: str) -> html.Div:
    return html.Div([dbc.Label(label, html_for=f"outcome-{field}"), control], className="mb-2")


def outcome_form(warning, names: dict[str, dict[str, str]], lang: str) -> dbc.Card:
    """The form for ``warning``; ``names``: method, result, outcome code -> name."""
    outcomes = [{"label": t("outcome.still_open", lang), "value": STILL_OPEN},
                *_options(names["outcome"])]
    return dbc.Card([
        dbc.CardHeader(t("outcome.title", lang)),
        dbc.CardBody([
            _field(t("outcome.field.method", lang),
                   dbc.Select(id="outcome-method", options=_options(names["method"]),
                              value="phone" if "phone" in names["method"] else None), "method"),
            _field(t("outcome.field.result", lang),
                   dbc.Select(id="outcome-result", options=_options(names["result"]),
                              placeholder=t("outcome.choose", lang)), "result"),
            _field(t("outcome.field.note", lang),
                   dbc.Textarea(id="outcome-note", rows=2, maxLength=2000,
                                placeholder=t("outcome.note_hint", lang)), "note"),
            _field(t("outcome.field.outcome", lang),
                   dbc.Select(id="outcome-outcome", options=outcomes, value=STILL_OPEN), "outcome"),
            dbc.Row([
                dbc.Col(_field(t("outcome.field.loss_avoided", lang),
                               dbc.Input(id="outcome-loss-avoided", type="number", min=0, step=1,
                                         inputMode="numeric"), "loss-avoided"), xs=12, sm=6),
                dbc.Col(_field(t("outcome.field.loss", lang),
                               dbc.Input(id="outcome-loss", type="number", min=0, step=1,
                                         inputMode="numeric"), "loss"), xs=12, sm=6),
            ], className="g-2"),
            html.Small(t("outcome.hint", lang), className="text-muted d-block mb-2"),
            dbc.Button(t("outcome.submit", lang), id="outcome-submit", color="primary",
                       className="w-100", size="lg"),
            dcc.Store(id="outcome-version", data=warning.version),
        ]),
    ], id="outcome-form", className="mb-3")
