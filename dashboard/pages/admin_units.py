"""Units (the system administrator, ``manage_units``): create, rename, move, retire.

Each button runs one command of ``dashboard.commands.edit_units`` in this
request's transaction (audited there); a refusal names the field to correct.
A unit whose subtree already holds records cannot move to another county
(its history is counted there): the refusal says so.  A retired unit (split or
merged: ``RetireUnit``, with an optional successor) stays in the table with
the day it retired, and is no longer offered as a parent, to move, or as a
successor; its history stays with it.

The boundary upload (GeoJSON or GeoPackage) runs
``dashboard.commands.import_boundaries`` and lists the checker's report, each
problem named by its unit, beside a map of the uploaded shapes with the gaps,
overlaps and spills drawn over them (``components.maps.boundary_check_map``);
with a district chosen, a file of that district's stations is taken for that
district alone.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user
from sqlalchemy import select

from dashboard.commands.edit_units import (
    PERMISSION,
    CreateUnit,
    MoveUnit,
    RenameUnit,
    RetireUnit,
    UnitInvalid,
)
from dashboard.commands.import_boundaries import ImportBoundaries
from dashboard.components.accounts import field
from dashboard.components.dropdown import dropdown
from dashboard.components.graph_config import graph_config
from dashboard.components.maps import PROBLEM_COLORS, boundary_check_map
from dashboard.domain import OrgUnit
from dashboard.domain.reference import OrgLevel
from dashboard.geo import LEVELS
from dashboard.geo.report import report_lines, report_map
from dashboard.i18n import current_language, name_of, t
from dashboard.web.badges import badge
from dashboard.web.commands import run_command
from dashboard.web.database import request_session
from dashboard.web.guard import requires
from dashboard.web.login import client_address

dash.register_page(__name__, path="/admin/units", name="nav.units", order=82,
                   permission=PERMISSION)

BUTTONS = ("units-create", "units-rename", "units-move", "units-retire")
MAX_UPLOAD = 20 * 1024 * 1024
FILE_KINDS = (".geojson", ".json", ".gpkg")
DONE = {"units-create": "units.admin.created", "units-rename": "units.admin.renamed",
        "units-move": "units.admin.moved", "units-retire": "units.admin.retired"}
COLUMNS = ("code", "level", "name", "parent", "path", "retired")


def _units(session) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).order_by(OrgUnit.path)))


def _unit_options(units: list[OrgUnit], lang: str, active: bool = True) -> list[dict]:
    """Choices of units; ``active``: the units not retired alone (a retired one takes nothing new)."""
    return [{"label": f"{u.code} {u.name(lang)}", "value": u.code} for u in units
            if not (active and u.retired_on is not None)]


def _retired_cell(unit: OrgUnit, lang: str) -> html.Td:
    if unit.retired_on is None:
        return html.Td("")
    retired = badge(t("units.admin.retired_badge", lang, day=unit.retired_on.isoformat()),
                    color="secondary", className="me-1")
    successor = (t("units.admin.successor_is", lang, code=unit.successor.code)
                 if unit.successor is not None else "")
    return html.Td([retired, html.Span(successor, className="small")])


def _table(session, lang: str) -> dbc.Table:
    units = _units(session)
    levels = {row.code: name_of(row, lang) for row in session.scalars(select(OrgLevel))}
    header = html.Thead(html.Tr([html.Th(t(f"units.admin.column.{c}", lang)) for c in COLUMNS]))
    rows = [html.Tr([html.Td(u.code), html.Td(levels.get(u.level, u.level)), html.Td(u.name(lang)),
                     html.Td(u.parent.code if u.parent else "—"), html.Td(u.path, className="small"),
                     _retired_cell(u, lang)],
                    id=f"units-row-{u.code}", className="text-muted" if u.retired_on else None)
            for u in units]
    return dbc.Table([header, html.Tbody(rows)], id="units-table-rows", size="sm", striped=True,
                     responsive=True)


def _text_input(id_: str, max_length: int) -> dbc.Input:
    return dbc.Input(id=id_, maxLength=max_length)


def _forms(session, lang: str) -> list:
    units = _unit_options(_units(session), lang)
    every_unit = _unit_options(_units(session), lang, active=False)
    levels = [{"label": name_of(row, lang), "value": row.code}
              for row in session.scalars(select(OrgLevel).order_by(OrgLevel.sort_order))]
    create = dbc.Card(dbc.CardBody([
        html.H5(t("units.admin.create", lang)),
        field("units.field.code", _text_input("units-new-code", 32), lang),
        field("units.field.level", dropdown(lang, levels, id="units-new-level"), lang),
        field("units.field.parent_code", dropdown(lang, units, id="units-new-parent"), lang),
        field("units.field.name_zh", _text_input("units-new-name-zh", 80), lang),
        field("units.field.name_en", _text_input("units-new-name-en", 120), lang),
        field("units.field.population", _text_input("units-new-population", 14), lang),
        dbc.Button(t("units.admin.create_button", lang), id="units-create", color="primary"),
    ]), className="mb-3")
    rename = dbc.Card(dbc.CardBody([
        html.H5(t("units.admin.rename", lang)),
        field("units.field.unit", dropdown(lang, every_unit, id="units-rename-unit"), lang),
        field("units.field.name_zh", _text_input("units-rename-name-zh", 80), lang),
        field("units.field.name_en", _text_input("units-rename-name-en", 120), lang),
        dbc.Button(t("units.admin.rename_button", lang), id="units-rename", color="secondary"),
    ]), className="mb-3")
    move = dbc.Card(dbc.CardBody([
        html.H5(t("units.admin.move", lang)),
        field("units.field.unit", dropdown(lang, units, id="units-move-unit"), lang),
        field("units.admin.new_parent", dropdown(lang, units, id="units-move-parent"), lang),
        dbc.Button(t("units.admin.move_button", lang), id="units-move", color="secondary"),
    ]), className="mb-3")
    retire = dbc.Card(dbc.CardBody([
        html.H5(t("units.admin.retire", lang)),
        html.P(t("units.admin.retire_help", lang), className="text-muted small"),
        field("units.field.unit", dropdown(lang, units, id="units-retire-unit"), lang),
        field("units.field.successor", dropdown(lang, units, id="units-retire-successor"), lang),
        dbc.Button(t("units.admin.retire_button", lang), id="units-retire", color="danger",
                   outline=True),
    ]), className="mb-3")
    return [create, rename, move, retire]


def _boundary_card(session, lang: str) -> dbc.Card:
    levels = {row.code: name_of(row, lang) for row in session.scalars(select(OrgLevel))}
    districts = [{"label": t("units.admin.whole_city", lang), "value": ""}] + [
        {"label": f"{u.code} {u.name(lang)}", "value": u.code}
        for u in _units(session) if u.level == "county"]
    return dbc.Card(dbc.CardBody([
        html.H5(t("units.admin.boundaries", lang)),
        html.P(t("units.admin.boundaries_help", lang), className="text-muted small"),
        dcc.Upload(html.Div(t("units.admin.upload", lang), id="units-boundary-name"),
                   id="units-boundary-upload", max_size=MAX_UPLOAD,
                   className="border border-secondary rounded p-3 mb-2 text-center"),
        field("units.field.level", dropdown(lang, [{"label": levels.get(v, v), "value": v}
                                                   for v in LEVELS],
                                            id="units-boundary-level", value="station",
                                            clearable=False), lang),
        field("units.field.district", dropdown(lang, districts, id="units-boundary-district",
                                               value="", clearable=False), lang),
        dbc.Checkbox(id="units-boundary-accept", label=t("units.admin.accept", lang), value=False,
                     className="mb-2"),
        dbc.Button(t("units.admin.check_button", lang), id="units-boundary-check", color="primary"),
        html.Div(id="units-boundary-report", className="mt-3"),
    ]), className="mb-3")


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    session = request_session()
    return html.Div([
        html.H4(t("units.admin.title", lang), id="units-title"),
        html.P(t("units.admin.help", lang), className="text-muted"),
        html.Div(id="units-feedback"),
        dbc.Row([dbc.Col([_boundary_card(session, lang),
                          html.Div(_table(session, lang), id="units-table")], lg=7),
                 dbc.Col(_forms(session, lang), lg=5)]),
    ])


def _command(trigger: str, f: dict):
    actor, address = current_user, client_address()
    if trigger == "units-create":
        return CreateUnit(actor, f["new_code"], f["new_level"], f["new_parent"], f["new_name_zh"],
                          f["new_name_en"], f["new_population"], source_address=address)
    if trigger == "units-rename":
        return RenameUnit(actor, f["rename_unit"], f["rename_name_zh"], f["rename_name_en"],
                          source_address=address)
    if trigger == "units-retire":
        return RetireUnit(actor, f["retire_unit"], f["retire_successor"], source_address=address)
    return MoveUnit(actor, f["move_unit"], f["move_parent"], source_address=address)


STATE = ("units-new-code", "units-new-level", "units-new-parent", "units-new-name-zh",
         "units-new-name-en", "units-new-population", "units-rename-unit", "units-rename-name-zh",
         "units-rename-name-en", "units-move-unit", "units-move-parent", "units-retire-unit",
         "units-retire-successor")
ACTIVE_CHOICES = ("units-new-parent", "units-move-unit", "units-move-parent", "units-retire-unit",
                  "units-retire-successor")


@callback(
    Output("units-feedback", "children"), Output("units-table", "children"),
    Output("units-rename-unit", "options"),
    *(Output(i, "options") for i in ACTIVE_CHOICES),
    *(Input(b, "n_clicks") for b in BUTTONS),
    *(State(s, "value") for s in STATE),
    prevent_initial_call=True,
)
@requires(PERMISSION)
def change_unit(*values):
    trigger = ctx.triggered_id
    if trigger not in BUTTONS:
        raise PreventUpdate
    lang = current_language()
    fields = {s.removeprefix("units-").replace("-", "_"): v
              for s, v in zip(STATE, values[len(BUTTONS):], strict=True)}
    ran = run_command(lambda session: _command(trigger, fields).run(session))
    if ran.ok:
        unit = ran.value
        feedback = dbc.Alert(t(DONE[trigger], lang, code=unit.code,
                               parent=unit.parent.code if unit.parent else "—",
                               day=unit.retired_on.isoformat() if unit.retired_on else "",
                               successor=unit.successor.code if unit.successor else "—"),
                             color="success", id="units-done")
    else:
        feedback = dbc.Alert(ran.message(lang), color="danger", id="units-invalid")
    session = request_session()
    units = _units(session)
    active = _unit_options(units, lang)
    return (feedback, _table(session, lang), _unit_options(units, lang, active=False),
            *(active for _ in ACTIVE_CHOICES))


@callback(Output("units-boundary-name", "children"), Input("units-boundary-upload", "filename"),
          prevent_initial_call=True)
@requires(PERMISSION)
def show_file_name(filename):
    if not isinstance(filename, str):
        raise PreventUpdate
    return t("units.admin.uploaded", current_language(), name=filename)


def _check_upload(contents, filename, level, district, accept):
    """The command's work: write the uploaded file where the reader can open it, then check it."""
    def work(session):
        suffix = Path(filename).suffix.lower() if isinstance(filename, str) else ""
        if not isinstance(contents, str) or "," not in contents or suffix not in FILE_KINDS:
            raise UnitInvalid("file", "units.admin.error.file_kind")
        with tempfile.TemporaryDirectory(prefix="antifraud-boundaries-") as folder:
            path = Path(folder) / f"upload{suffix}"
            try:
                path.write_bytes(base64.b64decode(contents.split(",", 1)[1], validate=True))
            except ValueError:
                raise UnitInvalid("file", "units.admin.error.file_kind") from None
            return ImportBoundaries(current_user, path, level, district or None, bool(accept),
                                    file_name=filename,
                                    source_address=client_address()).run(session)
    return work


