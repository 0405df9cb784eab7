"""Cross-site request forgery: a token plus a same-origin check on every state-changing request.

The token lives in the Flask session (signed, HttpOnly).  Dash's renderer
copies the ``_csrf_token`` cookie into an ``X-CSRFToken`` header on each of
its requests, so that cookie (readable by the page's script, by design)
carries the same token; Flask forms (login, logout) send it as the hidden
field ``csrf_token``.  A POST, PUT, PATCH or DELETE is refused with 403 when

- its ``Origin`` (or, without one, its ``Referer``) names another host, or
  neither header is present; or
- its token is missing or is not the session's.

A new token is issued with each new Flask session (at login).  The ingest
API's token endpoints (``login.allow_token_endpoints``) authenticate by a bearer token and read no
cookie, so they need neither.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, request, session
from flask.typing import ResponseReturnValue

from dashboard.i18n import t
from dashboard.web.login import is_token_endpoint

COOKIE = "_csrf_token"
HEADER = "X-CSRFToken"
FORM_FIELD = "csrf_token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token() -> str:
    """This session's token, made on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def same_origin() -> bool:
    """True when the request says it comes from a page of this host."""
    source = request.headers.get("Origin")
    if not source or source == "null":
        source = request.headers.get("Referer")
    if not source:
        return False
    return urlsplit(source).netloc.lower() == request.host.lower()


def token_matches() -> bool:
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if not sent and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = request.form.get(FORM_FIELD)
    return bool(expected and sent) and hmac.compare_digest(str(sent), str(expected))


def refusal() -> ResponseReturnValue:
    """403: JSON for Dash and API calls, the error page for a form."""
    current_app.logger.warning("refused a %s to %s: cross-site or no CSRF token",
                               request.method, request.path)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return render_template("auth/error.html", message=t("csrf.refused"), incident=None), 403
    return jsonify(error=t("csrf.refused")), 403


def _check() -> ResponseReturnValue | None:
    if request.method in SAFE_METHODS or is_token_endpoint():
        return None  # the ingest API takes no cookie, so a forged cross-site request carries nothing
    if not same_origin() or not token_matches():
        return refusal()
    return None


def _set_cookie(response):
    token = session.get(SESSION_KEY)
    if token and request.cookies.get(COOKIE) != token:
        response.set_cookie(COOKIE, token, httponly=False, samesite="Lax", path="/",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app: Flask) -> None:
    """Check every request after the login check; keep the cookie in step with the session."""
    app.before_request(_check)
    app.after_request(_set_cookie)
    app.jinja_env.globals["csrf_token"] = csrf_token
