"""The anti-fraud command dashboard: ``create_app(config=None)`` builds the Flask server with Dash mounted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dashboard.settings import load_settings

if TYPE_CHECKING:  # Flask loads with the app, not with every ``dashboard.*`` import (the CLI's)
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask server with every subsystem initialised and the Dash app mounted on it.

    In production it refuses to start (``UnsafeSettings``, ``PersonalDataKeyError``,
    ``AuditKeyError``) with a weak ``SECRET_KEY``, debug mode, or no ``PERSONAL_DATA_KEY``
    or ``AUDIT_KEY``.
    """
    from flask import Flask

    from dashboard import api, safe_settings
    from dashboard.auth import audit_checkpoints, audit_key
    from dashboard.domain import personal_data
    from dashboard.jobs import worker as task_worker
    from dashboard.web import (
        auth_views,
        csrf,
        dash_app,
        database,
        failover,
        feed_status,
        hardening,
        health,
        hygiene,
        imports,
        language,
        login,
        precinct_shapes,
        shared,
    )

    settings = load_settings(config)
    safe_settings.refuse_unsafe_settings(settings)
    personal_data.install_key(settings)
    audit_key.install_audit_key(settings)
    server = Flask(__name__, instance_path=settings["INSTANCE_PATH"], static_folder=None)
    server.config.update(settings)
    hardening.init_app(server)
    hygiene.init_app(server)  # body limits, bounded JSON, no control characters: before all else
    database.init_app(server)
    failover.init_app(server)  # READ_DATABASE_URL: the answers served while the primary is away
    feed_status.init_app(server)  # the silence watch's settings, checked at start
    audit_checkpoints.init_app(server)  # signed checkpoints of the audit chain, outside the database
    shared.init_app(server)  # rate counters and cache every worker shares (REDIS_URL)
    login.init_app(server)   # every request needs a login, but a short allowlist
    csrf.init_app(server)    # every state-changing request needs the token and our origin
    language.init_app(server)
    server.register_blueprint(health.bp)
    server.register_blueprint(auth_views.bp)
    server.register_blueprint(precinct_shapes.bp)  # the maps' polygons, within the viewer's scope
    imports.init_app(server)  # the web import page's upload and refused rows' download
    api.init_app(server)
    dash_app.init_app(server)
    task_worker.init_app(server)  # the escalation job, when ESCALATION_IN_PROCESS says so
    return server