@callback(Output("units-boundary-report", "children"),
          Input("units-boundary-check", "n_clicks"),
          State("units-boundary-upload", "contents"), State("units-boundary-upload", "filename"),
          State("units-boundary-level", "value"), State("units-boundary-district", "value"),
          State("units-boundary-accept", "value"),
          prevent_initial_call=True)
@requires(PERMISSION)
def check_boundaries_upload(_check, contents, filename, level, district, accept):
    """The checker's report, each problem named by its unit, and whether the shapes were stored."""
    lang = current_language()
    ran = run_command(_check_upload(contents, filename, level, district, accept))
    if not ran.ok:
        return dbc.Alert(ran.message(lang), color="danger", id="units-boundary-invalid")
    upload = ran.value
    lines = report_lines(upload.report, lang)[1:]  # the summary names the temporary file
    if upload.stored:
        alert = dbc.Alert(t("units.admin.boundaries_stored", lang, count=upload.stored),
                          color="success", id="units-boundary-stored")
    else:
        alert = dbc.Alert(t("units.admin.boundaries_not_stored", lang), color="warning",
                          id="units-boundary-problems")
    drawn = report_map(upload.report, lang)
    figure = boundary_check_map(drawn["shapes"], drawn["problems"],
                                {k: t(f"units.admin.map.{k}", lang) for k in PROBLEM_COLORS})
    return html.Div([alert, dbc.Row([
        dbc.Col(dcc.Graph(id="units-boundary-map", figure=figure,
                          config=graph_config(None, lang, scrollZoom=True)), xl=7),
        dbc.Col(html.Ul([html.Li(line) for line in lines], id="units-boundary-lines"), xl=5)])])
