"""``/healthz``: the database answers, takes writes and has a current schema; and how Redis is.

- 503 ``error`` when the database is unreachable or its schema is behind.
- 200 ``degraded`` when the app still serves but an operator should look: the
  database refuses writes (``database: read-only``: a standby, a read-only
  user or file; figures are read, warnings cannot come in), or Redis
  (``REDIS_URL``) does not answer (nothing is cached and the ingest limit
  lets requests through; the app stops asking it for ``REDIS_RETRY_SECONDS``
  after a failure), or a source's feed has gone silent (``stale_sources``:
  ``dashboard.web.feed_status``).  A load balancer keeps sending traffic:
  every instance shares the same database and Redis, so taking one out helps
  no one.  With ``READ_DATABASE_URL``, a primary that cannot be reached while
  the read database answers is ``database: failover`` (the dashboards are
  served read-only from the standby).
- 200 ``ok`` otherwise.

The write probe updates the schema's version row to itself and rolls back:
it takes the row's lock for an instant and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from dashboard import migrate
from dashboard.db import READ_ONLY, database_fault, database_reason, is_sqlite
from dashboard.web import shared
from dashboard.web.database import database
from dashboard.web.feed_status import stale_sources
from dashboard.web.login import now

bp = Blueprint("health", __name__)
REFUSED_WRITE_STATES = ("42501",)  # insufficient_privilege: a user that may only read


def writable(engine: Engine) -> bool:
    """False when the database refuses a write (read-only server, user, file or disk)."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.exec_driver_sql("PRAGMA busy_timeout=200")
        try:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
        except DBAPIError as exc:
            code = str(getattr(exc.orig, "sqlstate", None) or "")
            if database_fault(exc) == READ_ONLY or code in REFUSED_WRITE_STATES:
                return False
            if "locked" in database_reason(exc):  # SQLite: another process is writing
                return True
            raise
        finally:
            conn.rollback()
            if is_sqlite(engine):
                conn.exec_driver_sql("PRAGMA busy_timeout=10000")
    return True


def _reads_served(engine: Engine) -> bool:
    """Whether the read database (``READ_DATABASE_URL``) answers while the primary does not."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - neither answers
        return False
    return True


@bp.get("/healthz")
def healthz():
    db = database()
    try:
        current = migrate.is_current(db.engine)
        can_write = current and writable(db.engine)
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        if db.replicated and _reads_served(db.read_engine):
            return jsonify(status="degraded", database="failover", migrations="unknown"), 200
        return jsonify(status="error", database="unreachable"), 503
    if not current:
        return jsonify(status="error", database="reachable", migrations="behind"), 503
    redis = "not configured"
    if current_app.config.get("REDIS_URL"):
        redis = "reachable" if shared.store().ping() else "unreachable"
    stale = stale_sources(now())  # [{source, since}] of silent feeds; None: could not be told
    degraded = redis == "unreachable" or not can_write or bool(stale)
    return jsonify(status="degraded" if degraded else "ok",
                   database="reachable" if can_write else "read-only",
                   migrations="current", redis=redis, stale_sources=stale)
