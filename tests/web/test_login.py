"""Logging in and staying logged in, through the real app: one message for every refusal,
lockout, rate limit, idle and absolute timeouts on a frozen clock, logout that is final."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry, SessionRecord, User
from dashboard.i18n import translate
from tests.conftest import ORIGIN
from tests.web.conftest import PASSWORD
from tests.web.dash_requests import router_body


def error_text(response) -> str | None:
    found = re.search(r'id="login-error">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else None


def post_login(client, username: str, password: str):
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def actions_of(engine, action: str) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_right_password_opens_a_session_and_lands_on_a_permitted_page(fresh_client, engine):
    client = fresh_client()
    response = post_login(client, "officer", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/_dash-layout").status_code == 200
    assert [e.username for e in actions_of(engine, audit.LOGIN)] == ["officer"]


def test_the_message_is_the_same_for_a_wrong_user_and_a_wrong_password(fresh_client):
    client = fresh_client()
    unknown = error_text(post_login(client, "nobody", PASSWORD))
    wrong = error_text(post_login(client, "officer", "not-the-password-at-all"))
    assert unknown and unknown == wrong
    assert client.get("/_dash-layout").status_code == 401


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
        fresh_app, fresh_client, engine):
    client = fresh_client()
    for _ in range(5):
        post_login(client, "officer", "wrong password 12345")
    locked = post_login(client, "officer", PASSWORD)
    assert locked.status_code == 200 and error_text(locked) == error_text(
        post_login(client, "nobody", "x"))
    assert len(actions_of(engine, audit.LOCKOUT)) == 1
    fresh_app.clock.now += timedelta(minutes=16)
    assert post_login(fresh_client(), "officer", PASSWORD).status_code == 302


def test_an_address_that_keeps_failing_is_rate_limited(fresh_client):
    client = fresh_client()
    for n in range(20):
        post_login(client, f"guess{n}", "wrong password 12345")
    limited = post_login(client, "officer", PASSWORD)
    assert limited.status_code == 200 and limited.headers.get("Location") is None
    assert error_text(limited) == translate("auth.login.rate_limited", "zh-CN", minutes=15)
    assert client.get("/_dash-layout").status_code == 401


def test_idle_session_ends_on_the_server(fresh_app, fresh_client, engine):
    client = fresh_client("commander")
    fresh_app.clock.now += timedelta(minutes=29)
    assert client.get("/_dash-layout").status_code == 200
    fresh_app.clock.now += timedelta(minutes=31)
    assert client.get("/_dash-layout").status_code == 401
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    expired = actions_of(engine, audit.SESSION_EXPIRED)
    assert len(expired) == 1 and '"idle"' in expired[0].detail


def test_activity_cannot_outlive_the_absolute_limit(fresh_app, fresh_client):
    client = fresh_client("commander")
    for _ in range(28):  # every 25 minutes for 11 h 40 min
        fresh_app.clock.now += timedelta(minutes=25)
        assert client.get("/_dash-layout").status_code == 200
    fresh_app.clock.now += timedelta(minutes=25)
    assert client.get("/_dash-layout").status_code == 401


def _interval_tick(client):
    body = router_body("/404")
    body["changedPropIds"] = ["live-interval.n_intervals"]
    return client.post("/_dash-update-component", json=body)


def test_interval_refreshes_do_not_keep_a_session_alive(fresh_app, fresh_client):
    ticking, clicking = fresh_client("commander"), fresh_client("officer")
    fresh_app.clock.now += timedelta(minutes=20)
    assert _interval_tick(ticking).status_code == 200
    assert clicking.post("/_dash-update-component", json=router_body("/404")).status_code == 200
    fresh_app.clock.now += timedelta(minutes=15)  # 35 min after login, 15 after the click
    assert clicking.get("/_dash-layout").status_code == 200
    assert _interval_tick(ticking).status_code == 401


def test_a_cookie_replayed_after_logout_gets_401(fresh_app, fresh_client, engine):
    client = fresh_client("officer")
    stolen = client.get_cookie("antifraud_session").value
    response = client.post("/logout", data={"csrf_token": client.get_cookie("_csrf_token").value})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    replay = fresh_app.test_client()
    replay.environ_base["HTTP_ORIGIN"] = ORIGIN
    replay.set_cookie("antifraud_session", stolen)
    assert replay.get("/_dash-layout").status_code == 401
    assert replay.post("/_dash-update-component", json=router_body("/")).status_code == 401
    assert replay.get("/").headers["Location"].startswith("/login")
    with Session(engine) as session:
        assert session.scalar(select(SessionRecord.end_reason)) == "logout"
    assert len(actions_of(engine, audit.LOGOUT)) == 1


def test_each_login_gets_a_new_session_and_cookie(fresh_client, engine):
    first, second = fresh_client("officer"), fresh_client("officer")
    assert (first.get_cookie("antifraud_session").value
            != second.get_cookie("antifraud_session").value)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(SessionRecord)) == 2


def test_cookies_are_http_only_same_site_and_never_remember_me(fresh_client):
    client = fresh_client()
    post_login(client, "officer", PASSWORD)
    cookies = {c.key: c for c in client._cookies.values()}
    assert set(cookies) == {"antifraud_session", "_csrf_token"}
    assert cookies["antifraud_session"].http_only and not cookies["antifraud_session"].secure
    assert cookies["antifraud_session"].same_site == "Lax"
    assert not cookies["_csrf_token"].http_only  # Dash's renderer must read it


def test_cookies_are_secure_in_production(app_factory):
    from tests.web.test_hardening import GOOD_KEY, GOOD_SECRET

    app = app_factory(ANTIFRAUD_ENV="production", SECRET_KEY=GOOD_SECRET,
                      PERSONAL_DATA_KEY=GOOD_KEY, TOTP_REQUIRED_ROLES="")
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    post_login(client, "officer", PASSWORD)
    cookies = {c.key: c for c in client._cookies.values()}
    assert cookies["antifraud_session"].secure and cookies["_csrf_token"].secure


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_login_never_redirects_off_site(fresh_client, target):
    client = fresh_client()
    form = client.get(f"/login?next={target}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": "officer", "password": PASSWORD,
                                           "csrf_token": token, "next": target})
    assert response.headers["Location"] == "/"


def test_disabled_user_cannot_log_in(fresh_client, engine):
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "press")).is_active = False
    assert error_text(post_login(fresh_client(), "press", PASSWORD))
