"""Demo users, one for every role, all with the documented ``DEMO_PASSWORD``.

``create_demo_users(session)`` adds the users that do not exist yet and
leaves existing ones (and their passwords) alone, so seeding twice is safe.
They are for the demo city only: never seed them into a real database.
TOTP is not required in development, so they log in with the password alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.create_user import CreateUser
from dashboard.domain import User

DEMO_PASSWORD = "Xiamen-duty-2026!"
ACTOR = "demo-seed"

# username, role, unit code, display name
DEMO_USERS = (
    ("leader", "leader", "350200", "局领导（演示）"),
    ("commander", "commander", "350203", "思明分局指挥员（演示）"),
    ("officer", "officer", "35020301", "中华派出所民警（演示）"),
    ("press", "press", "350200", "宣传民警（演示）"),
    ("admin", "admin", None, "系统管理员（演示）"),
    ("auditor", "auditor", None, "安全审计员（演示）"),
)


def create_demo_users(session: Session) -> list[User]:
    """Create the missing demo users (run after ``build_demo_units``); return all six."""
    users = []
    for username, role, unit_code, display_name in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = CreateUser(ACTOR, username, role, unit_code, DEMO_PASSWORD,
                              display_name=display_name).run(session)
        users.append(user)
    return users
