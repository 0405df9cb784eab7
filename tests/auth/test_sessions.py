"""Server-side sessions: idle and absolute expiry, logout is final, tokens are not stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.domain.users import SessionRecord, User, end_sessions_of

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)


@pytest.fixture
def opened(session, make_user, now):
    user = make_user("officer")
    record, token = SessionRecord.open(user, now)
    session.add(record)
    session.flush()
    return user, record, token


def test_token_finds_its_session_and_is_not_stored(session, opened):
    _user, record, token = opened
    assert SessionRecord.find(session, token) is record
    assert token not in record.id and len(record.id) == 64


@pytest.mark.parametrize("token", [None, "", "forged-token", "x" * 500, "令牌"])
def test_unknown_tokens_find_nothing(session, opened, token):
    assert SessionRecord.find(session, token) is None


def test_each_login_gets_a_new_token(make_user, now):
    user = User(username="u", role="officer")
    assert SessionRecord.open(user, now)[1] != SessionRecord.open(user, now)[1]


def test_activity_keeps_a_session_alive_until_the_absolute_limit(opened, now):
    _user, record, _token = opened
    at = now
    while at - now < ABSOLUTE - timedelta(minutes=25):
        at += timedelta(minutes=25)
        assert record.touch(at, IDLE, ABSOLUTE)
    assert not record.touch(now + ABSOLUTE, IDLE, ABSOLUTE)
    assert record.end_reason == "absolute"


def test_idle_session_ends(opened, now):
    _user, record, _token = opened
    assert record.touch(now + timedelta(minutes=29), IDLE, ABSOLUTE)
    assert not record.touch(now + timedelta(minutes=59), IDLE, ABSOLUTE)
    assert record.end_reason == "idle"
    assert not record.touch(now + timedelta(minutes=60), IDLE, ABSOLUTE)


def test_logout_is_final_even_for_a_replayed_cookie(session, opened, now):
    _user, record, token = opened
    record.end(now + timedelta(minutes=1))
    session.flush()
    session.expire_all()
    replayed = SessionRecord.find(session, token)
    assert replayed is not None and replayed.ended_at is not None
    assert not replayed.touch(now + timedelta(minutes=2), IDLE, ABSOLUTE)
    assert replayed.end_reason == "logout"


def test_disabling_a_user_ends_their_sessions(session, opened, now):
    user, record, _token = opened
    user.is_active = False
    assert not record.touch(now + timedelta(minutes=1), IDLE, ABSOLUTE)
    assert record.end_reason == "disabled"


def test_end_sessions_of_a_user(session, opened, now):
    user, record, _token = opened
    second, _ = SessionRecord.open(user, now)
    session.add(second)
    session.flush()
    assert end_sessions_of(session, user, now, "password_changed") == 2
    live = session.scalars(select(SessionRecord).where(SessionRecord.ended_at.is_(None))).all()
    assert live == []


def test_usernames_are_stored_normalized(make_user):
    assert make_user("officer", username="  Wang.Wei ").username == "wang.wei"


def test_automatic_refreshes_do_not_keep_an_idle_session_alive(opened, now):
    _user, record, _token = opened
    for minute in range(1, 30):
        assert record.touch(now + timedelta(minutes=minute), IDLE, ABSOLUTE, activity=False)
    assert not record.touch(now + timedelta(minutes=30), IDLE, ABSOLUTE, activity=False)
    assert record.end_reason == "idle"
