"""The web import page's two plain HTTP endpoints: the file upload and the refused rows' download.

``/admin/import/upload`` is a plain HTML form (a template, as the password
page is): posted as multipart (the file, and the kind, source and time zone
chosen), it streams the file into the instance folder
(``IMPORT_MAX_MEGABYTES`` at most: a form, not a Dash callback, so a large
file never travels as base64 through the browser's memory), registers the
job (``dashboard.commands.imports.register_upload``) and sends the browser
to ``/admin/import?job=<id>``.  A refused value gives the form again with
a message naming the field (400).

``GET /admin/import/<id>/refused.xlsx`` gives the refused rows' file to the
job's uploader alone (anyone else: 404, audited), audited as a download.

``start_job`` queues a job and runs it in a thread of this process
(``dashboard.jobs.imports``).  The instance folder must be the same for every
worker that serves the page (one machine, or a shared folder); a file not
found there is said so.
"""

from __future__ import annotations

import secrets
import string
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_login import current_user

from dashboard.auth import audit
from dashboard.commands.errors import PermissionDenied
from dashboard.commands.imports import FILE_SUFFIXES, PERMISSION, find_job, register_upload
from dashboard.i18n import current_language, t
from dashboard.ingest import KINDS
from dashboard.jobs.imports import job_folder, purge, start_import
from dashboard.web.commands import run_command
from dashboard.web.database import database
from dashboard.web.guard import deny, permits, refused_page
from dashboard.web.hygiene import allow_larger_body
from dashboard.web.login import client_address

bp = Blueprint("imports", __name__)
PAGE = "/admin/import"
DEFAULT_ZONE = "Asia/Shanghai"
_LETTERS = string.ascii_lowercase


def folder() -> Path:
    path = job_folder(current_app.config["INSTANCE_PATH"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@bp.route(f"{PAGE}/upload", methods=["GET", "POST"])
def upload():
    """The upload form; posted, the file is stored and its job registered (or the form again,
    naming the refused field)."""
    if not permits(current_user, PERMISSION):
        deny(PERMISSION, "import:new")
        return refused_page(403)
    chosen = {"kind": request.form.get("kind", ""), "source": request.form.get("source", ""),
              "timezone": request.form.get("timezone") or DEFAULT_ZONE}
    if request.method == "GET":
        return _form(chosen)
    upload_file = request.files.get("file")
    name = upload_file.filename if upload_file is not None else ""
    suffix = Path(name or "").suffix.lower()[:8]
    stored = "".join(secrets.choice(_LETTERS) for _ in range(24)) + (suffix if suffix.isascii() else "")
    target = folder() / stored
    purge(target.parent, current_app.config["IMPORT_KEEP_HOURS"])
    if upload_file is not None and name:
        upload_file.save(target)
    size = target.stat().st_size if target.exists() else 0
    ran = run_command(lambda s: register_upload(
        s, current_user, file_name=name, stored_name=stored, size=size, kind=chosen["kind"],
        source=chosen["source"], timezone=chosen["timezone"], language=current_language(),
        source_address=client_address()))
    if not ran.ok:
        target.unlink(missing_ok=True)
        if ran.refused(PermissionDenied):
            return refused_page(403)
        return _form(chosen, error=ran.message()), 400
    return redirect(f"{PAGE}?job={ran.value.id}", 303)


def _form(chosen: dict, error: str | None = None) -> str:
    lang = current_language()
    kinds = [("", t("imports.kind.auto", lang))] + [(k, t(f"imports.kind.{k}", lang)) for k in KINDS]
    return render_template("imports/upload.html", action=f"{PAGE}/upload", page=PAGE, kinds=kinds,
                           chosen=chosen, error=error, accept=",".join(FILE_SUFFIXES))


@bp.get(f"{PAGE}/<job_id>/refused.xlsx")
def refused(job_id: str):
    ran = run_command(lambda s: _refused_file(s, job_id))
    if not ran.ok or ran.value is None:
        abort(404)
    return send_file(ran.value[0], as_attachment=True, download_name=ran.value[1],
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _refused_file(session_, job_id) -> tuple[Path, str] | None:
    job = find_job(session_, current_user, job_id, client_address())
    path = folder() / job.refused_name if job.refused_name else None
    if path is None or not path.is_file():
        return None
    audit.record(session_, user=current_user, action=audit.IMPORT_DOWNLOADED,
                 object=f"import:{job.id}", source_address=client_address(),
                 detail={"rejected": job.rejected})
    return path, f"{Path(job.file_name).stem}.refused.xlsx"


def start_job(job_id: int):
    """Run a queued (committed) job in the background; the thread."""
    return start_import(database().engine, folder(), job_id)


LIMITS = {"IMPORT_MAX_MEGABYTES": (1, 4096), "IMPORT_KEEP_HOURS": (1, 720)}


def _whole(name: str, value) -> int:
    low, high = LIMITS[name]
    try:
        number = float(str(value).strip())
        ok = low <= number <= high and number.is_integer()
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{name}: must be a whole number from {low} to {high}, got {value!r}")
    return int(number)


def init_app(app: Flask) -> None:
    """The page's endpoints; its settings checked at start (a bad one names itself)."""
    for name in LIMITS:
        app.config[name] = _whole(name, app.config[name])
    app.register_blueprint(bp)
    allow_larger_body(app, "imports.upload", app.config["IMPORT_MAX_MEGABYTES"] * 1024 * 1024)
