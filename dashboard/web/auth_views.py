"""The login pages: password, second factor (TOTP code or enrolment), new password, logout.

Server-rendered Flask templates (``templates/auth/``) styled by the vendored
Bootstrap in ``assets/``: they work before the Dash app is allowed to load.

After a right password the login is *pending* (a user id and a time in the
Flask session, 5 minutes at most) until the second factor is done, if the
user has one or their role requires one.  An enrolment's new secret waits in
the session encrypted with the personal-data key, so the browser never holds
it in clear.  A wrong code counts as a failed login towards the lock.  A
password chosen by someone else (a new account, a reset) must then be
replaced (``/login/password``) before the login completes.  Only a completed
login opens a ``SessionRecord`` (new token, fresh Flask session).

``/account/password`` changes the password of the logged-in user (the
current one asked again).  Every rule reads the security policy in force
(``security_settings``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from dashboard.auth import audit, totp
from dashboard.auth.lockout import FAILED, LoginPolicy, authenticate, register_failure
from dashboard.commands.change_password import ChangePassword
from dashboard.commands.errors import Invalid
from dashboard.domain.personal_data import PersonalDataUnreadable, cipher
from dashboard.domain.users import SessionRecord, User
from dashboard.i18n import LANGUAGES, current_language, t
from dashboard.paths import ASSETS_DIR
from dashboard.web.csrf import COOKIE as CSRF_COOKIE
from dashboard.web.csrf import csrf_token
from dashboard.web.database import request_session
from dashboard.web.guard import home_path, permits
from dashboard.web.login import SignedInUser, client_address, now, security_settings
from dashboard.web.redirects import safe_target
from dashboard.web.shell import LANGUAGE_LABELS

bp = Blueprint("auth", __name__, template_folder="templates")
PENDING_FOR = timedelta(minutes=5)


def _safe_next(target: str | None) -> str | None:
    """A path of this site to go to after login, or None (``dashboard.web.redirects``)."""
    return safe_target(target)


def _pending() -> tuple[User, dict] | tuple[None, None]:
    """The user whose login waits for a second factor, if still valid."""
    pending = session.get("pending")
    if not isinstance(pending, dict):
        return None, None
    started = datetime.fromisoformat(pending["since"])
    user = request_session().get(User, pending["user"])
    if (now() - started > PENDING_FOR or user is None or not user.can_log_in
            or user.is_locked(now())):
        session.pop("pending", None)
        return None, None
    return user, pending


def _failed_login_message() -> str:
    policy = LoginPolicy.from_settings(security_settings())
    return t(FAILED, attempts=policy.max_failures, minutes=int(policy.lock.total_seconds() // 60))


def _complete(user: User, second_factor: str, target: str | None):
    """Open the session: new token, fresh Flask session, audit, then go on."""
    db = request_session()
    at = now()
    session.clear()
    record, token = SessionRecord.open(user, at)
    db.add(record)
    audit.record(db, user=user, action=audit.LOGIN, object=f"user:{user.id}",
                 source_address=client_address(), at=at, detail={"second_factor": second_factor})
    db.commit()
    login_user(SignedInUser(user, token), remember=False)
    csrf_token()
    return redirect(_safe_next(target) or home_path(current_user))


def _finish(user: User, second_factor: str, target: str | None):
    """Complete the login, or first ask for a new password when someone else chose this one."""
    if not user.must_change_password:
        return _complete(user, second_factor, target)
    pending = session.get("pending") or {}
    session["pending"] = {"user": user.id, "since": pending.get("since", now().isoformat()),
                          "next": target, "factor_done": second_factor}
    request_session().commit()
    csrf_token()
    return redirect(url_for("auth.new_password"))


def _second_factor_failed(user: User, template: str, **context):
    db = request_session()
    audit.record(db, user=user, action=audit.TOTP_FAILED, object=f"user:{user.id}",
                 outcome=audit.DENIED, source_address=client_address(), at=now())
    locked = register_failure(db, user, now(), LoginPolicy.from_settings(security_settings()),
                              client_address())
    db.commit()
    if locked:
        session.pop("pending", None)
        return render_template("auth/login.html", error=_failed_login_message(), username="")
    return render_template(template, error=t("auth.totp.invalid"), **context)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_path(current_user))
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", error=None, username="", next=target)
    db = request_session()
    username = request.form.get("username", "")
    result = authenticate(db, username, request.form.get("password", ""), client_address(),
                          settings=security_settings(), now=now())
    db.commit()  # the failure count, lock and audit rows stay even when refused
    if not result.ok:  # the name is not shown back: it may be a password typed in the wrong field
        return render_template("auth/login.html", error=t(result.message_key, **result.params),
                               username="", next=target)
    user = result.user
    step = totp.second_factor_step(user, security_settings())
    if step == "none":
        return _finish(user, "none", target)
    session.clear()
    session["pending"] = {"user": user.id, "since": now().isoformat(), "next": target}
    csrf_token()
    return redirect(url_for("auth.second_factor" if step == "code" else "auth.enrol"))


@bp.route("/login/totp", methods=["GET", "POST"])
def second_factor():
    user, pending = _pending()
    if user is None or user.totp_secret is None:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/totp.html", error=None)
    if totp.accept_code(user, request.form.get("code"), at=now()):
        return _finish(user, "totp", pending.get("next"))
    return _second_factor_failed(user, "auth/totp.html")


def _enrolment_secret(user: User, state_key: str) -> str:
    """The secret being enrolled, kept encrypted in ``session[state_key]`` between requests."""
    state = session.get(state_key) or {}
    purpose = f"totp-enrolment:{user.id}"
    try:
        return cipher().decrypt(state["secret"], purpose)
    except (KeyError, TypeError, PersonalDataUnreadable):
        secret = totp.new_secret()
        session[state_key] = {**state, "secret": cipher().encrypt(secret, purpose)}
        return secret


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Enrol an authenticator app: during a pending login, or by choice when logged in
    without one (a second factor already set is changed only by an admin's reset)."""
    signed_in = current_user.is_authenticated
    if signed_in:
        user, state_key = request_session().get(User, current_user.id), "enrol"
        if user.totp_secret is not None:
            return redirect(home_path(current_user))
    else:
        (user, _pending_state), state_key = _pending(), "pending"
    if user is None:
        return redirect(url_for("auth.login"))
    secret = _enrolment_secret(user, state_key)
    uri = totp.provisioning_uri(secret, user.username, current_app.config["TOTP_ISSUER"])
    context = {"qr": totp.qr_svg(uri),
               "key": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}
    if request.method == "GET":
        return render_template("auth/enrol.html", error=None, **context)
    if not totp.enrol(user, secret, request.form.get("code"), at=now()):
        return _second_factor_failed(user, "auth/enrol.html", **context)
    db = request_session()
    audit.record(db, user=user, action=audit.TOTP_ENROLLED, object=f"user:{user.id}",
                 source_address=client_address(), at=now())
    if signed_in:
        db.commit()
        session.pop("enrol", None)
        return redirect(home_path(current_user))
    return _finish(user, "totp_enrolled", session["pending"].get("next"))


