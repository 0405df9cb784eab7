"""Demo users, one for every role, all with the documented ``DEMO_PASSWORD``.

``create_demo_users(session)`` adds the users that do not exist yet and
leaves existing ones (and their passwords) alone, so seeding twice is safe.
The three administrators are made as at a real installation's console; every
business account is then created by the demo system administrator and given
its role and unit by the demo security administrator, the two people the
rule asks for (``docs/security.md``).  Demo passwords are published, so they
are not marked for a change at first login.  They are for the demo city only:
never seed them into a real database.  TOTP is not required in development,
so they log in with the password alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.create_user import CreateUser
from dashboard.commands.grant_role import GrantRole
from dashboard.domain import User

DEMO_PASSWORD = "Xiamen-duty-2026!"
ACTOR = "demo-seed"

# username, role, unit code, display name; the administrators first
DEMO_USERS = (
    ("sysadmin", "sysadmin", None, "系统管理员（演示）"),
    ("secadmin", "secadmin", None, "安全管理员（演示）"),
    ("auditor", "auditor", None, "审计管理员（演示）"),
    ("leader", "leader", "350200", "局领导（演示）"),
    ("commander", "commander", "350203", "思明分局指挥员（演示）"),
    ("officer", "officer", "35020301", "中华派出所民警（演示）"),
    ("press", "press", "350200", "宣传民警（演示）"),
)


def create_demo_users(session: Session) -> list[User]:
    """Create the missing demo users (run after ``build_demo_units``); return all seven."""
    made: dict[str, User] = {}
    for username, role, unit_code, display_name in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            administrator = unit_code is None
            creator = ACTOR if administrator else made["sysadmin"]
            user = CreateUser(creator, username, DEMO_PASSWORD, display_name=display_name,
                              role=role if administrator else None).run(session)
            if not administrator:
                GrantRole(made["secadmin"], user.id, role, unit_code).run(session)
            user.must_change_password = False
        made[username] = user
    return list(made.values())
