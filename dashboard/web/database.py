"""One ``Database`` per app and one session per request.

``request_session()`` opens a session on first use in a request; it is
rolled back and closed when the request ends unless a command committed it
(a transaction that only read is committed instead: see ``db.end_read_only``).
"""

from __future__ import annotations

import logging
from contextlib import suppress

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from dashboard.db import Database, database_reason, end_read_only

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.extensions["database"] = Database(
        app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"],
        connect_timeout=app.config["DATABASE_CONNECT_TIMEOUT"],
        statement_timeout=app.config["DATABASE_STATEMENT_TIMEOUT"])
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return current_app.extensions["database"]


def request_session() -> Session:
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(exc) -> None:
    """End the request's session; never raises, as the answer is already made.

    A connection the database dropped (a restart, a failover, an operator's
    ``pg_terminate_backend``) fails its rollback: the pool then discards it.
    """
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None:
            end_read_only(session)  # keeps PostgreSQL's prepared statements (dashboard.db)
        session.rollback()
    except Exception as error:  # noqa: BLE001 - logged in one line; the pool drops the connection
        log.warning("the request's database session could not be ended (%s): %s",
                    type(error).__name__, database_reason(error))
        with suppress(Exception):
            session.invalidate()
    finally:
        with suppress(Exception):
            session.close()
