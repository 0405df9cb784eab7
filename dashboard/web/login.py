"""Who is logged in: flask-login over server-side sessions, checked on every request.

The signed Flask session cookie carries only the random token of one
``SessionRecord`` (flask-login's user id).  On every request, Dash callbacks
included, ``_load_user`` finds that record and touches it (while the primary is away,
``database.in_failover``, it is read from the standby and nothing is written): an ended, idle
(``SESSION_IDLE_MINUTES``) or too old (``SESSION_ABSOLUTE_HOURS``) session is
ended on the server and the request counts as anonymous, so a cookie replayed
after logout or expiry gets 401 (API and Dash) or the login page (pages).
A callback fired by a ``dcc.Interval`` alone does not count as activity.

Every endpoint needs a login except ``PUBLIC_ENDPOINTS`` and the ingest
API's token endpoints (``allow_token_endpoints``: each request carries its own bearer token and no
cookie: no login session, no CSRF check).  There is no remember-me cookie; a new token (and a fresh
Flask session) at each login.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, g, jsonify, redirect, request, url_for
from flask_login import LoginManager, current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.auth import audit
from dashboard.auth.policy import policy_settings
from dashboard.domain.base import now_local
from dashboard.domain.users import SessionRecord, User
from dashboard.i18n import t
from dashboard.web.database import in_failover, request_session

DASH_UPDATE = "/_dash-update-component"
# Everything else needs a login.  Endpoint names, not path prefixes: a path
# trick cannot reach another view through them.
PUBLIC_ENDPOINTS = frozenset({
    "auth.login", "auth.second_factor", "auth.enrol",   # the login steps check their own state
    "auth.new_password",
    "health.healthz", "i18n.switch_language",
    "_dash_assets.static",                                # /assets/<path>: CSS, vendored Bootstrap
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
    "/_favicon.ico",
})


class SignedInUser:
    """The logged-in ``User`` as flask-login sees it; its id is the session token.

    Every attribute of the user (``username``, ``role``, ``unit_id``, ...) reads
    through, so it can be passed wherever a ``User`` is expected.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: User, token: str) -> None:
        self.user = user
        self.token = token

    def get_id(self) -> str:
        return self.token

    @property
    def is_active(self) -> bool:
        return self.user.can_log_in

    def __getattr__(self, name: str):
        if name in ("user", "token"):
            raise AttributeError(name)
        return getattr(self.user, name)

    def __repr__(self) -> str:  # never the token
        return f"<SignedInUser {self.user.username}>"


def now() -> datetime:
    """The current time; tests freeze it with ``app.extensions["clock"] = lambda: ...``."""
    return current_app.extensions.get("clock", now_local)()


def client_address() -> str:
    """The client's address (after ``PROXY_HOPS`` trusted proxies), for audit and rate limit."""
    return (request.remote_addr or "unknown")[:64]


def security_settings() -> dict:
    """The app's settings with the security administrator's policy laid over (once a request)."""
    if "security_settings" not in g:
        g.security_settings = policy_settings(request_session(), current_app.config)
    return g.security_settings


def session_limits() -> tuple[timedelta, timedelta]:
    config = security_settings()
    return (timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
            timedelta(hours=int(config["SESSION_ABSOLUTE_HOURS"])))


def interval_only() -> bool:
    """True for a Dash callback fired by ``dcc.Interval`` ticks alone (not the user's doing)."""
    if request.endpoint != DASH_UPDATE:
        return False
    body = request.get_json(silent=True)
    changed = body.get("changedPropIds") if isinstance(body, dict) else None
    return bool(changed) and all(str(prop).endswith(".n_intervals") for prop in changed)


def _load_user(token: str) -> SignedInUser | None:
    db = request_session()
    record = SessionRecord.find(db, token)
    if record is None:
        return None
    was_live = record.ended_at is None
    idle, absolute = session_limits()
    live = record.touch(now(), idle, absolute, activity=not interval_only())
    if in_failover():  # the read database: the session is checked, nothing is written
        db.rollback()
        return SignedInUser(db.get(User, record.user_id), token) if live else None
    if was_live and not live:
        audit.record(db, user=record.user, action=audit.SESSION_EXPIRED,
                     object=f"user:{record.user_id}", source_address=client_address(),
                     at=now(), detail={"reason": record.end_reason})
        db.commit()
    elif db.dirty:  # last_seen_at moved on (at most once a minute)
        db.commit()
    return SignedInUser(record.user, token) if live else None


def wants_json() -> bool:
    """Dash's own requests and other API calls get JSON errors, pages get HTML."""
    return (request.path.startswith("/_dash-") or request.method != "GET"
            or request.accept_mimetypes.best == "application/json")


def _unauthorized():
    if wants_json():
        return jsonify(error=t("auth.login_required")), 401
    target = request.full_path.rstrip("?")
    return redirect(url_for("auth.login", next=target) if target not in ("", "/") else
                    url_for("auth.login"))


def allow_token_endpoints(app: Flask, endpoints) -> None:
    """Endpoints whose every request carries its own bearer token (the APIs register theirs):
    no login session is needed and no CSRF check is made; each checks its token itself."""
    app.extensions.setdefault("token_endpoints", set()).update(endpoints)


def is_token_endpoint() -> bool:
    return request.endpoint in current_app.extensions.get("token_endpoints", ())


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or is_token_endpoint():
        return None
    if not current_user.is_authenticated:
        return _unauthorized()
    return None


def init_app(app: Flask) -> LoginManager:
    """Sessions, cookies and the login requirement; call before Dash is mounted."""
    production = app.config["ANTIFRAUD_ENV"] == "production"
    secure = app.config["SECURE_COOKIES"]
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production if secure is None else bool(secure),
        SESSION_COOKIE_NAME="antifraud_session",
        REMEMBER_COOKIE_DURATION=timedelta(0),
    )
    hops = int(app.config["PROXY_HOPS"] or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    manager = LoginManager(app)
    manager.session_protection = None  # the server-side session record decides
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    app.before_request(_require_login)
    return manager
