"""``/healthz``: the database answers and its schema is current; and how Redis is.

503 when the database is unreachable or behind.  An unreachable Redis
(``REDIS_URL``) gives 200 with ``status: degraded``: the app still serves
(the ingest limit lets requests through, nothing is cached), so a load
balancer should keep sending traffic, but an operator should look.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from dashboard import migrate
from dashboard.web import shared
from dashboard.web.database import database

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
    return jsonify(status="degraded" if redis == "unreachable" else "ok", database="reachable",
                   migrations="current", redis=redis)
