"""``/healthz``: the database answers and its schema is current; and how Redis is.

503 when the database is unreachable or behind.  An unreachable Redis
(``REDIS_URL``) gives 200 with ``status: degraded``: the app still serves
(the ingest limit lets requests through, nothing is cached), so a load
balancer should keep sending traffic, but an operator should look.  So do
sources whose feed has gone silent (``stale_sources``, from
``dashboard.web.feed_status``): 200, ``status: degraded``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from dashboard import migrate
from dashboard.web import shared
from dashboard.web.database import database
from dashboard.web.feed_status import stale_sources
from dashboard.web.login import now

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db = database()
    try:
        current = migrate.is_current(db.engine)
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return jsonify(status="error", database="unreachable"), 503
    if not current:
        return jsonify(status="error", database="reachable", migrations="behind"), 503
    redis = "not configured"
    if current_app.config.get("REDIS_URL"):
        redis = "reachable" if shared.store().ping() else "unreachable"
    stale = stale_sources(now())  # [{source, since}] of silent feeds; None: could not be told
    return jsonify(status="degraded" if redis == "unreachable" or stale else "ok", database="reachable",
                   migrations="current", redis=redis, stale_sources=stale)
