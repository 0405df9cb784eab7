"""``/healthz``: the database answers and its schema is current."""

from __future__ import annotations

from flask import Blueprint, jsonify

from dashboard import migrate
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
    return jsonify(status="ok", database="reachable", migrations="current")
