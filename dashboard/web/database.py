"""One ``Database`` per app and one session per request.

``request_session()`` opens a session on first use in a request; it is
rolled back and closed when the request ends unless a command committed it
(a transaction that only read is committed instead: see ``db.end_read_only``).
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from dashboard.db import Database, end_read_only


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
    session = g.pop("db_session", None)
    if session is not None:
        if exc is None:
            end_read_only(session)  # keeps PostgreSQL's prepared statements (dashboard.db)
        session.rollback()
        session.close()
