"""Statistics for the web (the page and ``GET /api/v1/stats``): the caller's scope, rules and audit.

``publication_for(params)`` checks a request against the logged-in user's
scope (a unit that does not exist or lies outside it is "not found", with an
``access_denied`` audit row naming the unit tried) and builds the
disclosure-controlled publication with the app's ``DISCLOSURE_THRESHOLD``,
protected against everything the user received before and recorded as
received (``statistics.releases``).  ``start_export`` runs an export as a
job owned by the user; when the file is made, its ``export`` audit row is
written.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import SimpleNamespace

from flask import current_app
from flask_login import current_user

from dashboard.auth import audit
from dashboard.auth.scope import Scope
from dashboard.disclosure.suppression import MIN_THRESHOLD
from dashboard.statistics.exports import ExportFile, export_file, record_export
from dashboard.statistics.jobs import jobs_of
from dashboard.statistics.publication import Publication, build_publication
from dashboard.statistics.releases import record_release
from dashboard.statistics.request import RequestError, parse_request
from dashboard.web.access import current_scope
from dashboard.web.database import database, request_session
from dashboard.web.login import client_address, now

_jobs_lock = threading.Lock()


def threshold() -> int:
    value = int(current_app.config["DISCLOSURE_THRESHOLD"])
    if value < MIN_THRESHOLD:
        raise ValueError(f"DISCLOSURE_THRESHOLD: must be at least {MIN_THRESHOLD}")
    return value


def publication_for(params: Mapping, user=None, scope: Scope | None = None) -> Publication:
    """The publication ``params`` ask for, inside the scope of the logged-in user (or ``user``)."""
    session = request_session()
    scope = scope or current_scope()
    moment = now()
    try:
        request, units = parse_request(params, session, scope, moment)
    except RequestError as error:
        if error.denied_object is not None:
            session.rollback()
            audit.record(session, user=user or current_user, action=audit.ACCESS_DENIED,
                         object=error.denied_object, outcome=audit.DENIED,
                         source_address=client_address(), detail={"reason": "not_in_scope"})
            session.commit()
        raise
    reader = user or current_user
    publication = build_publication(session, scope, request, units, moment, threshold(),
                                    recipient=f"user:{reader.id}")
    # what the reader sees is released to them: the next publication is protected against it
    record_release(session, publication.release, moment)
    session.commit()
    return publication


def owner() -> str:
    return f"user:{current_user.id}"


def audit_now(user, channel: str, publication: Publication, fmt: str, lang: str,
              export: ExportFile) -> None:
    """The export's audit row, in the request's session (committed)."""
    session = request_session()
    record_export(session, user=user, channel=channel, publication=publication, fmt=fmt, lang=lang,
                  export=export, source_address=client_address())
    session.commit()


def start_export(publication: Publication, fmt: str, lang: str, headlines: str) -> str:
    """Start an export job for the logged-in user; its id."""
    app = current_app._get_current_object()
    with _jobs_lock:
        runner = jobs_of(app)
    who = SimpleNamespace(username=current_user.username, role=current_user.role)
    address = client_address()
    browser = app.config["EXPORT_BROWSER"]
    db = database()  # the worker thread has no app context

    def work(progress) -> ExportFile:
        return export_file(publication, fmt, lang, headlines, browser=browser, progress=progress)

    def on_done(export: ExportFile) -> None:
        with db.session() as session:
            record_export(session, user=who, channel="page", publication=publication, fmt=fmt,
                          lang=lang, export=export, source_address=address)

    return runner.start(owner(), work, on_done)


def export_state(job_id) -> dict | None:
    return jobs_of(current_app._get_current_object()).state(job_id, owner())


def export_result(job_id) -> ExportFile | None:
    return jobs_of(current_app._get_current_object()).result(job_id, owner())
