"""``GET /api/v1/stats``: the statistics builder without the browser, same figures, same rules.

Who may call: a logged-in user (session cookie) or a statistics token
(``Authorization: Bearer afs_...``, see ``dashboard.statistics.tokens``),
whose role allows ``export_statistics``; the units must lie in that user's
scope.  Ingest tokens do not work here (and statistics tokens do not work
for ingest).

Query: ``unit``, ``from``, ``to``, ``compare``, ``compare_from``,
``compare_to``, ``figure`` (see ``dashboard.statistics.request``), plus
``format`` (``json`` default, ``csv``, ``xlsx``) and ``lang`` (``zh-CN``
default, ``en``).  Answers: 200 with the publication (disclosure control
applied, headline sentences and footer included) and an ``export`` audit
row; 400 ``{"error": {"field", "reason"}}``; 401 without a valid login or
token; 403 for a role that may not export statistics; 405 with ``Allow`` for
another method (``dashboard.api.methods``).  The OpenAPI document describes it.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from dashboard.api.methods import add_path
from dashboard.auth import audit
from dashboard.auth.permissions import allowed
from dashboard.auth.scope import scope_of
from dashboard.i18n import LANGUAGES, normalize
from dashboard.statistics.exports import export_file
from dashboard.statistics.headlines import headline_text
from dashboard.statistics.request import RequestError
from dashboard.statistics.tokens import PERMISSION, stats_token_user
from dashboard.web.database import request_session
from dashboard.web.login import client_address
from dashboard.web.statistics import audit_now, publication_for

bp = Blueprint("stats_api", __name__, url_prefix="/api/v1")
API_FORMATS = ("json", "csv", "xlsx")


def _error(status: int, field: str, reason: str):
    return jsonify(error={"field": field, "reason": reason}), status


def _caller():
    """(user, channel) of the request: a statistics token, else the login session; (None, None)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return stats_token_user(request_session(), header[7:].strip()), "api-token"
    if current_user.is_authenticated:
        return current_user, "api-session"
    return None, None


def stats():
    session = request_session()
    user, channel = _caller()
    if user is None:
        session.rollback()
        return _error(401, "Authorization", "log in, or send a statistics token (Bearer afs_...)")
    if not allowed(user, PERMISSION):
        session.rollback()
        audit.record(session, user=user, action=audit.ACCESS_DENIED, object="api:stats",
                     outcome=audit.DENIED, source_address=client_address(),
                     detail={"want": PERMISSION})
        session.commit()
        return _error(403, "Authorization", f"role may not {PERMISSION}")
    lang = request.args.get("lang") or "zh-CN"
    if lang not in LANGUAGES:
        return _error(400, "lang", f"must be one of {', '.join(LANGUAGES)}")
    lang = normalize(lang)
    fmt = request.args.get("format") or "json"
    if fmt not in API_FORMATS:
        return _error(400, "format", f"must be one of {', '.join(API_FORMATS)}")
    scope = scope_of(session, getattr(user, "user", user))
    try:
        publication = publication_for(request.args.to_dict(flat=False), user=user, scope=scope)
    except RequestError as error:
        return _error(400, error.field, error.reason(lang))
    export = export_file(publication, fmt, lang, headline_text(publication, lang),
                         browser=current_app.config["EXPORT_BROWSER"])
    audit_now(user, channel, publication, fmt, lang, export)
    response = Response(export.content, mimetype=export.mime.split(";")[0])
    if fmt == "json":
        response.mimetype = "application/json"
        response.charset = "utf-8"
    else:
        response.headers["Content-Disposition"] = f'attachment; filename="{export.name}"'
    return response


add_path(bp, "/stats", ("GET", "HEAD"), stats, "stats")
