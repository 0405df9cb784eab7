"""Safe defaults: refusal to start unsafely in production, incident ids, security headers.

- ``create_app`` first calls ``dashboard.safe_settings.refuse_unsafe_settings``
  (unknown ``ANTIFRAUD_ENV``; in production a weak ``SECRET_KEY`` or debug
  mode) and ``crypto.install_key`` (no key, or a weak one, in production).
- In production a request is refused outright if debug was switched on later
  (``app.run(debug=True)``).
- An unexpected error answers with an incident id; the traceback goes to the
  server log under that id, with every phone, ID and account number blanked
  (``dashboard.domain.text``: runs of 11 or more digits, and grouped or
  full-width numbers of those shapes).  No traceback ever reaches the browser.
- Security headers (CSP, HSTS in production, ...): ``dashboard.web.headers``;
  body limits, bounded JSON and control characters: ``dashboard.web.hygiene``.
"""

from __future__ import annotations

import logging
import traceback
import uuid

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from dashboard.auth.permissions import PermissionDenied
from dashboard.auth.records import NotFound
from dashboard.domain.text import redact_personal_numbers
from dashboard.i18n import t
from dashboard.web import headers, outages
from dashboard.web.login import wants_json

log = logging.getLogger("dashboard.incidents")

def redact(text: str) -> str:
    """``text`` with every phone, ID or account number blanked."""
    return redact_personal_numbers(text, replacement="[digits]")


def _refuse_debug_in_production():
    if current_app.debug:
        log.critical("debug mode is on in production: refusing to serve")
        return "debug mode is on in production", 503
    return None


def answer(status: int, message: str, incident: str | None = None, field: str = "request", **extra):
    """``message`` with ``status``: the translated error page for people; JSON for Dash and the
    API, where the API's shape is ``{"error": {"field", "reason"}}`` (``docs/api.md``)."""
    if wants_json():
        error = {"field": field, "reason": message} if request.path.startswith("/api/") else message
        body = {"error": error, **extra}
        if incident:
            body["incident"] = incident
        return jsonify(body), status
    return render_template("auth/error.html", message=message, incident=incident), status


def _permission_denied(_error: PermissionDenied):
    return answer(403, t("access.denied.title"))


def _not_found(_error: NotFound):
    return answer(404, t("access.not_found.title"))


def incident(error: Exception):
    if isinstance(error, HTTPException):
        return error
    number = uuid.uuid4().hex[:12]
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    log.error("incident %s: %s %s\n%s", number, request.method, request.path, redact(trace))
    return answer(500, t("error.incident", incident=number), number)


def init_app(app: Flask) -> None:
    if app.config["ANTIFRAUD_ENV"] == "production":
        app.before_request(_refuse_debug_in_production)
    app.register_error_handler(PermissionDenied, _permission_denied)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Exception, incident)
    outages.init_app(app)
    headers.init_app(app)
