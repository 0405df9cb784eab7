"""The web import page's parts: the upload form, the mapping editor, the preview, progress, summary.

Plain builders of Dash components from what the page computed (a job row, a
preview, a file error); no query, no command.  The upload itself is the
plain form of ``/admin/import/upload`` (``dashboard.web.imports``).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.components.dropdown import dropdown
from dashboard.domain.imports import ImportJob
from dashboard.i18n import t
from dashboard.i18n.numbers import format_count
from dashboard.ingest import KINDS
from dashboard.ingest.files import Column, field_paths
from dashboard.ingest.headers import IGNORED_FIELD, header_names
from dashboard.ingest.preview import Preview
from dashboard.web.badges import badge

UPLOAD_URL = "/admin/import/upload"
STATE_COLOURS = {"uploaded": "secondary", "queued": "info", "running": "primary",
                 "cancelling": "warning", "done": "success", "failed": "danger",
                 "cancelled": "secondary", "interrupted": "warning"}
STATUS_COLOURS = {"inserted": "success", "duplicate": "secondary", "updated": "info",
                  "rejected": "danger"}
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}


def _kind_options(lang: str, auto: bool) -> list[dict]:
    options = [{"label": t(f"imports.kind.{k}", lang), "value": k} for k in KINDS]
    return ([{"label": t("imports.kind.auto", lang), "value": ""}] if auto else []) + options


def upload_link(lang: str) -> dbc.Card:
    """The way to the upload form (a plain HTML form: a file input streams, a Dash callback would not)."""
    return dbc.Card(dbc.CardBody([
        html.H5(t("imports.upload.title", lang)),
        html.P(t("imports.upload.help", lang), className="text-muted small"),
        html.A(t("imports.upload.open", lang), href=UPLOAD_URL, id="import-open-upload",
               className="btn btn-primary"),
    ]), className="mb-3")


def state_badge(job: ImportJob, lang: str) -> dbc.Badge:
    return badge(t(f"imports.state.{job.state}", lang), color=STATE_COLOURS.get(job.state, "dark"),
                     id="import-state", className="ms-2")


def job_heading(job: ImportJob, lang: str) -> html.Div:
    size = t("imports.size", lang, size=f"{job.size_bytes / 1024 / 1024:.1f}")
    return html.H5([job.file_name, html.Small(f" · {size}", className="text-muted"),
                    state_badge(job, lang)], id="import-heading")


def detection(preview: Preview | None, error, lang: str) -> html.Ul:
    encoding = (preview.encoding if preview else getattr(error, "encoding", None)) or "XLSX"
    delimiter = preview.delimiter if preview else getattr(error, "delimiter", None)
    items = [html.Li(t("imports.detected.encoding", lang, encoding=encoding))]
    if delimiter:
        items.append(html.Li(t("imports.detected.delimiter", lang,
                               delimiter=t(f"import.delimiter.{DELIMITERS[delimiter]}", lang))))
    if preview:
        items.append(html.Li(t("imports.detected.kind", lang, kind=t(f"imports.kind.{preview.kind}", lang))))
    return html.Ul(items, id="import-detected", className="small")


def _field_label(name: str) -> str:
    chinese = next((h for h, f in header_names().items() if f == name and not h.isascii()), None)
    return f"{name} · {chinese}" if chinese else name


def field_options(kind: str | None, lang: str) -> list[dict]:
    kinds = [kind] if kind else list(KINDS)
    names = sorted({n for k in kinds for n in field_paths(k) if "." not in n})
    return ([{"label": t("imports.mapping.ignore", lang), "value": IGNORED_FIELD}]
            + [{"label": _field_label(n), "value": n} for n in names])


def mapping_editor(header: list[str], columns: list[Column] | None, kind: str | None,
                   lang: str) -> html.Div:
    """Each column of the file and the field it goes to, editable; unknown columns are empty."""
    mapped = {c.header: (c.field.replace(".", "_") if c.path else IGNORED_FIELD) for c in columns or ()}
    options = field_options(kind, lang)
    rows = [html.Tr([html.Td(h or "—", className="align-middle"),
                     html.Td(dropdown(lang, options, value=mapped.get(h), clearable=False,
                                      id={"type": "import-map", "index": i}))])
            for i, h in enumerate(header)]
    return html.Div([
        html.H6(t("imports.mapping.title", lang)),
        dbc.Row([dbc.Col(dbc.Label(t("imports.field.kind", lang), html_for="import-kind-choice"), width="auto"),
                 dbc.Col(dropdown(lang, _kind_options(lang, auto=True), value=kind or "",
                                  clearable=False, id="import-kind-choice"))], className="mb-2"),
        dbc.Table([html.Thead(html.Tr([html.Th(t("imports.mapping.column", lang)),
                                       html.Th(t("imports.mapping.field", lang))])),
                   html.Tbody(rows)], size="sm", id="import-mapping"),
        dbc.Button(t("imports.mapping.apply", lang), id="import-apply", color="secondary",
                   className="me-2"),
    ])


def preview_table(preview: Preview, lang: str) -> html.Div:
    fields = [c for c in preview.columns if c.path]
    head = [t("imports.preview.row", lang), t("imports.preview.status", lang)]
    head += [c.header for c in fields]
    if preview.kind == "warnings":
        head.append(t("imports.preview.station", lang))
    head.append(t("imports.preview.errors", lang))
    body = []
    for row in preview.rows:
        cells = [html.Td(row.line), html.Td(badge(t(f"imports.status.{row.status}", lang),
                                                      color=STATUS_COLOURS[row.status]))]
        cells += [html.Td(row.values.get(c.field, "")) for c in fields]
        if preview.kind == "warnings":
            cells.append(html.Td(row.station or "—"))
        cells.append(html.Td(html.Ul([html.Li(e) for e in row.errors], className="mb-0 small")
                             if row.errors else "", className="text-danger"))
        body.append(html.Tr(cells, className="table-danger" if row.errors else None))
    return html.Div([
        html.H6(t("imports.preview.title", lang, rows=len(preview.rows))),
        html.P(t("imports.preview.help", lang), className="text-muted small"),
        dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                  size="sm", bordered=True, responsive=True, id="import-preview", className="small"),
    ])


def progress(job: ImportJob, lang: str) -> html.Div:
    share = job.progress_done / job.progress_size if job.progress_size else 0.0
    percent = round(min(share, 1.0) * 100)
    return html.Div([
        dbc.Progress(value=percent, label=f"{percent}%", striped=True, animated=True,
                     id="import-progress", className="mb-2", style={"height": "1.5rem"}),
        html.P(t("imports.progress", lang, rows=format_count(job.rows, lang)), id="import-rows"),
        counts(job, lang),
        dbc.Button(t("imports.cancel", lang), id="import-cancel", color="warning", size="sm",
                   disabled=job.state == "cancelling"),
    ])


def counts(job: ImportJob, lang: str) -> html.Ul:
    return html.Ul([html.Li(t(f"imports.count.{k}", lang, count=format_count(v, lang)))
                    for k, v in job.counts.items()], id="import-counts", className="small")


def summary(job: ImportJob, error_text: str | None, lang: str) -> html.Div:
    colour = {"done": "danger" if job.rejected else "success"}.get(job.state, "warning")
    if job.state == "failed":
        colour = "danger"
    parts = [dbc.Alert(t(f"imports.summary.{job.state}", lang, rows=format_count(job.rows, lang)),
                       color=colour, id="import-summary"), counts(job, lang)]
    if error_text:
        parts.append(dbc.Alert(error_text, color="danger", id="import-error"))
    if job.refused_name:
        parts.append(html.A(t("imports.refused.download", lang, count=format_count(job.rejected, lang)),
                            href=f"/admin/import/{job.id}/refused.xlsx", id="import-refused",
                            className="btn btn-outline-danger btn-sm"))
        parts.append(html.P(t("imports.refused.help", lang), className="text-muted small mt-2"))
    return html.Div(parts)


def recent(jobs: list[ImportJob], lang: str) -> html.Div:
    if not jobs:
        return html.Div()
    rows = [html.Tr([html.Td(html.A(j.file_name, href=f"/admin/import?job={j.id}")),
                     html.Td(j.created_at.strftime("%Y-%m-%d %H:%M")),
                     html.Td(t(f"imports.state.{j.state}", lang)),
                     html.Td(format_count(j.rows, lang))]) for j in jobs]
    head = [t(f"imports.recent.{c}", lang) for c in ("file", "at", "state", "rows")]
    return html.Div([html.H5(t("imports.recent.title", lang)),
                     dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                               size="sm", id="import-recent")])