def _password_form(action: str, forced: bool, **context):
    return render_template("auth/password.html", action=action, forced=forced,
                           home=home_path(current_user) if current_user.is_authenticated else "/",
                           **{"error": None, "done": False, **context})


@bp.route("/login/password", methods=["GET", "POST"])
def new_password():
    """The last step of a login whose password someone else chose: a new one, twice."""
    user, pending = _pending()
    if user is None or not pending.get("factor_done"):
        return redirect(url_for("auth.login"))
    action = url_for("auth.new_password")
    if request.method == "GET":
        return _password_form(action, forced=True)
    db = request_session()
    try:
        ChangePassword(user, None, request.form.get("password", ""),
                       request.form.get("repeated_password", ""), settings=security_settings(),
                       source_address=client_address(), current_checked=True).run(db, now=now())
    except Invalid as invalid:
        db.rollback()
        return _password_form(action, forced=True, error=invalid.message())
    return _complete(user, pending["factor_done"], pending.get("next"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """The logged-in user changes their own password (the current one asked again)."""
    if not permits(current_user, "manage_own_account"):
        return redirect(url_for("auth.login"))
    action = url_for("auth.change_password")
    if request.method == "GET":
        return _password_form(action, forced=False)
    db = request_session()
    user = db.get(User, current_user.id)
    record = SessionRecord.find(db, current_user.get_id())
    try:
        ChangePassword(user, request.form.get("current_password", ""),
                       request.form.get("password", ""), request.form.get("repeated_password", ""),
                       settings=security_settings(), source_address=client_address(),
                       keep_session=record.id if record else None).run(db, now=now())
    except Invalid as invalid:
        db.rollback()
        return _password_form(action, forced=False, error=invalid.message())
    db.commit()
    return _password_form(action, forced=False, done=True)


@bp.post("/logout")
def logout():
    db = request_session()
    record = SessionRecord.find(db, current_user.get_id())
    if record is not None and record.ended_at is None:
        record.end(now(), "logout")
        audit.record(db, user=current_user, action=audit.LOGOUT, object=f"user:{current_user.id}",
                     source_address=client_address(), at=now())
        db.commit()
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"))
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@bp.app_context_processor
def _template_context() -> dict:
    """What every login template needs: ``t``, the language, styles and the switch."""

    sheets = sorted(p.relative_to(ASSETS_DIR).as_posix() for p in ASSETS_DIR.rglob("*.css"))
    return {"t": t, "lang": current_language(), "stylesheets": [f"/assets/{s}" for s in sheets],
            "languages": [(code, LANGUAGE_LABELS[code]) for code in LANGUAGES],
            "here": request.full_path.rstrip("?") if request.method == "GET" else request.path}
