"""When the database cannot serve: the app's own answer, never a bare 500 from the server.

A request whose database work fails because the database is away (no
connection, a connection dropped mid-request, a server shutting down), is
read-only (a standby, a read-only user, a full disk) or did not answer in
time (``DATABASE_STATEMENT_TIMEOUT``) gets 503 with ``Retry-After`` and an
incident id: JSON for the API and Dash, the translated error page for
people, and the login form itself with the reason on ``/login``.  The
server log gets one line under the incident id (no traceback: the fault is
the database's, not the code's).  Any other database error is an ordinary
incident (``hardening``).  The driver's own errors, which psycopg's ``COPY``
(the ingest's bulk insert) raises unwrapped, are told apart the same way.

With ``READ_DATABASE_URL``, a read cut off by the primary's loss is served
again from the standby (``failover.replay``), and a write refused while the
primary is away says so (``error.database.failover``).

The request's session is closed in ``database._close_session``, which never
raises: a teardown that raised on a dropped connection is what turned the
answer into the WSGI server's bare 500 page.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid

import psycopg
from flask import Flask, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from dashboard.db import READ_ONLY, TIMED_OUT, DatabaseUnreachable, database_fault, database_reason
from dashboard.i18n import t
from dashboard.web import failover, hardening
from dashboard.web.database import PRIMARY_AWAY, in_failover

log = logging.getLogger("dashboard.incidents")
RETRY_AFTER_SECONDS = 30
FAILOVER = "failover"  # the primary is away; this request was served from the read database
MESSAGES = {READ_ONLY: "error.database.read_only", TIMED_OUT: "error.database.timed_out",
            FAILOVER: "error.database.failover"}


def outage_message(kind: str, incident: str | None = None) -> str:
    """The translated sentence for a database fault ``kind`` (``db.database_fault``)."""
    message = t(MESSAGES.get(kind, "error.database.unavailable"))
    return f"{message} {t('error.database.incident', incident=incident)}" if incident else message


def _outage(error: Exception):

    kind = database_fault(error)
    if kind is None:
        return hardening.incident(error)
    if kind in PRIMARY_AWAY:
        replayed = failover.replay()  # a read cut off by the primary's loss: served by the standby
        if replayed is not None:
            return replayed
    if in_failover():
        kind = FAILOVER
    incident = uuid.uuid4().hex[:12]
    log.error("incident %s: database %s (%s) on %s %s", incident, kind,
              hardening.redact(database_reason(error)), request.method, request.path)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = outage_message(kind, incident)
    if request.endpoint == "auth.login":  # a form: it answers with itself
        page = render_template("auth/login.html", error=message, username="", next=None)
        return page, 503, headers
    body, status = hardening.answer(503, message, incident, field="database", database=kind)
    return body, status, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(SQLAlchemyError, _outage)
    # the driver's own errors, unwrapped: psycopg's COPY (the ingest's bulk insert) raises them
    app.register_error_handler(psycopg.Error, _outage)
    app.register_error_handler(sqlite3.Error, _outage)
    app.register_error_handler(DatabaseUnreachable, _outage)
