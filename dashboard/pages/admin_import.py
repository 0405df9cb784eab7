"""Import a file on the web (``import_files``): upload, check the mapping and a preview, run, download.

The upload is a plain form (``dashboard.web.imports``); with ``?job=<id>``
the page shows that job of the user's: what was detected, each column's
field (editable), the first rows as they will be stored with each row's
errors (``dashboard.ingest.preview``, nothing written), then the import's
progress (a background job) and its summary with the refused rows' file.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user
from sqlalchemy import select

from dashboard.commands.imports import (
    PERMISSION,
    cancel,
    choose,
    find_job,
    mark_interrupted,
    start,
    within_path,
)
from dashboard.components import imports as parts
from dashboard.domain.imports import ImportJob
from dashboard.i18n import current_language, t
from dashboard.ingest.files import FileFormatError, Reading
from dashboard.ingest.preview import header_row, preview_file, unknown_headers
from dashboard.web.callback_values import code, codes, count, record_id
from dashboard.web.commands import audited_lookup, run_command
from dashboard.web.database import database, request_session
from dashboard.web.guard import requires
from dashboard.web.imports import folder, start_job
from dashboard.web.login import client_address

dash.register_page(__name__, path="/admin/import", name="nav.import", order=83,
                   permission=PERMISSION)

STALE_SECONDS = 120  # a running job whose heartbeat is older has lost its process
RECENT = 10


def _error_text(error: FileFormatError, job: ImportJob, lang: str) -> str:
    """The file's refusal as the page says it: the uploaded name, never the server's path."""
    params = {**error.params, "path": job.file_name}
    if error.reason == "missing_columns":  # the command line's message names --source
        return t("imports.error.missing_columns", lang, **params)
    if error.reason == "unknown_kind":
        unknown = unknown_headers(error.header or [])
        return t("imports.error.unknown_kind", lang, columns="、".join(unknown) or "—")
    return t(f"import.error.{error.reason}", lang, **params)


def _stored_error(job: ImportJob, lang: str) -> str | None:
    if not job.error:
        return None
    error = json.loads(job.error)
    if error["reason"] == "database":
        return t("imports.error.database", lang, **error["params"])
    return t(f"import.error.{error['reason']}", lang, **{**error["params"], "path": job.file_name})


def _setup(job: ImportJob, lang: str) -> list:
    """Before the import: what was detected, the mapping, the preview (or why the file is refused)."""
    path = folder() / job.stored_name
    if not path.is_file():
        return [dbc.Alert(t("imports.error.file_gone", lang), color="danger", id="import-error")]
    maps = json.loads(job.maps) if job.maps else {}
    reading = Reading(zone=ZoneInfo(job.timezone), lang=lang)
    preview = error = None
    try:
        preview = preview_file(database().engine, path, kind=job.kind, source=job.source,
                               maps=maps, reading=reading,
                               within=within_path(request_session(), job))
    except FileFormatError as exc:
        error = exc
    header = error.header if error else [c.header for c in preview.columns]
    parts_ = [parts.detection(preview, error, lang)]
    if error:
        parts_.append(dbc.Alert(_error_text(error, job, lang), color="danger", id="import-error"))
    if header:
        parts_.append(parts.mapping_editor(header, preview.columns if preview else None,
                                           preview.kind if preview else job.kind, lang))
    if preview:
        parts_ += [html.Hr(), parts.preview_table(preview, lang),
                   dbc.Button(t("imports.start", lang), id="import-start", color="primary")]
    return parts_


def job_body(job: ImportJob, lang: str) -> list:
    if job.state in ("uploaded", "interrupted"):
        note = [dbc.Alert(t("imports.interrupted", lang), color="warning")] \
            if job.state == "interrupted" else []
        return note + _setup(job, lang)
    if job.state in ("queued", "running", "cancelling"):
        return [parts.progress(job, lang)]
    return [parts.summary(job, _stored_error(job, lang), lang)]


def _job_view(job: ImportJob, lang: str) -> html.Div:
    running = job.state in ("queued", "running", "cancelling")
    return html.Div([
        parts.job_heading(job, lang),
        html.Div(job_body(job, lang), id="import-body"),
        dcc.Interval(id="import-tick", interval=1000, disabled=not running),
    ])


def _recent_jobs(session) -> list[ImportJob]:
    return list(session.scalars(select(ImportJob).where(ImportJob.user_id == current_user.id)
                                .order_by(ImportJob.id.desc()).limit(RECENT)))


@requires(PERMISSION)
def layout(job=None, **_kwargs):
    lang = current_language()
    run_command(lambda s: mark_interrupted(s, STALE_SECONDS))
    session = request_session()
    shown = None
    if job is not None:
        shown = audited_lookup(lambda: find_job(session, current_user, job, client_address()))
    return html.Div([
        html.H4(t("imports.title", lang), id="import-title"),
        html.P(t("imports.help", lang), className="text-muted"),
        dcc.Store(id="import-job", data=shown.id if shown else None),
        html.Div(id="import-feedback"),
        dbc.Row([
            dbc.Col(_job_view(shown, lang) if shown else html.Div(), lg=8),
            dbc.Col([parts.upload_link(lang), parts.recent(_recent_jobs(session), lang)], lg=4),
        ]),
    ])


def _own(job_id) -> ImportJob:
    return audited_lookup(lambda: find_job(request_session(), current_user, job_id, client_address()))


OUTPUTS = (Output("import-feedback", "children", allow_duplicate=True),
           Output("import-body", "children", allow_duplicate=True),
           Output("import-tick", "disabled", allow_duplicate=True),
           Output("import-state", "children", allow_duplicate=True))


def _answer(ran, job_id):
    """The refusal (if any) and the job's part of the page again."""
    lang = current_language()
    feedback = "" if ran.ok else dbc.Alert(ran.message(lang), color="danger", id="import-invalid")
    job = _own(job_id)
    return (feedback, job_body(job, lang), job.state not in ("queued", "running", "cancelling"),
            t(f"imports.state.{job.state}", lang))


