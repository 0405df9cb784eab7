"""Login checks: lockout after five failures, one message for every refusal, rate limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dashboard.auth import audit
from dashboard.auth.lockout import (
    FAILED,
    RATE_LIMITED,
    LoginPolicy,
    authenticate,
    purge_attempts,
    register_failure,
)
from dashboard.domain.audit import AuditEntry
from dashboard.domain.users import LoginAttempt

PASSWORD = "correct horse battery staple"
ADDRESS = "10.20.30.40"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def actions(session):
    return [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_right_password_logs_in_and_clears_failures(session, make_user, now):
    user = make_user("officer", username="wang.officer", failed_logins=3)
    result = authenticate(session, " Wang.Officer ", PASSWORD, ADDRESS, now=now)
    assert result.ok and result.user is user
    assert user.failed_logins == 0 and user.locked_until is None
    assert session.scalar(select(LoginAttempt.succeeded)) is True


def test_wrong_user_and_wrong_password_get_the_same_answer(session, make_user, now):
    make_user("officer", username="wang")
    wrong_user = authenticate(session, "nobody", PASSWORD, ADDRESS, now=now)
    wrong_password = authenticate(session, "wang", "not the password", ADDRESS, now=now)
    assert not wrong_user.ok and not wrong_password.ok
    assert (wrong_user.message_key, wrong_user.params) == (wrong_password.message_key,
                                                           wrong_password.params)
    assert wrong_user.message_key == FAILED
    assert actions(session) == [audit.LOGIN_FAILED, audit.LOGIN_FAILED]


def test_five_failures_lock_for_fifteen_minutes(session, make_user, now):
    user = make_user("commander", username="li")
    for i in range(5):
        assert not authenticate(session, "li", f"wrong {i}", ADDRESS, now=now + minutes(i)).ok
    assert user.locked_until == now + minutes(4) + minutes(15)
    assert audit.LOCKOUT in actions(session)

    locked = authenticate(session, "li", PASSWORD, ADDRESS, now=now + minutes(10))
    assert not locked.ok and locked.message_key == FAILED

    assert authenticate(session, "li", PASSWORD, ADDRESS, now=now + minutes(20)).ok
    assert user.failed_logins == 0


def test_four_failures_then_success_do_not_lock(session, make_user, now):
    user = make_user("officer", username="zhao")
    for i in range(4):
        authenticate(session, "zhao", "wrong", ADDRESS, now=now + minutes(i))
    assert authenticate(session, "zhao", PASSWORD, ADDRESS, now=now + minutes(5)).ok
    for i in range(4):
        authenticate(session, "zhao", "wrong", ADDRESS, now=now + minutes(6 + i))
    assert user.locked_until is None


def test_lock_limits_are_settings(session, make_user, now):
    user = make_user("officer", username="sun")
    settings = {"LOGIN_MAX_FAILURES": 2, "LOGIN_LOCK_MINUTES": 60}
    for _ in range(2):
        authenticate(session, "sun", "wrong", ADDRESS, now=now, settings=settings)
    assert user.locked_until == now + minutes(60)


def test_disabled_user_is_refused_with_the_same_answer(session, make_user, now):
    make_user("officer", username="zhou", is_active=False)
    result = authenticate(session, "zhou", PASSWORD, ADDRESS, now=now)
    assert not result.ok and result.message_key == FAILED


def test_failed_totp_counts_toward_the_lock(session, make_user, now):
    user = make_user("officer")
    policy = LoginPolicy()
    assert not any(register_failure(session, user, now, policy) for _ in range(4))
    assert register_failure(session, user, now, policy)
    assert user.is_locked(now + minutes(14)) and not user.is_locked(now + minutes(15))


def test_address_is_rate_limited_across_usernames(session, make_user, now):
    make_user("officer", username="qian")
    settings = {"LOGIN_ADDRESS_MAX_FAILURES": 3, "LOGIN_ADDRESS_WINDOW_MINUTES": 10}
    for name in ("a", "b", "c"):
        assert authenticate(session, name, "x", ADDRESS, now=now, settings=settings).message_key == FAILED
    limited = authenticate(session, "qian", PASSWORD, ADDRESS, now=now + minutes(1),
                           settings=settings)
    assert not limited.ok and limited.message_key == RATE_LIMITED
    assert audit.RATE_LIMITED in actions(session)
    other = authenticate(session, "qian", PASSWORD, "10.0.0.99", now=now + minutes(1),
                         settings=settings)
    assert other.ok
    later = authenticate(session, "qian", PASSWORD, ADDRESS, now=now + minutes(11),
                         settings=settings)
    assert later.ok


def test_successful_logins_do_not_use_up_the_address_limit(session, make_user, now):
    make_user("officer", username="feng")
    settings = {"LOGIN_ADDRESS_MAX_FAILURES": 2}
    for i in range(5):
        assert authenticate(session, "feng", PASSWORD, ADDRESS, now=now + minutes(i),
                            settings=settings).ok


def test_refusals_leave_no_password_in_the_audit(session, make_user, now):
    make_user("officer", username="wu")
    authenticate(session, "wu", "Secret-Guess-123", ADDRESS, now=now)
    for entry in session.scalars(select(AuditEntry)):
        assert "Secret-Guess" not in (entry.canonical())


def test_old_attempts_are_purged(session, now):
    session.add_all([LoginAttempt(at=now - minutes(120), source_address=ADDRESS),
                        LoginAttempt(at=now, source_address=ADDRESS)])
    session.flush()
    assert purge_attempts(session, now - minutes(60)) == 1
