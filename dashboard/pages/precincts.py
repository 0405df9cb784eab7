"""The precinct map of the viewer's unit: each station precinct coloured by its warnings, with a table.

The city's (or a sub-bureau's) map shows every station precinct with the
sub-bureaus' borders and the counts per sub-bureau; a station's (an
officer's) shows its own precinct, its neighbours in grey, and its count.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, clientside_callback, dcc, html

from dashboard.components.graph_config import graph_config
from dashboard.components.maps import (
    LABELS_SWITCH_JS,
    labels_shown,
    labels_switch,
    map_block,
    precinct_map,
)
from dashboard.domain import OrgUnit
from dashboard.i18n import current_language, name_of, t
from dashboard.i18n.numbers import format_count
from dashboard.metrics.geography import neighbour_shapes, precincts
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from dashboard.web.access import current_scope
from dashboard.web.database import request_session
from dashboard.web.precinct_shapes import shapes_url

dash.register_page(__name__, path="/precincts", name="nav.precincts", order=10, permission="view_overview")

PERIOD_DAYS = 30


def _wording(unit: OrgUnit, stations: int, districts: int, lang: str) -> tuple[str, str]:
    """The page's title and subtitle, for the viewer's own unit: the city, a sub-bureau, a station."""
    if unit.level == "station":
        return (t("map.title_station", lang, unit=name_of(unit, lang), days=PERIOD_DAYS),
                t("map.subtitle_station", lang))
    if unit.level == "county":
        return (t("map.title_county", lang, unit=name_of(unit, lang), days=PERIOD_DAYS),
                t("map.subtitle_county", lang, stations=stations))
    return (t("map.title", lang, days=PERIOD_DAYS),
            t("map.subtitle", lang, stations=stations, districts=districts))


def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    scope = current_scope()
    if scope.is_empty:
        return dbc.Alert(t("map.no_city", lang), color="warning", id="precincts-empty")
    unit = session.get(OrgUnit, scope.unit_id)
    own = unit.level == "station"
    period = Period.last_days(PERIOD_DAYS)
    stations = warnings_by_unit(session, scope, period, "station").rename(columns={"warnings": "value"})
    label = t("metric.warnings", lang)
    shapes = precincts(session, scope, "station")
    if own:  # the station alone, its neighbours grey; the table: its own count
        figure = precinct_map(shapes, stations, label, lang, highlight=shapes,
                              neighbours=neighbour_shapes(session, unit),
                              shapes=shapes_url(scope.unit_id, "station", shapes))
        table_rows = stations.rename(columns={"value": "warnings"})
    else:
        figure = precinct_map(shapes, stations, label, lang, outlines=precincts(session, scope, "county"),
                              shapes=shapes_url(scope.unit_id, "station", shapes))
        table_rows = warnings_by_unit(session, scope, period, "county")
    title, subtitle = _wording(unit, len(stations), len(table_rows), lang)
    rows = [
        html.Tr([html.Td(name_of(row, lang)), html.Td(format_count(row["warnings"], lang),
                                                      className="text-end")])
        for row in table_rows.sort_values("warnings", ascending=False).to_dict("records")
    ]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(t("map.station" if own else "map.district", lang)),
                             html.Th(label, className="text-end")])),
         html.Tbody(rows, id="precincts-district-rows")],
        striped=True, size="sm", responsive=True, id="precincts-district-table",
    )
    shown = labels_shown(len(figure["layout"]["meta"]["labels"]))
    graph = dcc.Graph(id="precincts-map", figure=figure, config=graph_config(lang=lang, scrollZoom=True))
    return html.Div([
        html.H4(title, id="precincts-title"),
        html.Div([html.P(subtitle, className="text-muted mb-0", id="precincts-subtitle"),
                  labels_switch("precincts-map-labels", shown, lang)],
                 className="d-flex align-items-center flex-wrap mb-2"),
        dbc.Row([
            dbc.Col(map_block(graph, "precincts-map-block", shown), lg=8),
            dbc.Col(table, lg=4),
        ]),
    ])


clientside_callback(LABELS_SWITCH_JS, Output("precincts-map-block", "className"),
                    Input("precincts-map-labels", "value"), prevent_initial_call=True)
