"""The request side of translation: which language, and the switch route.

The language is the one the user chose (a cookie set by ``/lang/<code>``),
else the ``DEFAULT_LANGUAGE`` setting (zh-CN): Chinese first, whatever the
browser's own language.
"""

from __future__ import annotations

from flask import Blueprint, current_app, has_request_context, redirect, request
from werkzeug.wrappers.response import Response

from dashboard.i18n import LANGUAGES, normalize, use_language_source
from dashboard.web.redirects import safe_target

LANG_COOKIE = "lang"
bp = Blueprint("i18n", __name__)


def request_language() -> str:
    if not has_request_context():
        return normalize(None)
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return normalize(current_app.config.get("DEFAULT_LANGUAGE"))


@bp.get("/lang/<code>")
def switch_language(code: str) -> Response:
    """Set the interface language and go back to a page of this site (else the home page)."""
    resp = redirect(safe_target(request.args.get("next")) or "/")
    if code in LANGUAGES:
        resp.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


def init_app(app) -> None:
    app.register_blueprint(bp)
    use_language_source(request_language)
