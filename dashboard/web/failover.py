"""Serving while the primary database is away: read-only from the standby, and saying so.

With ``READ_DATABASE_URL`` set, a request whose primary connection cannot be
had is served from the read database (``database.request_session``).  A
request that was already under way when the primary died (its connection
dropped mid-request) is run once more from the start on the read database
(``replay``) when it is a read: a page load (GET) or a Dash callback.  On the
read database every write is refused by PostgreSQL itself (its connections
are read-only), so a replayed callback that wanted to write answers 503 like
any write during the outage, never writes twice.  The ingest API and every
other POST are not replayed: they answer 503 with ``Retry-After``.

Every answer served from the read database carries ``X-Database: failover``;
the page shell shows the translated notice (``failover_notice``).
"""

from __future__ import annotations

import logging

from dash import html
from flask import Flask, current_app, g, request

from dashboard.i18n import t
from dashboard.web.database import database, forget_sessions, in_failover, primary_reachable
from dashboard.web.login import DASH_UPDATE, is_token_endpoint

log = logging.getLogger(__name__)
HEADER = "X-Database"
NOTICE_ID = "shell-failover"
_REQUEST_CACHES = ("scope", "security_settings", "_login_user")  # what a replay must read again


def replayable() -> bool:
    """A read that the primary's loss interrupted, not yet replayed, with a read database to use."""
    if not database().replicated or in_failover() or is_token_endpoint():
        return False
    return request.method in ("GET", "HEAD") or request.path == DASH_UPDATE


def replay():
    """The request run again on the read database, or None when that does not apply."""
    try:
        if not replayable() or primary_reachable():
            return None  # the fault was not the primary's loss
    except Exception:  # noqa: BLE001 - the primary's state unknown: the ordinary outage answer
        return None
    log.warning("primary database lost during %s %s: served again from the read database",
                request.method, request.path)
    forget_sessions()
    for name in _REQUEST_CACHES:
        g.pop(name, None)
    g.failover = True
    try:
        answer = current_app.preprocess_request()
        if answer is None:
            answer = current_app.dispatch_request()
    except Exception as error:  # noqa: BLE001 - its own handler answers it (not replayed again)
        answer = current_app.handle_user_exception(error)
    return answer


def failover_notice(lang: str | None = None) -> html.Div | None:
    """The notice "read-only: database failover in progress", or None while the primary serves."""
    if not in_failover():
        return None
    return html.Div([html.Strong(t("failover.notice.title", lang)), " ",
                     html.Span(t("failover.notice.text", lang))],
                    className="alert alert-warning py-2 mb-2", role="alert", id=f"{NOTICE_ID}-text")


def _mark(response):
    if in_failover():
        response.headers[HEADER] = "failover"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_mark)
