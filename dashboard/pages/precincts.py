"""The city's precinct map: every station precinct, coloured by its warnings, and counts per district."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.graph_config import graph_config
from dashboard.components.maps import precinct_map
from dashboard.i18n import current_language, name_of, t
from dashboard.i18n.numbers import format_count
from dashboard.metrics.geography import precincts
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from dashboard.web.access import current_scope
from dashboard.web.database import request_session
from dashboard.web.precinct_shapes import shapes_url

dash.register_page(__name__, path="/precincts", name="nav.precincts", order=10, permission="view_overview")

PERIOD_DAYS = 30


def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    scope = current_scope()
    if scope.is_empty:
        return dbc.Alert(t("map.no_city", lang), color="warning", id="precincts-empty")
    period = Period.last_days(PERIOD_DAYS)
    stations = warnings_by_unit(session, scope, period, "station").rename(columns={"warnings": "value"})
    districts = warnings_by_unit(session, scope, period, "county")
    label = t("metric.warnings", lang)
    shapes = precincts(session, scope, "station")
    figure = precinct_map(shapes, stations, label, lang, outlines=precincts(session, scope, "county"),
                          shapes=shapes_url(scope.unit_id, "station", shapes))
    rows = [
        html.Tr([html.Td(name_of(row, lang)), html.Td(format_count(row["warnings"], lang),
                                                      className="text-end")])
        for row in districts.sort_values("warnings", ascending=False).to_dict("records")
    ]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(t("map.district", lang)), html.Th(label, className="text-end")])),
         html.Tbody(rows, id="precincts-district-rows")],
        striped=True, size="sm", responsive=True, id="precincts-district-table",
    )
    return html.Div([
        html.H4(t("map.title", lang, days=PERIOD_DAYS), id="precincts-title"),
        html.P(t("map.subtitle", lang, stations=len(stations), districts=len(districts)),
               className="text-muted"),
        dbc.Row([
            dbc.Col(dcc.Graph(id="precincts-map", figure=figure,
                              config=graph_config(lang=lang, scrollZoom=True)), lg=8),
            dbc.Col(table, lg=4),
        ]),
    ])
