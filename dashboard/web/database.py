"""One ``Database`` per app and one session per request, on the primary or (for reads) a standby.

``request_session()`` opens a session on first use in a request; it is
rolled back and closed when the request ends unless a command committed it
(a transaction that only read is committed instead: see ``db.end_read_only``).

``read_session()`` is the session of the dashboards' reads (overview, wall,
report pages, live panels): with ``READ_DATABASE_URL`` a second session on the
read database (a standby; read-only connections), else ``request_session()``
itself, exactly as without replicas.

Failover (``READ_DATABASE_URL`` set): the first use of ``request_session()``
in a request checks out a primary connection (``pool_pre_ping`` finds a dead
one; the pool is then emptied and a new connection tried along the URL's host
list).  When the primary cannot be reached the request is served from the read
database instead, read-only (``in_failover()``), and so is every request of
this process for ``FAILOVER_PROBE_SECONDS``; then one request tries the primary
again.  Once a standby is promoted and the URL's host list reaches it, writes
resume without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress

from flask import Flask, current_app, g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dashboard.db import (
    READ_ONLY,
    UNAVAILABLE,
    Database,
    database_fault,
    database_reason,
    end_read_only,
)

log = logging.getLogger(__name__)
PRIMARY_AWAY = (UNAVAILABLE, READ_ONLY)  # no primary, or the URL reached a standby


class FailoverState:
    """Whether this process serves from the read database because the primary is away."""

    def __init__(self, probe_seconds: float) -> None:
        self.probe_seconds = float(probe_seconds)
        self.until: float | None = None  # monotonic time of the next try of the primary
        self._probing = threading.Lock()

    @property
    def active(self) -> bool:
        return self.until is not None

    def begin(self, reason: str) -> None:
        if self.until is None:
            log.error("primary database unreachable (%s): serving read-only from READ_DATABASE_URL",
                      reason)
        self.until = time.monotonic() + self.probe_seconds

    def end(self) -> None:
        if self.until is not None:
            log.warning("primary database reachable again: failover mode ended")
        self.until = None

    def claim_probe(self) -> bool:
        """True for the one request that may try the primary now (release with ``release``)."""
        if self.until is not None and time.monotonic() < self.until:
            return False
        return self._probing.acquire(blocking=False)

    def release(self) -> None:
        with suppress(RuntimeError):
            self._probing.release()


def init_app(app: Flask) -> None:
    app.extensions["database"] = Database(
        app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"],
        connect_timeout=app.config["DATABASE_CONNECT_TIMEOUT"],
        statement_timeout=app.config["DATABASE_STATEMENT_TIMEOUT"],
        read_url=app.config.get("READ_DATABASE_URL") or None)
    probe = app.config.get("FAILOVER_PROBE_SECONDS")
    app.extensions["failover"] = FailoverState(5 if probe is None else probe)
    app.teardown_appcontext(_close_session)


def database() -> Database:
    return current_app.extensions["database"]


def failover_state() -> FailoverState:
    return current_app.extensions["failover"]


def in_failover() -> bool:
    """True when this request is served from the read database because the primary is away."""
    return bool(g.get("failover"))


def primary_reachable() -> bool:
    """Whether a primary connection can be had now (failover begins if not)."""
    session = _checked_primary(database(), failover_state())
    if session is None:
        return False
    with suppress(Exception):
        session.close()
    return True


def _checked_primary(db: Database, state: FailoverState) -> Session | None:
    """A session holding a live primary connection, or None (and failover begun) if it is away."""
    session = db.sessionmaker()
    try:
        session.connection()
    except SQLAlchemyError as exc:
        with suppress(Exception):
            session.close()
        if database_fault(exc) not in PRIMARY_AWAY:
            raise
        state.begin(database_reason(exc))
        return None
    state.end()
    return session


def _open_session() -> Session:
    db = database()
    if not db.replicated:
        return db.sessionmaker()  # lazy, as it always was
    state = failover_state()
    if not state.active:
        session = _checked_primary(db, state)
    elif state.claim_probe():  # one request at a time tries the primary again
        try:
            session = _checked_primary(db, state)
        finally:
            state.release()
    else:
        session = None
    if session is None:
        g.failover = True
        return db.read_sessionmaker()
    return session


def request_session() -> Session:
    """The request's session: the primary's (or, in failover, the read database's)."""
    if "db_session" not in g:
        g.db_session = _open_session()
    return g.db_session


def read_session() -> Session:
    """The session of the dashboards' reads: the read database's, or ``request_session()``."""
    db = database()
    if not db.replicated or in_failover():
        return request_session()
    if "db_read_session" not in g:
        g.db_read_session = db.read_sessionmaker()
    return g.db_read_session


def forget_sessions() -> None:
    """End the request's sessions now (a request replayed on the read database)."""
    for name in ("db_session", "db_read_session"):
        _end(g.pop(name, None), None)


def _close_session(exc) -> None:
    """End the request's sessions; never raises, as the answer is already made.

    A connection the database dropped (a restart, a failover, an operator's
    ``pg_terminate_backend``) fails its rollback: the pool then discards it.
    """
    for name in ("db_session", "db_read_session"):
        _end(g.pop(name, None), exc)


def _end(session: Session | None, exc) -> None:
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
