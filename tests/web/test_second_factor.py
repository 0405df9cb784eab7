"""The TOTP step of the login: a right code once, never twice; enrolment by QR when required."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit, totp
from dashboard.domain import AuditEntry, User
from tests.conftest import ORIGIN
from tests.web.conftest import NOW, PASSWORD
from tests.web.test_login import post_login

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_officer(engine) -> None:
    with Session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == "officer"))
        assert totp.enrol(user, SECRET, pyotp.TOTP(SECRET).at(NOW - timedelta(minutes=5)),
                          at=NOW - timedelta(minutes=5))


def send_code(client, path: str, code: str):
    form = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post(path, data={"code": code, "csrf_token": token})


def test_password_then_code_logs_in(fresh_client, engine):
    enrol_officer(engine)
    client = fresh_client()
    step = post_login(client, "officer", PASSWORD)
    assert step.headers["Location"] == "/login/totp"
    assert client.get("/_dash-layout").status_code == 401  # not yet
    done = send_code(client, "/login/totp", pyotp.TOTP(SECRET).at(NOW))
    assert done.status_code == 302 and client.get("/_dash-layout").status_code == 200


def test_a_code_is_refused_the_second_time(fresh_client, engine):
    enrol_officer(engine)
    code = pyotp.TOTP(SECRET).at(NOW)
    first = fresh_client()
    post_login(first, "officer", PASSWORD)
    assert send_code(first, "/login/totp", code).status_code == 302
    second = fresh_client()
    post_login(second, "officer", PASSWORD)
    replay = send_code(second, "/login/totp", code)
    assert replay.status_code == 200 and 'id="totp-error"' in replay.get_data(as_text=True)
    assert second.get("/_dash-layout").status_code == 401
    with Session(engine) as session:
        assert session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == audit.TOTP_FAILED)) == audit.TOTP_FAILED


def test_wrong_codes_count_towards_the_lock(fresh_client, engine):
    enrol_officer(engine)
    client = fresh_client()
    post_login(client, "officer", PASSWORD)
    for _ in range(5):
        answer = send_code(client, "/login/totp", "000000")
    assert 'id="login-error"' in answer.get_data(as_text=True)  # locked: back to the login form
    assert post_login(fresh_client(), "officer", PASSWORD).status_code == 200


def test_the_code_step_cannot_be_skipped(fresh_client, engine):
    enrol_officer(engine)
    client = fresh_client()
    post_login(client, "officer", PASSWORD)
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.get("/login/totp").status_code == 200


def test_a_required_second_factor_is_enrolled_by_qr_code(app_factory, engine):
    app = app_factory(TOTP_REQUIRED_ROLES="officer")
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    assert post_login(client, "officer", PASSWORD).headers["Location"] == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page
    key = re.search(r'id="enrol-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert key not in client.get_cookie("antifraud_session").value  # encrypted in the session
    assert send_code(client, "/login/enrol", "123456").status_code == 200
    done = send_code(client, "/login/enrol", pyotp.TOTP(key).at(NOW))
    assert done.status_code == 302 and client.get("/_dash-layout").status_code == 200
    with Session(engine) as session:
        assert session.scalar(select(User).where(User.username == "officer")).has_totp


def test_roles_without_the_requirement_skip_the_second_factor(app_factory):
    app = app_factory(TOTP_REQUIRED_ROLES="officer")
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    # straight to the press officer's first page, the statistics builder, with no second step
    assert post_login(client, "press", PASSWORD).headers["Location"] == "/statistics"
