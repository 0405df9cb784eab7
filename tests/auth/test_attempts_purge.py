"""Old login attempts are deleted by the escalation job's passes; what the rate limit reads stays."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from dashboard.auth.lockout import FAILED, RATE_LIMITED, authenticate
from dashboard.domain.base import now_local
from dashboard.domain.policy import SecurityPolicyValue
from dashboard.domain.users import LoginAttempt
from dashboard.jobs.worker import EscalationWorker

PASSWORD = "correct horse battery staple"
ADDRESS = "10.20.30.40"


def attempts(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(LoginAttempt))


def add_attempts(session, *ages: timedelta) -> None:
    now = now_local()
    session.add_all([LoginAttempt(at=now - age, source_address=ADDRESS, succeeded=False)
                     for age in ages])
    session.commit()


def purge_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name.startswith("dashboard.escalation") and "login attempts" in r.getMessage()]


def test_a_worker_pass_deletes_the_attempts_older_than_kept_and_logs_one_line(session, engine, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.escalation")
    add_attempts(session, timedelta(days=5), timedelta(days=2, hours=1),  # beyond 2 days: purged
                 timedelta(days=1, hours=23), timedelta(minutes=3))       # within: kept
    worker = EscalationWorker(engine, interval=1, settings={})  # LOGIN_ATTEMPTS_KEEP_DAYS unset: 2
    assert worker.run_once().purged_attempts == 2
    assert attempts(session) == 2
    [line] = purge_lines(caplog)
    assert line.startswith("purged 2 login attempts before ")
    assert worker.run_once().purged_attempts == 0  # nothing left to purge: no line
    assert len(purge_lines(caplog)) == 1 and attempts(session) == 2


def test_the_rate_limit_window_in_force_is_kept_twice_whatever_the_keep_setting(session, engine):
    # the security administrator's window of a day outlasts a keep setting of one day
    session.add(SecurityPolicyValue(name="LOGIN_ADDRESS_WINDOW_MINUTES", value="1440",
                                    changed_at=now_local(), changed_by="secadmin"))
    add_attempts(session, timedelta(days=2, hours=1), timedelta(days=1, hours=12))
    EscalationWorker(engine, interval=1, settings={"LOGIN_ATTEMPTS_KEEP_DAYS": 1}).run_once()
    assert attempts(session) == 1


def test_the_lock_and_the_rate_limit_still_hold_after_a_pass(session, engine, make_user):
    settings = {"LOGIN_ADDRESS_MAX_FAILURES": 5}
    user = make_user("commander", username="li")
    for i in range(5):
        assert not authenticate(session, "li", f"wrong {i}", ADDRESS, settings=settings).ok
    session.commit()
    assert user.locked_until is not None
    add_attempts(session, timedelta(days=30))
    assert EscalationWorker(engine, interval=1, settings=settings).run_once().purged_attempts == 1
    session.expire_all()
    locked = authenticate(session, "li", PASSWORD, "10.9.9.9", settings=settings)
    assert not locked.ok and locked.message_key == FAILED
    limited = authenticate(session, "li", PASSWORD, ADDRESS, settings=settings)
    assert limited.message_key == RATE_LIMITED
