"""Demo users: one per role, the documented password, created once however often seeding runs."""

from __future__ import annotations

from sqlalchemy import func, select

from dashboard.auth.passwords import check_policy, verify_password
from dashboard.auth.permissions import roles
from dashboard.auth.scope import scope_of
from dashboard.demo.users import DEMO_PASSWORD, DEMO_USERS, create_demo_users
from dashboard.domain import User


def test_the_seeded_city_has_a_demo_user_for_every_role(seeded_session):
    users = seeded_session.scalars(select(User)).all()
    by_name = {u.username: u for u in users}
    assert {u.role for u in users} >= set(roles())
    for username, role, unit_code, _name in DEMO_USERS:
        user = by_name[username]
        assert user.role == role and (user.unit.code if user.unit else None) == unit_code
        assert verify_password(user.password_hash, DEMO_PASSWORD)
    assert scope_of(seeded_session, by_name["commander"]).unit_path == "350200/350203"
    assert scope_of(seeded_session, by_name["officer"]).unit_path == "350200/350203/35020301"


def test_the_demo_password_passes_the_policy():
    for username, *_ in DEMO_USERS:
        check_policy(DEMO_PASSWORD, username=username)


def test_creating_them_again_changes_nothing(seeded_session):
    before = seeded_session.scalar(select(func.count()).select_from(User))
    create_demo_users(seeded_session)
    seeded_session.flush()
    assert seeded_session.scalar(select(func.count()).select_from(User)) == before
    seeded_session.rollback()