@callback(*OUTPUTS, Input("import-apply", "n_clicks"), State("import-job", "data"),
          State("import-kind-choice", "value"),
          State({"type": "import-map", "index": ALL}, "value"), prevent_initial_call=True)
@requires(PERMISSION, values={"clicks": count, "job_id": record_id, "kind": code, "fields": codes})
def apply_mapping(clicks, job_id, kind, fields):
    """The edited kind and column mapping, then the preview again."""
    if job_id is None or not clicks:
        raise PreventUpdate
    header = _header_of(_own(job_id))
    maps = {h: f for h, f in zip(header, fields, strict=False) if h and f}
    return _answer(run_command(lambda s: choose(s, current_user, job_id, kind=kind, maps=maps,
                                                source_address=client_address())), job_id)


@callback(*OUTPUTS, Input("import-start", "n_clicks"), State("import-job", "data"),
          prevent_initial_call=True)
@requires(PERMISSION, values={"clicks": count, "job_id": record_id})
def start_import(clicks, job_id):
    """Queue the import and run it in the background; its progress from now on."""
    if job_id is None or not clicks:
        raise PreventUpdate
    ran = run_command(lambda s: start(s, current_user, job_id, source_address=client_address()))
    if ran.ok:
        start_job(ran.value.id)
    return _answer(ran, job_id)


@callback(*OUTPUTS, Input("import-cancel", "n_clicks"), State("import-job", "data"),
          prevent_initial_call=True)
@requires(PERMISSION, values={"clicks": count, "job_id": record_id})
def cancel_import(clicks, job_id):
    """Stop the import after its current batch (what is stored stays)."""
    if job_id is None or not clicks:
        raise PreventUpdate
    return _answer(run_command(lambda s: cancel(s, current_user, job_id,
                                                source_address=client_address())), job_id)


def _header_of(job: ImportJob) -> list[str]:
    """The file's header row as written (the mapping editor's rows, in order)."""
    return header_row(folder() / job.stored_name)


@callback(Output("import-body", "children", allow_duplicate=True),
          Output("import-tick", "disabled", allow_duplicate=True),
          Output("import-state", "children", allow_duplicate=True),
          Input("import-tick", "n_intervals"), State("import-job", "data"),
          prevent_initial_call=True)
@requires(PERMISSION, values={"_tick": count, "job_id": record_id})
def follow(_tick, job_id):
    """The running import's progress, each second, until it ends."""
    if job_id is None:
        raise PreventUpdate
    lang = current_language()
    run_command(lambda s: mark_interrupted(s, STALE_SECONDS))
    job = _own(job_id)
    return job_body(job, lang), job.state not in ("queued", "running", "cancelling"), \
        t(f"imports.state.{job.state}", lang)
